//! A bash-subset evaluator for dkms.conf and framework.conf: `lexer` → `parser` (an AST with
//! source positions) → `eval` (expansion, builtins, external commands) over a variable store.
//!
//! `dkms` holds dkms's way of reading a conf file with it (context variables, override chain,
//! serialisation round trip).

use std::path::PathBuf;

pub mod arith;
pub mod ast;
pub mod brace;
pub mod builtins;
pub mod dkms;
pub mod eval;
pub mod fallback;
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
    /// Set when the construct is valid bash outside the built-in subset (the name of the
    /// construct): the file is then evaluated by real bash instead (`fallback`).
    pub unsupported: Option<String>,
}

impl ShellError {
    /// Whether this error means "valid bash we do not implement" rather than a bash error.
    pub fn is_unsupported(&self) -> bool {
        self.unsupported.is_some()
    }
}

#[cfg(test)]
mod tests;
