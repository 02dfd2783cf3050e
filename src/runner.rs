//! Every external command dkms runs (make, patch, strip, sign-file, depmod, compressors, openssl,
//! the module's own scripts) goes through `invoke`, so that they all log, show progress, react to
//! Ctrl-C and fail the same way dkms's `invoke_command` does (spec §5, §5.4).
//!
//! Console framing: `description...` then progress dots every 3 s, then ` done.` or
//! `(bad exit status: N)` followed, outside verbose mode, by `Failed command:` and the command.
//! Under `--verbose` the command line replaces the description.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::output::Output;

/// The child currently running (the leader of its own process group), so that the signal
/// handler can pass Ctrl-C on to it and everything it started.
static CHILD_PID: AtomicI32 = AtomicI32::new(0);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// The signal that interrupted dkms (SIGINT unless another was received).
static INTERRUPT_SIGNAL: std::sync::atomic::AtomicI32 =
    std::sync::atomic::AtomicI32::new(nix::libc::SIGINT);
static HANDLERS_INSTALLED: AtomicBool = AtomicBool::new(false);

const DOT_INTERVAL: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<RunError> for crate::error::Error {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Spawn { program, source } => crate::error::Error::io(program, source),
            RunError::Io { path, source } => crate::error::Error::io(path, source),
        }
    }
}

/// What to run: a program with arguments, or a shell command line (dkms `eval`s MAKE, scripts
/// and post_transaction, so those keep their shell meaning).
#[derive(Debug, Clone)]
pub enum Program {
    Exec(Vec<OsString>),
    Shell(String),
}

/// One external command with everything needed to run and report it.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub program: Program,
    /// The command as dkms prints it (`# command:` in make.log, `Failed command:`, verbose).
    pub display: String,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(OsString, OsString)>,
    pub env_remove: Vec<OsString>,
    pub stdin_file: Option<PathBuf>,
}

impl Cmd {
    pub fn exec<I, S>(args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let display = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Cmd {
            program: Program::Exec(args),
            display,
            cwd: None,
            env: Vec::new(),
            env_remove: Vec::new(),
            stdin_file: None,
        }
    }

