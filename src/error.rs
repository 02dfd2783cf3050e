//! One error type for the whole program. Every variant knows the exit code dkms uses for it,
//! so `main` only has to print and exit.

use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A dkms `Error!` block: printed on stderr as a blank line, `Error! <first line>`, then the
    /// remaining lines, and the process exits with `code`.
    #[error("{}", lines.join("\n"))]
    Dkms { code: i32, lines: Vec<String> },

    /// The message was already printed (a warning, usage text, a summary); only the exit code
    /// is left to deliver. Used for exit 77 (BUILD_EXCLUSIVE), script exit statuses, and the like.
    #[error("exit {0}")]
    Exit(i32),

    /// dkms.conf / framework.conf could not be evaluated (syntax error, limit reached).
    #[error("{0}")]
    Shell(#[from] crate::shell::ShellError),

    /// An I/O failure dkms would not have a dedicated message for.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// An `Error!` block with one or more lines.
    pub fn dkms<S: Into<String>>(code: i32, lines: impl IntoIterator<Item = S>) -> Self {
        Error::Dkms {
            code,
            lines: lines.into_iter().map(Into::into).collect(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Dkms { code, .. } => *code,
            Error::Exit(code) => *code,
            Error::Shell(_) => 8,
            Error::Io { .. } => 1,
        }
    }
}

/// Attach a path to an `io::Result`.
pub trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}

impl Error {
    /// Print the error as dkms does (nothing for `Exit`: its message is already out) and give
    /// the exit code.
    pub fn report(&self, out: &crate::output::Output) -> i32 {
        match self {
            Error::Dkms { lines, .. } => out.error(lines),
            Error::Exit(_) => {}
            Error::Shell(err) => out.error(&[err.to_string()]),
            Error::Io { .. } => out.error(&[self.to_string()]),
        }
        self.exit_code()
    }
}
