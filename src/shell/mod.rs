//! A bash-subset evaluator for dkms.conf and framework.conf: `lexer` → `parser` (an AST with
//! source positions) → `eval` (expansion, builtins, external commands) over a variable store.

use std::path::PathBuf;

pub mod dkms;
pub mod pattern;

/// An error with the place it happened: file, line, column and the construct.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ShellError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}