    pub fn shell(line: impl Into<String>) -> Cmd {
        let line = line.into();
        Cmd {
            program: Program::Shell(line.clone()),
            display: line,
            cwd: None,
            env: Vec::new(),
            env_remove: Vec::new(),
            stdin_file: None,
        }
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Cmd {
        self.cwd = Some(dir.into());
        self
    }

    pub fn display(mut self, text: impl Into<String>) -> Cmd {
        self.display = text.into();
        self
    }

    pub fn envs(mut self, vars: &[(OsString, OsString)]) -> Cmd {
        self.env.extend(vars.iter().cloned());
        self
    }

    pub fn stdin(mut self, file: impl Into<PathBuf>) -> Cmd {
        self.stdin_file = Some(file.into());
        self
    }

    fn command(&self) -> Command {
        let mut c = match &self.program {
            Program::Exec(args) => {
                let mut c = Command::new(&args[0]);
                c.args(&args[1..]);
                c
            }
            // A plain word list means the same to bash and to exec; skipping bash saves its
            // start-up on every build.
            Program::Shell(line) if is_plain_words(line) => {
                let mut words = line.split_ascii_whitespace();
                let mut c = Command::new(words.next().unwrap_or("true"));
                c.args(words);
                c
            }
            Program::Shell(line) => {
                let mut c = Command::new("bash");
                c.arg("-c").arg(line);
                c
            }
        };
        if let Some(dir) = &self.cwd {
            c.current_dir(dir);
        }
        // Its own process group, so that a Ctrl-C passed on reaches everything it started
        // (make's recipes, a script's sleep), as the terminal's Ctrl-C reaches bash dkms's
        // whole job. No command here reads the terminal: stdin is /dev/null or a file.
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        for k in &self.env_remove {
            c.env_remove(k);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn program_name(&self) -> String {
        match &self.program {
            Program::Exec(args) => args
                .first()
                .map(|a| a.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Program::Shell(line) => line
                .split_ascii_whitespace()
                .next()
                .unwrap_or("bash")
                .to_string(),
        }
    }
}

/// Whether a shell command line is only words that bash would pass through unchanged (no
/// quoting, expansion, redirection, globbing, assignment or control operators).
fn is_plain_words(line: &str) -> bool {
    let mut words = line.split_ascii_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let plain = |w: &str| {
        w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./,:+@%=".contains(&b))
    };
    // `NAME=value cmd` is an assignment, and a reserved word or builtin needs bash itself
    !first.contains('=')
        && !matches!(
            first,
            "exec" | "cd" | "eval" | "source" | "." | "set" | "export"
        )
        && first.bytes().any(|b| b.is_ascii_alphanumeric())
        && plain(first)
        && words.all(plain)
}

/// Where the command's combined stdout and stderr go.
pub enum Sink<'a> {
    /// Appended to make.log in the 3.1.5+ step format.
    Log(&'a mut MakeLog),
    /// Shown on the terminal as it comes.
    Console,
    /// Kept and returned (shown on the terminal under `--verbose`).
    Capture,
}

/// How the step shows on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `description... done.` with progress dots.
    Step,
    /// Nothing printed around the command.
    Silent,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub code: i32,
    pub output: Vec<u8>,
    pub interrupted: bool,
}

impl Outcome {
    pub fn success(&self) -> bool {
        self.code == 0 && !self.interrupted
    }
    pub fn output_text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }
}

/// A make.log being written (spec §5.4).
pub struct MakeLog {
    pub path: PathBuf,
    file: File,
}

impl MakeLog {
    /// Start a new log with dkms's header.
    pub fn create(
        path: &Path,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
    ) -> Result<MakeLog, RunError> {
        let io = |source| RunError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::create(path).map_err(io)?;
        write!(
            file,
            "DKMS ({}) make.log for {module}/{version} for kernel {kernel} ({arch})\n{}\n",
            crate::output::messages::DKMS_VERSION,
            date_now()
        )
        .map_err(io)?;
        Ok(MakeLog {
            path: path.to_path_buf(),
            file,
        })
    }

    /// A step log without the make.log header (post_transaction.log), replacing an old one.
    pub fn create_plain(path: &Path) -> Result<MakeLog, RunError> {
        let file = File::create(path).map_err(|source| RunError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(MakeLog {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Reopen after the file moved (make.log is moved into the built tree at the end).
    pub fn set_path(&mut self, path: PathBuf) {
        self.path = path;
    }

    fn append(&mut self, text: &str) {
        let _ = self.file.write_all(text.as_bytes());
        let _ = self.file.flush();
    }
}

/// `date`'s default output in the C locale, e.g. `Thu Nov 26 05:37:51 UTC 2026`.
pub fn date_now() -> String {
    use nix::libc;
    // SAFETY: time/localtime_r/strftime are given valid pointers to stack buffers of the sizes
    // passed; localtime_r is the thread-safe variant.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        tzset();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return String::new();
        }
        let mut buf = [0u8; 128];
        let fmt = b"%a %b %e %H:%M:%S %Z %Y\0";
        let n = libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            fmt.as_ptr() as *const libc::c_char,
            &tm,
        );
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

extern "C" {
    fn tzset();
}

extern "C" fn forward_signal(sig: nix::libc::c_int) {
    INTERRUPT_SIGNAL.store(sig, Ordering::SeqCst);
    INTERRUPTED.store(true, Ordering::SeqCst);
    let pid = CHILD_PID.load(Ordering::SeqCst);
    // SAFETY: kill(2) and _exit(2) are async-signal-safe.
    unsafe {
        if pid > 0 {
            nix::libc::kill(-pid, sig);
        } else {
            // between commands a signal ends dkms as it would have without the handler
            nix::libc::_exit(128 + sig);
        }
    }
}

/// While a child runs, Ctrl-C (or a TERM/HUP sent to dkms alone) is passed to the child and
/// dkms waits for it to finish, so that the failure is reported and build/ and make.log stay.
fn install_handlers() {
    if HANDLERS_INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let action = SigAction::new(
        SigHandler::Handler(forward_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only touches atomics and calls kill(2).
        let old = unsafe { sigaction(sig, &action) };
        // A signal the caller ignores stays ignored (a background job's SIGINT): bash dkms
        // inherits that, and so do the commands it runs.
        if let Ok(old) = old {
            if old.handler() == SigHandler::SigIgn {
                // SAFETY: restores the disposition we found.
                let _ = unsafe { sigaction(sig, &old) };
            }
        }
    }
}

fn forwarded_signals() -> nix::sys::signal::SigSet {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(sig);
    }
    set
}

fn block_forwarded_signals() -> Option<nix::sys::signal::SigSet> {
    use nix::sys::signal::{pthread_sigmask, SigSet, SigmaskHow};
    let mut old = SigSet::empty();
    pthread_sigmask(
        SigmaskHow::SIG_BLOCK,
        Some(&forwarded_signals()),
        Some(&mut old),
    )
    .ok()
    .map(|_| old)
}

fn restore_signal_mask(old: Option<nix::sys::signal::SigSet>) {
    use nix::sys::signal::{pthread_sigmask, SigmaskHow};
    if let Some(old) = old {
        let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
    }
}

/// The exit status of a run a signal interrupted: 128 + the signal, as the shell reports a
/// process the signal ended (130 for Ctrl-C, 143 for TERM).
pub fn interrupted_exit_code() -> i32 {
    128 + INTERRUPT_SIGNAL.load(Ordering::SeqCst)
}

/// True once a Ctrl-C (or TERM/HUP) reached dkms during a command.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Run one command with dkms's framing. `description` is what non-verbose mode prints; `dots`
/// enables the 3-second progress dots.
pub fn invoke(
    out: &Output,
    description: &str,
    cmd: &Cmd,
    sink: Sink<'_>,
    framing: Framing,
    dots: bool,
) -> Result<Outcome, RunError> {
    let verbose = out.verbose;
    if framing == Framing::Step {
        if verbose {
            out.line(&cmd.display);
        } else {
            out.partial(format!("{description}..."));
        }
    }
    let mut capture_file = None;
    let (stdout, stderr): (Stdio, Stdio) = match &sink {
        Sink::Log(log) => {
            let mut log_text = String::from("\n");
            log_text.push_str(description);
            log_text.push('\n');
            log_text.push_str("# command: ");
            log_text.push_str(&cmd.display);
            log_text.push('\n');
            // Safe re-borrow: the log is only appended to here and after the child ends.
            let path = log.path.clone();
            let file = log.file.try_clone().map_err(|source| RunError::Io {
                path: path.clone(),
                source,
            })?;
            let file2 = file
                .try_clone()
                .map_err(|source| RunError::Io { path, source })?;
            let mut f = &file;
            let _ = f.write_all(log_text.as_bytes());
            (Stdio::from(file), Stdio::from(file2))
        }
        Sink::Console => (Stdio::inherit(), Stdio::inherit()),
        Sink::Capture => {
            let f = tempfile::tempfile().map_err(|source| RunError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
            let f2 = f.try_clone().map_err(|source| RunError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
            let f3 = f.try_clone().map_err(|source| RunError::Io {
                path: std::env::temp_dir(),
                source,
            })?;
            capture_file = Some(f3);
            (Stdio::from(f), Stdio::from(f2))
        }
    };

    let mut command = cmd.command();
    command.stdout(stdout).stderr(stderr);
    match &cmd.stdin_file {
        Some(p) => {
            let f = File::open(p).map_err(|source| RunError::Io {
                path: p.clone(),
                source,
            })?;
            command.stdin(Stdio::from(f));
        }
        None => {
            command.stdin(Stdio::null());
        }
    }

    install_handlers();
    let started = Instant::now();
    // Signals wait until the child's pid is known, so that none is lost between the spawn and
    // the moment the handler can pass it on (the child starts with an empty mask).
    let blocked = block_forwarded_signals();
    let mut child = command.spawn().map_err(|source| RunError::Spawn {
        program: cmd.program_name(),
        source,
    });
    if let Ok(c) = &child {
        CHILD_PID.store(c.id() as i32, Ordering::SeqCst);
    }
    restore_signal_mask(blocked);
    let spawn_failed = child.is_err();
    let (code, interrupted) = match child.as_mut() {
        Ok(child) => {
            let show_dots = dots && framing == Framing::Step && !verbose;
            let (stop_tx, stop_rx) = mpsc::channel::<()>();
            let dotter = show_dots.then(|| {
                let out = out.clone();
                std::thread::spawn(move || {
                    while let Err(mpsc::RecvTimeoutError::Timeout) =
                        stop_rx.recv_timeout(DOT_INTERVAL)
                    {
                        out.partial(".");
                    }
                })
            });
            let status = child.wait();
            CHILD_PID.store(0, Ordering::SeqCst);
            drop(stop_tx);
            if let Some(t) = dotter {
                let _ = t.join();
            }
            let code = match status {
                Ok(s) => s.code().unwrap_or_else(|| {
                    use std::os::unix::process::ExitStatusExt;
                    128 + s.signal().unwrap_or(0)
                }),
                Err(_) => 1,
            };
            (code, INTERRUPTED.load(Ordering::SeqCst))
        }
        Err(_) => (127, false),
    };
    let elapsed = started.elapsed();

    let mut output = Vec::new();
    if let Some(mut f) = capture_file {
        let _ = f.rewind();
        let _ = f.read_to_end(&mut output);
    }
    if spawn_failed {
        if let Err(e) = &child {
            output.extend_from_slice(format!("{e}\n").as_bytes());
        }
    }

    match sink {
        Sink::Log(log) => {
            if spawn_failed {
                // what bash would have logged for a command it cannot run
                log.append(&format!("{}: command not found\n", cmd.program_name()));
            }
            let secs = elapsed.as_secs();
            log.append(&format!(
                "\n# exit code: {code}\n# elapsed time: {:02}:{:02}:{:02}\n{}\n",
                secs / 3600,
                (secs / 60) % 60,
                secs % 60,
                "-".repeat(64)
            ));
        }
        Sink::Capture if verbose => {
            let mut so = std::io::stdout().lock();
            let _ = so.write_all(&output);
            let _ = so.flush();
        }
        _ => {}
    }

    if framing == Framing::Step {
        if code == 0 && !interrupted {
            out.line(" done.");
        } else if verbose {
            // dkms ends the line only outside verbose mode; the next text supplies it
            out.partial(format!("(bad exit status: {code})"));
        } else {
            out.line(format!("(bad exit status: {code})"));
            out.line("Failed command:");
            out.line(&cmd.display);
        }
    }
    Ok(Outcome {
        code,
        output,
        interrupted,
    })
}

/// Run a helper quietly and return its outcome (strip, compressors, openssl, ...): no framing,
/// output captured.
pub fn quiet(out: &Output, cmd: &Cmd) -> Result<Outcome, RunError> {
    let quiet_out = Output::new(false);
    let _ = out;
    invoke(&quiet_out, "", cmd, Sink::Capture, Framing::Silent, false)
}

/// The module name rule for progress dots: none for `dkms*_test` (keeps upstream's test output
/// deterministic).
pub fn wants_dots(module: &str) -> bool {
    !(module.starts_with("dkms") && module.ends_with("_test") && module.len() >= "dkms_test".len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_command_lines_skip_bash() {
        assert!(is_plain_words(
            "make -j2 KERNELRELEASE=6.1.0 -C /lib/modules/6.1.0/build M=/x"
        ));
        assert!(!is_plain_words("CC=clang make"));
        assert!(!is_plain_words("make $FLAGS"));
        assert!(!is_plain_words("make 'a b'"));
        assert!(!is_plain_words("cd /x && make"));
        assert!(!is_plain_words("make > log"));
        assert!(!is_plain_words("make *.o"));
        assert!(!is_plain_words("make ~/x"));
        assert!(!is_plain_words(""));
        assert!(!is_plain_words("exec make"));
    }

    #[test]
    fn dots_are_off_only_for_dkms_test_modules() {
        assert!(!wants_dots("dkms_test"));
        assert!(!wants_dots("dkms_failing_test"));
        assert!(wants_dots("hello"));
        assert!(wants_dots("dkms_testing"));
        assert!(wants_dots("my_dkms_test"));
    }

    #[test]
    fn a_logged_step_has_dkms_make_log_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("make.log");
        let mut log = MakeLog::create(&path, "m", "1", "6.1.0", "x86_64").unwrap();
        let cmd = Cmd::shell("echo out; echo err >&2; exit 3");
        let quiet = Output::new(false);
        let o = invoke(
            &quiet,
            "Step one",
            &cmd,
            Sink::Log(&mut log),
            Framing::Silent,
            false,
        )
        .unwrap();
        assert_eq!(o.code, 3);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("DKMS (dkms-3.4.3) make.log for m/1 for kernel 6.1.0 (x86_64)")
        );
        let rest: Vec<&str> = lines.skip(1).collect();
        assert_eq!(
            rest.join("\n"),
            format!(
                "\nStep one\n# command: echo out; echo err >&2; exit 3\nout\nerr\n\n# exit code: 3\n# elapsed time: 00:00:00\n{}",
                "-".repeat(64)
            )
        );
        assert!(text.ends_with("-\n"));
    }

    #[test]
    fn captured_output_and_missing_programs() {
        let quiet = Output::new(false);
        let o = quiet_run(&quiet, &Cmd::exec(["sh", "-c", "echo a; echo b >&2"]));
        assert_eq!(o.output_text(), "a\nb\n");
        assert!(o.success());
        let o = quiet_run(&quiet, &Cmd::exec(["/nonexistent/program"]));
        assert_eq!(o.code, 127);
        assert!(!o.success());
    }

    fn quiet_run(out: &Output, cmd: &Cmd) -> Outcome {
        quiet(out, cmd).unwrap()
    }
}
