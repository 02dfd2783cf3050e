//! Every word the user reads goes through here. The primitives below give dkms's framing
//! (`Error!` blocks, `Warning:` lines, `... done.` steps); the submodules hold the wording of
//! each area, so that a message is written once and `--json` views can sit beside the text.
//!
//! `-q` is implemented by pointing file descriptors 1 and 2 at /dev/null (as dkms does with
//! `exec >/dev/null 2>&1`), so nothing here needs to know about quiet mode.

use std::io::Write;

pub mod build;
pub mod cli;
pub mod conf;
pub mod faults;
pub mod messages;
pub mod tarball;
pub mod tree;

#[derive(Debug, Default, Clone)]
pub struct Output {
    pub verbose: bool,
}

impl Output {
    pub fn new(verbose: bool) -> Self {
        Output { verbose }
    }

    /// A line on stdout.
    pub fn line(&self, text: impl AsRef<str>) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", text.as_ref());
        let _ = out.flush();
    }

    /// Text on stdout without a newline (the first half of a `description... done.` step).
    pub fn partial(&self, text: impl AsRef<str>) {
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{}", text.as_ref());
        let _ = out.flush();
    }

    /// A blank line on stdout.
    pub fn blank(&self) {
        self.line("");
    }

    /// A line on stderr.
    pub fn err_line(&self, text: impl AsRef<str>) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}", text.as_ref());
    }

    /// dkms's error framing: a blank line, `Error! ` before the first line, the rest as is.
    pub fn error<S: AsRef<str>>(&self, lines: &[S]) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err);
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(err, "Error! {}", l.as_ref());
            } else {
                let _ = writeln!(err, "{}", l.as_ref());
            }
        }
    }

    /// dkms's warning framing: `Warning: ` before the first line, on stderr.
    pub fn warning<S: AsRef<str>>(&self, lines: &[S]) {
        let mut err = std::io::stderr().lock();
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(err, "Warning: {}", l.as_ref());
            } else {
                let _ = writeln!(err, "{}", l.as_ref());
            }
        }
    }

    /// `Deprecated feature: <what>` on stderr.
    pub fn deprecated(&self, what: impl AsRef<str>) {
        self.err_line(format!("Deprecated feature: {}", what.as_ref()));
    }
}
