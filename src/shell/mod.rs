//! A bash-subset evaluator for dkms.conf and framework.conf: `lexer` → `parser` (an AST with
//! source positions) → `eval` (expansion, builtins, external commands) over a variable store.
//!
//! `dkms` holds dkms's way of reading a conf file with it (context variables, override chain,
//! serialisation round trip).

use std::path::PathBuf;

pub mod arith;
pub mod ast;
pub mod builtins;
pub mod dkms;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod pattern;

pub use eval::{Io, Limits, Shell};

/// An error with the place it happened: file, line, column and the construct.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ShellError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}
