//! dkms's command line, parsed the way dkms parses it (see spec §2.1): words in any order, long
//! options by prefix, short options only with a separate value, `module/version` and
//! `kernel/arch` splits, positional paths recognised by what exists on disk.
//!
//! The option table is a clap `Command` (`command()`), which is also the source of the man page
//! and the shell completions; the scanning itself is hand-written because dkms's rules are not
//! clap's: the scanner reads names, short letters and "takes a value" from the clap table.

use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, Command};

use crate::error::{Error, Result};
use crate::output::cli as msg;
use crate::output::Output;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Remove,
    Build,
    Unbuild,
    Install,
    Uninstall,
    Match,
    Autoinstall,
    Mktarball,
    Ldtarball,
    Status,
    GenerateMok,
    KernelPreinst,
    KernelPostinst,
    KernelPrerm,
    Mkdriverdisk,
    /// Our extension: print the directives of a dkms.conf as dkms would use them.
    ShowConf,
}

impl Action {
    pub const ALL: &'static [(&'static str, Action)] = &[
        ("add", Action::Add),
        ("remove", Action::Remove),
        ("build", Action::Build),
        ("unbuild", Action::Unbuild),
        ("install", Action::Install),
        ("uninstall", Action::Uninstall),
        ("match", Action::Match),
        ("autoinstall", Action::Autoinstall),
        ("mktarball", Action::Mktarball),
        ("ldtarball", Action::Ldtarball),
        ("status", Action::Status),
        ("generate_mok", Action::GenerateMok),
        ("kernel_preinst", Action::KernelPreinst),
        ("kernel_postinst", Action::KernelPostinst),
        ("kernel_prerm", Action::KernelPrerm),
        ("mkdriverdisk", Action::Mkdriverdisk),
        ("show_conf", Action::ShowConf),
    ];

    pub fn from_word(word: &str) -> Option<Action> {
        Action::ALL
            .iter()
            .find(|(name, _)| *name == word)
            .map(|(_, a)| *a)
    }

    pub fn name(self) -> &'static str {
        Action::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map(|(name, _)| *name)
            .unwrap_or("")
    }

    /// One-line description, for the man page and the completions.
    pub fn about(self) -> &'static str {
        match self {
            Action::Add => "Add a module/version to the DKMS tree (from /usr/src/<module>-<version>, a directory holding dkms.conf, a dkms.conf path or a source tarball)",
            Action::Remove => "Uninstall and unbuild a module/version for the given kernels, and remove it from the tree when no kernel is left",
            Action::Build => "Build a module/version for the given kernels (adding it first if needed)",
            Action::Unbuild => "Uninstall a module/version and delete its built copy for the given kernels",
            Action::Install => "Install a built module/version into the kernel's module directory (building it first if needed)",
            Action::Uninstall => "Remove an installed module/version from the kernel's module directory, restoring archived original modules",
            Action::Match => "Install for a kernel every module installed for --templatekernel [not implemented yet]",
            Action::Autoinstall => "Build and install the newest version of every module with AUTOINSTALL=yes for one kernel [not implemented yet]",
            Action::Mktarball => "Write a tarball of a module's source and/or built binaries",
            Action::Ldtarball => "Load a tarball made by mktarball (or a source tarball) into the tree",
            Action::Status => "Print the state of modules: added, built, installed (--json: the same as a JSON array)",
            Action::GenerateMok => "Create the module signing key and certificate if missing",
            Action::KernelPreinst => "Kernel hook before a kernel package is installed: unbuild AUTOINSTALL modules for it (one -k) [not implemented yet]",
            Action::KernelPostinst => "Kernel hook after a kernel package is installed: autoinstall for it (one -k) [not implemented yet]",
            Action::KernelPrerm => "Kernel hook before a kernel package is removed: unbuild every module for it (one -k) [not implemented yet]",
            Action::Mkdriverdisk => "Make a driver update disk (dkms 2.x action, restored) [not implemented yet]",
            Action::ShowConf => "Print the directives of a module's dkms.conf as dkms evaluates them (--json: as a JSON object)",
        }
    }

    /// Actions that reject `--all` (spec §2.2).
    fn rejects_all(self) -> bool {
        matches!(
            self,
            Action::Add
                | Action::Build
                | Action::Install
                | Action::Autoinstall
                | Action::Match
                | Action::KernelPreinst
                | Action::KernelPostinst
                | Action::KernelPrerm
        )
    }

    fn is_kernel_hook(self) -> bool {
        matches!(
            self,
            Action::KernelPreinst | Action::KernelPostinst | Action::KernelPrerm
        )
    }
}

/// Everything the command line said, before any file is read. Lists keep command-line order.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub action: Option<Action>,
    pub module: Option<String>,
    pub version: Option<String>,
    /// `-k` values in order (the part before `/`).
    pub kernels: Vec<String>,
    /// `-a` values and the arch parts of `-k kernel/arch`, in order.
    pub arches: Vec<String>,
    /// `-c FILE`
    pub conf_file: Option<PathBuf>,
    /// `--config FILE` (kernel config)
    pub kernel_config: Option<PathBuf>,
    pub kernel_source_dir: Option<PathBuf>,
    pub template_kernel: Option<String>,
    /// `--archive FILE` or a positional existing file.
    pub archive: Option<PathBuf>,
    /// A positional directory holding dkms.conf, or the directory of a positional `…dkms.conf`.
    pub source_dir: Option<PathBuf>,
    pub directives: Vec<String>,
    pub dkmstree: Option<PathBuf>,
    pub sourcetree: Option<PathBuf>,
    pub installtree: Option<PathBuf>,
    /// `-j` as written (dkms does not validate it).
    pub jobs: Option<String>,
    pub force: bool,
    pub force_version_override: bool,
    pub all: bool,
    pub binaries_only: bool,
    pub source_only: bool,
    pub symlink_modules: bool,
    pub no_depmod: bool,
    pub modprobe_on_install: bool,
    pub rpm_safe_upgrade: bool,
    pub verbose: bool,
    pub quiet: bool,
    pub debug: bool,
    /// Our extension: `--json` for status and show_conf.
    pub json: bool,
    /// `-h/--help` was given (the usage has been printed; parse returned `Error::Exit(0)`).
    pub help: bool,
    /// `-V/--version` was given (printed; parse returned `Error::Exit(0)`).
    pub version_flag: bool,
    /// Positional words dkms could not place (it warned "I do not know how to handle"), in
    /// order; kept for an action that wants them.
    pub extra_words: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// The option table

/// Ids of the clap arguments; the scanner maps them to `Invocation` fields.
mod id {
    pub const MODULE: &str = "module";
    pub const MODULE_VERSION: &str = "module-version";
    pub const KERNELVER: &str = "kernelver";
    pub const ARCH: &str = "arch";
    pub const CONF: &str = "conf";
    pub const CONFIG: &str = "config";
    pub const KERNELSOURCEDIR: &str = "kernelsourcedir";
    pub const TEMPLATEKERNEL: &str = "templatekernel";
    pub const ARCHIVE: &str = "archive";
    pub const DIRECTIVE: &str = "directive";
    pub const DKMSTREE: &str = "dkmstree";
    pub const SOURCETREE: &str = "sourcetree";
    pub const INSTALLTREE: &str = "installtree";
    pub const JOBS: &str = "jobs";
    pub const FORCE: &str = "force";
    pub const FORCE_VERSION_OVERRIDE: &str = "force-version-override";
    pub const ALL: &str = "all";
    pub const BINARIES_ONLY: &str = "binaries-only";
    pub const SOURCE_ONLY: &str = "source-only";
    pub const SYMLINK_MODULES: &str = "symlink-modules";
    pub const NO_DEPMOD: &str = "no-depmod";
    pub const MODPROBE_ON_INSTALL: &str = "modprobe-on-install";
    pub const RPM_SAFE_UPGRADE: &str = "rpm_safe_upgrade";
    pub const VERBOSE: &str = "verbose";
    pub const QUIET: &str = "quiet";
    pub const DEBUG: &str = "debug";
    pub const JSON: &str = "json";
    pub const HELP: &str = "help";
    pub const VERSION: &str = "version";
    pub const NO_INITRD: &str = "no-initrd";
    pub const NO_CLEAN_KERNEL: &str = "no-clean-kernel";
    pub const NO_PREPARE_KERNEL: &str = "no-prepare-kernel";
}

fn value(id: &'static str, value_name: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .value_name(value_name)
        .action(ArgAction::Set)
        .global(true)
        .help(help)
}

fn flag(id: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(id)
        .action(ArgAction::SetTrue)
        .global(true)
        .help(help)
}

/// The table of dkms's actions and options: the scanner's vocabulary, and the source of the
/// man page and the shell completions.
pub fn command() -> Command {
    let mut cmd = Command::new("dkms")
        .bin_name("dkms")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Dynamic Kernel Module Support: build and install kernel modules out of the kernel tree")
        .long_about(
            "dkms builds kernel modules whose sources live outside the kernel tree, for each \
             installed kernel, installs them into the kernel's module directory and keeps track \
             of them in the DKMS tree (/var/lib/dkms). This is a drop-in reimplementation of \
             upstream dkms 3.4.3: same command line, same output, same exit codes, same tree.",
        )
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .args_conflicts_with_subcommands(false)
        .arg(
            value(id::MODULE, "module[/version]", "Module name, and optionally its version after a slash (also as a plain word: module/version)")
                .short('m')
                .long(id::MODULE),
        )
        .arg(value(id::MODULE_VERSION, "module-version", "Module version").short('v'))
        .arg(
            value(id::KERNELVER, "kernel[/arch]", "Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)")
                .short('k')
                .long(id::KERNELVER)
                .action(ArgAction::Append),
        )
        .arg(
            value(id::ARCH, "arch", "Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m")
                .short('a')
                .long(id::ARCH)
                .action(ArgAction::Append),
        )
        .arg(
            value(id::CONF, "dkms.conf-location", "Use this dkms.conf instead of the module's own")
                .short('c')
                .value_hint(clap::ValueHint::FilePath),
        )
        .arg(
            value(id::CONFIG, "kernel-config", "Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)")
                .long(id::CONFIG)
                .value_hint(clap::ValueHint::FilePath),
        )
        .arg(
            value(id::KERNELSOURCEDIR, "source-location", "Kernel build directory instead of <installtree>/<kernel>/build")
                .long(id::KERNELSOURCEDIR)
                .value_hint(clap::ValueHint::DirPath),
        )
        .arg(value(id::TEMPLATEKERNEL, "kernel", "match: the kernel whose installed modules are copied").long(id::TEMPLATEKERNEL))
        .arg(
            value(id::ARCHIVE, "tarball-location", "Tarball to load (ldtarball, add) or to write (mktarball)")
                .long(id::ARCHIVE)
                .value_hint(clap::ValueHint::FilePath),
        )
        .arg(
            value(id::DIRECTIVE, "NAME=value", "Set a dkms.conf directive after every dkms.conf is read; repeatable")
                .long(id::DIRECTIVE)
                .action(ArgAction::Append),
        )
        .arg(
            value(id::DKMSTREE, "path", "DKMS tree (default /var/lib/dkms)")
                .long(id::DKMSTREE)
                .value_hint(clap::ValueHint::DirPath),
        )
        .arg(
            value(id::SOURCETREE, "path", "Source tree holding <module>-<version> directories (default /usr/src)")
                .long(id::SOURCETREE)
                .value_hint(clap::ValueHint::DirPath),
        )
        .arg(
            value(id::INSTALLTREE, "path", "Module install tree (default /lib/modules)")
                .long(id::INSTALLTREE)
                .value_hint(clap::ValueHint::DirPath),
        )
        .arg(value(id::JOBS, "number", "Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)").short('j'))
        .arg(flag(id::FORCE, "Rebuild, reinstall or reload even when already done; skip the version checks"))
        .arg(flag(id::FORCE_VERSION_OVERRIDE, "Skip only the check that the installed module is not newer"))
        .arg(flag(id::ALL, "Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status"))
        .arg(flag(id::BINARIES_ONLY, "mktarball: only the built modules"))
        .arg(flag(id::SOURCE_ONLY, "mktarball: only the source"))
        .arg(flag(id::SYMLINK_MODULES, "install: symlink the modules into the DKMS tree instead of copying them"))
        .arg(flag(id::NO_DEPMOD, "Never run depmod"))
        .arg(flag(id::MODPROBE_ON_INSTALL, "After installing for the running kernel, load the modules it needs"))
        .arg(flag(id::RPM_SAFE_UPGRADE, "Let an rpm upgrade remove the old version without undoing the new one"))
        .arg(flag(id::VERBOSE, "Show the commands run and their output; with --version, also name this implementation"))
        .arg(flag(id::QUIET, "Print nothing (from this word on)").short('q'))
        .arg(flag(id::DEBUG, "Accepted for compatibility (bash dkms traces its script)"))
        .arg(flag(id::JSON, "status, show_conf: print JSON instead of text (extension)"))
        .arg(flag(id::HELP, "Print the usage and exit").short('h'))
        .arg(flag(id::VERSION, "Print the dkms version (dkms-3.4.3) and exit").short('V'))
        .arg(flag(id::NO_INITRD, "Deprecated, does nothing (prints a warning)"))
        .arg(flag(id::NO_CLEAN_KERNEL, "Deprecated, does nothing (prints a warning)"))
        .arg(flag(id::NO_PREPARE_KERNEL, "Deprecated, does nothing (prints a warning)"));
    for (name, action) in Action::ALL {
        let sub = Command::new(*name)
            .about(action.about())
            .disable_help_flag(true)
            .hide(*action == Action::Mkdriverdisk);
        cmd = cmd.subcommand(sub);
    }
    cmd
}

/// One option as the scanner sees it.
#[derive(Debug, Clone)]
struct OptionSpec {
    id: String,
    long: Option<String>,
    short: Option<char>,
    takes_value: bool,
}

fn option_table(cmd: &Command) -> Vec<OptionSpec> {
    cmd.get_arguments()
        .filter(|a| !a.is_positional())
        .map(|a| OptionSpec {
            id: a.get_id().as_str().to_string(),
            long: a.get_long().map(str::to_string),
            short: a.get_short(),
            takes_value: a.get_action().takes_values(),
        })
        .collect()
}

/// Which option a word names, and the value it carries inline (`--opt=value`).
///
/// Flags match their long name exactly. Options with a value match any word that starts with
/// `--name` (dkms's `--name*` patterns: `--kernelverX` is `--kernelver`); when two names fit,
/// the longer wins (`--archive` over `--arch`). Short options are exactly `-x`.
fn match_option<'t>(
    table: &'t [OptionSpec],
    word: &str,
) -> Option<(&'t OptionSpec, Option<String>)> {
    if let Some(rest) = word.strip_prefix("--") {
        if let Some(spec) = table
            .iter()
            .find(|s| !s.takes_value && s.long.as_deref() == Some(rest))
        {
            return Some((spec, None));
        }
        let spec = table
            .iter()
            .filter(|s| s.takes_value)
            .filter(|s| s.long.as_deref().is_some_and(|l| rest.starts_with(l)))
            .max_by_key(|s| s.long.as_deref().map_or(0, str::len))?;
        let inline = word.split_once('=').map(|(_, v)| v.to_string());
        return Some((spec, inline));
    }
    let mut chars = word.strip_prefix('-')?.chars();
    let letter = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    table
        .iter()
        .find(|s| s.short == Some(letter))
        .map(|s| (s, None))
}

// ---------------------------------------------------------------------------------------------
// Scanning

/// Parse the words after the program name. Prints, as dkms does while scanning, the warnings
/// (deprecated options, words it cannot place), the usage for `--help` and the version for
/// `--version` (then returns `Error::Exit(0)`); `-q` silences stdout and stderr from that word
/// on. An unknown option prints its error and the usage and returns `Error::Exit(2)`; a second
/// action returns the dkms error (exit 4).
pub fn parse(args: &[String], out: &Output) -> Result<Invocation> {
    parse_with(args, out, &mut silence_stdio).map_err(|e| match e {
        // The scanner's only exit-2 error is the unknown option, which dkms follows with the
        // usage text.
        Error::Dkms { code: 2, lines } => {
            out.error(&lines);
            out.line(crate::output::messages::usage());
            Error::Exit(2)
        }
        e => e,
    })
}

/// `parse` with the `-q` effect supplied by the caller (tests keep their output).
pub fn parse_with(args: &[String], out: &Output, on_quiet: &mut dyn FnMut()) -> Result<Invocation> {
    let cmd = command();
    let table = option_table(&cmd);
    let action_names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
    let mut inv = Invocation::default();
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        i += 1;
        if word.starts_with('-') {
            let Some((spec, inline)) = match_option(&table, word) else {
                return Err(msg::unknown_option(word));
            };
            if spec.takes_value {
                // A missing value is an empty one, as `$2` is in bash.
                let value = match inline {
                    Some(v) => v,
                    None => {
                        let v = args.get(i).cloned().unwrap_or_default();
                        if i < args.len() {
                            i += 1;
                        }
                        v
                    }
                };
                set_value(&mut inv, &spec.id, value);
            } else {
                set_flag(&mut inv, &spec.id, word, args, out, on_quiet)?;
            }
            continue;
        }
        if action_names.contains(&word.as_str()) {
            if inv.action.is_some() {
                return Err(msg::more_than_one_action());
            }
            inv.action = Action::from_word(word);
            continue;
        }
        place_word(&mut inv, word, out);
    }
    Ok(inv)
}

fn set_value(inv: &mut Invocation, id: &str, value: String) {
    match id {
        id::MODULE => split_module(inv, &value),
        id::MODULE_VERSION => inv.version = Some(value),
        id::KERNELVER => match value.split_once('/') {
            Some((kernel, arch)) => {
                inv.kernels.push(kernel.to_string());
                inv.arches.push(arch.to_string());
            }
            None => inv.kernels.push(value),
        },
        id::ARCH => inv.arches.push(value),
        id::CONF => inv.conf_file = Some(PathBuf::from(value)),
        id::CONFIG => inv.kernel_config = Some(PathBuf::from(value)),
        id::KERNELSOURCEDIR => inv.kernel_source_dir = Some(PathBuf::from(value)),
        id::TEMPLATEKERNEL => inv.template_kernel = Some(value),
        id::ARCHIVE => inv.archive = Some(PathBuf::from(value)),
        id::DIRECTIVE => inv.directives.push(value),
        id::DKMSTREE => inv.dkmstree = Some(PathBuf::from(value)),
        id::SOURCETREE => inv.sourcetree = Some(PathBuf::from(value)),
        id::INSTALLTREE => inv.installtree = Some(PathBuf::from(value)),
        id::JOBS => inv.jobs = Some(value),
        _ => {}
    }
}

fn set_flag(
    inv: &mut Invocation,
    id: &str,
    word: &str,
    args: &[String],
    out: &Output,
    on_quiet: &mut dyn FnMut(),
) -> Result<()> {
    match id {
        id::FORCE => inv.force = true,
        id::FORCE_VERSION_OVERRIDE => inv.force_version_override = true,
        id::ALL => inv.all = true,
        id::BINARIES_ONLY => inv.binaries_only = true,
        id::SOURCE_ONLY => inv.source_only = true,
        id::SYMLINK_MODULES => inv.symlink_modules = true,
        id::NO_DEPMOD => inv.no_depmod = true,
        id::MODPROBE_ON_INSTALL => inv.modprobe_on_install = true,
        id::RPM_SAFE_UPGRADE => inv.rpm_safe_upgrade = true,
        id::VERBOSE => inv.verbose = true,
        id::DEBUG => inv.debug = true,
        id::JSON => inv.json = true,
        id::QUIET => {
            inv.quiet = true;
            on_quiet();
        }
        id::NO_INITRD | id::NO_CLEAN_KERNEL | id::NO_PREPARE_KERNEL => out.deprecated(word),
        id::HELP => {
            inv.help = true;
            out.line(crate::output::messages::usage());
            return Err(Error::Exit(0));
        }
        id::VERSION => {
            inv.version_flag = true;
            out.line(crate::output::messages::DKMS_VERSION);
            // dkms stops at --version; the extra line looks at the whole command line so that
            // `--version --verbose` and `--verbose --version` both show it.
            if inv.verbose || args.iter().any(|a| a == "--verbose") {
                out.line(crate::output::messages::implementation_version());
            }
            return Err(Error::Exit(0));
        }
        _ => {}
    }
    Ok(())
}

/// A positional word that is not an action, placed by what exists on disk (spec §2.1).
fn place_word(inv: &mut Invocation, word: &str, out: &Output) {
    let path = Path::new(word);
    if word.ends_with("dkms.conf") && path.is_file() {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        inv.source_dir = Some(real_path(dir));
    } else if path.is_dir() && path.join("dkms.conf").is_file() {
        inv.source_dir = Some(real_path(path.to_path_buf()));
    } else if path.is_file() {
        inv.archive = Some(path.to_path_buf());
    } else if inv.module.as_deref().unwrap_or("").is_empty() {
        split_module(inv, word);
    } else {
        out.warning(&[msg::unhandled_word(word)]);
        inv.extra_words.push(word.to_string());
    }
}

/// dkms takes a source directory as `readlink -f` gives it (absolute, links resolved): its
/// messages name that path.
fn real_path(dir: PathBuf) -> PathBuf {
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// `module/version`: before the first `/` the module, after it the version (which may hold
/// further slashes); without a slash only the module is set.
fn split_module(inv: &mut Invocation, word: &str) {
    match word.split_once('/') {
        Some((m, v)) => {
            inv.module = Some(m.to_string());
            inv.version = Some(v.to_string());
        }
        None => inv.module = Some(word.to_string()),
    }
}

/// `-q`: point stdout and stderr at /dev/null for the rest of the run, child processes
/// included (dkms does `exec >/dev/null 2>&1`).
fn silence_stdio() {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        use std::os::fd::AsRawFd;
        let fd = null.as_raw_fd();
        let _ = nix::unistd::dup2(fd, 1);
        let _ = nix::unistd::dup2(fd, 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Checks after parsing

/// The checks dkms makes on every command line after scanning it, whatever the action (none
/// included), in dkms's order (spec §6.1): `--binaries-only` with `--source-only` (8), more than
/// one arch but not one per kernel (1), `--all` with `-k` (2) or `-a` (3), `--all` with an action
/// that cannot use it (5), a kernel hook without exactly one `-k` (4), empty kernel or arch
/// entries (16; not for `status`).
pub fn check(inv: &Invocation) -> Result<()> {
    if inv.binaries_only && inv.source_only {
        return Err(msg::binaries_and_source_only());
    }
    if inv.arches.len() > 1 && inv.arches.len() != inv.kernels.len() {
        return Err(msg::arch_count_mismatch());
    }
    if inv.all {
        if !inv.kernels.is_empty() {
            return Err(msg::all_with_kernel());
        }
        if !inv.arches.is_empty() {
            return Err(msg::all_with_arch());
        }
        if let Some(action) = inv.action.filter(|a| a.rejects_all()) {
            return Err(msg::all_not_supported(action.name()));
        }
    }
    if let Some(action) = inv.action.filter(|a| a.is_kernel_hook()) {
        if inv.kernels.len() != 1 {
            return Err(msg::exactly_one_kernel(action.name()));
        }
    }
    if inv.action != Some(Action::Status) && !inv.all {
        resolve(inv, &host_kernel, &host_arch)?;
    }
    Ok(())
}

/// The kernel/arch pairs an action works on: `check`, then the `-k` list (default: the running
/// kernel) paired with the `-a` list (default: the machine's arch; one arch applies to every
/// kernel). With `--all` the list is empty: the action expands it from the tree (every
/// kernel/arch the module is built for). `status` should use `inv.kernels`/`inv.arches`
/// directly (no `-k` there means every kernel).
pub fn targets(inv: &Invocation) -> Result<Vec<(String, String)>> {
    check(inv)?;
    if inv.all {
        return Ok(Vec::new());
    }
    resolve(inv, &host_kernel, &host_arch)
}

/// The single target of an action that takes one kernel (autoinstall, match): more than one
/// `-k` is exit 4.
pub fn single_target(inv: &Invocation) -> Result<(String, String)> {
    if inv.kernels.len() > 1 {
        let name = inv.action.map(Action::name).unwrap_or("");
        return Err(msg::multiple_kernels(name));
    }
    let mut list = targets(inv)?;
    if list.is_empty() {
        list = resolve(inv, &host_kernel, &host_arch)?;
    }
    Ok(list.swap_remove(0))
}

/// Module and version, both non-empty, or dkms's "Arguments … are not specified." (exit 1)
/// naming `usage_action` in its usage lines (build and install name `add`).
pub fn module_version(inv: &Invocation, usage_action: &str) -> Result<(String, String)> {
    require_module_version(inv.module.as_deref(), inv.version.as_deref(), usage_action)
}

/// `module_version` for a module and version found elsewhere than on the command line (add
/// reads them from a directory or a tarball).
pub fn require_module_version(
    module: Option<&str>,
    version: Option<&str>,
    usage_action: &str,
) -> Result<(String, String)> {
    // A word that was not valid UTF-8 reaches us with U+FFFD in it: dkms finds no module name
    // in such a word either.
    let usable = |s: &str| !s.is_empty() && !s.contains('\u{FFFD}');
    match (module, version) {
        (Some(m), Some(v)) if usable(m) && usable(v) => {
            if m.contains('/') || !stays_inside(m) {
                return Err(msg::unsafe_name("module name", m));
            }
            if !stays_inside(v) {
                return Err(msg::unsafe_name("module version", v));
            }
            Ok((m.to_string(), v.to_string()))
        }
        _ => Err(msg::module_version_missing(usage_action)),
    }
}

/// Whether a name used as one or more path components below a tree stays below it: not
/// absolute, and no `.` or `..` component (a version or an arch may hold a `/`, as in dkms).
pub fn stays_inside(name: &str) -> bool {
    !name.starts_with('/') && !name.split('/').any(|c| c == "." || c == "..")
}

fn resolve(
    inv: &Invocation,
    default_kernel: &dyn Fn() -> String,
    default_arch: &dyn Fn() -> String,
) -> Result<Vec<(String, String)>> {
    let kernels: Vec<String> = if inv.kernels.is_empty() {
        vec![default_kernel()]
    } else {
        inv.kernels.clone()
    };
    if let Some(index) = kernels.iter().position(String::is_empty) {
        return Err(msg::empty_kernel(index));
    }
    let arches: Vec<String> = match inv.arches.len() {
        0 => vec![default_arch(); kernels.len()],
        1 => vec![inv.arches[0].clone(); kernels.len()],
        _ => inv.arches.clone(),
    };
    if let Some(index) = arches.iter().position(String::is_empty) {
        return Err(msg::empty_arch(index));
    }
    if let Some(k) = kernels.iter().find(|k| !stays_inside(k)) {
        return Err(msg::unsafe_name("kernel version", k));
    }
    if let Some(a) = arches.iter().find(|a| !stays_inside(a)) {
        return Err(msg::unsafe_name("architecture", a));
    }
    Ok(kernels.into_iter().zip(arches).collect())
}

/// `uname -r`.
pub fn host_kernel() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `uname -m`.
pub fn host_arch() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.machine().to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_stay_inside_the_trees() {
        for ok in [
            "hello",
            "1.0",
            "1.0/rc1",
            "6.1.0-56-amd64",
            "x86_64",
            "a..b",
            ".hidden",
        ] {
            assert!(stays_inside(ok), "{ok}");
        }
        for bad in ["..", ".", "../x", "1.0/../..", "/abs", "a/./b"] {
            assert!(!stays_inside(bad), "{bad}");
        }
    }

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    fn parse_ok(s: &[&str]) -> Invocation {
        parse_with(&words(s), &Output::default(), &mut || {}).expect("parses")
    }

    fn parse_err(s: &[&str]) -> (i32, Vec<String>) {
        match parse_with(&words(s), &Output::default(), &mut || {}) {
            Err(Error::Dkms { code, lines }) => (code, lines),
            Err(Error::Exit(code)) => (code, vec![]),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn check_err(s: &[&str]) -> (i32, Vec<String>) {
        match check(&parse_ok(s)) {
            Err(Error::Dkms { code, lines }) => (code, lines),
            other => panic!("expected a check error, got {other:?}"),
        }
    }

    #[test]
    fn words_and_options_in_any_order() {
        let inv = parse_ok(&["-k", "6.1", "foo/1.0", "build", "--force"]);
        assert_eq!(inv.action, Some(Action::Build));
        assert_eq!(inv.module.as_deref(), Some("foo"));
        assert_eq!(inv.version.as_deref(), Some("1.0"));
        assert_eq!(inv.kernels, ["6.1"]);
        assert!(inv.force);
    }

    #[test]
    fn long_options_with_equals_or_separate_value() {
        let a = parse_ok(&["--kernelver=6.1", "--module", "foo"]);
        assert_eq!(a.kernels, ["6.1"]);
        assert_eq!(a.module.as_deref(), Some("foo"));
        let b = parse_ok(&["--dkmstree=/a=b"]);
        assert_eq!(b.dkmstree, Some(PathBuf::from("/a=b")));
    }

    #[test]
    fn long_value_options_match_by_prefix() {
        let inv = parse_ok(&["--kernelverX", "6.1", "--moduleXX=foo", "--dkmstreeZ=/t"]);
        assert_eq!(inv.kernels, ["6.1"]);
        assert_eq!(inv.module.as_deref(), Some("foo"));
        assert_eq!(inv.dkmstree, Some(PathBuf::from("/t")));
    }

    #[test]
    fn archive_wins_over_arch_prefix() {
        let inv = parse_ok(&["--archive=x.tar", "--arch=y"]);
        assert_eq!(inv.archive, Some(PathBuf::from("x.tar")));
        assert_eq!(inv.arches, ["y"]);
    }

    #[test]
    fn flags_match_exactly() {
        for w in [
            "--forceX",
            "--verb",
            "--allX",
            "--no-initrd=3",
            "--Verbose",
            "--jsonX",
        ] {
            assert_eq!(
                parse_err(&["status", w]),
                (2, vec![format!("Unknown option: {w}")])
            );
        }
    }

    #[test]
    fn short_options_only_take_a_separate_value() {
        for w in [
            "-k6.1", "-k=6.1", "-j4", "-m=foo", "-mfoo", "-q1", "-fq", "-v1", "-K", "-", "--",
            "--=x",
        ] {
            assert_eq!(
                parse_err(&[w]),
                (2, vec![format!("Unknown option: {w}")]),
                "{w}"
            );
        }
        let inv = parse_ok(&["-j", "4", "-c", "my.conf", "-v", "2"]);
        assert_eq!(inv.jobs.as_deref(), Some("4"));
        assert_eq!(inv.conf_file, Some(PathBuf::from("my.conf")));
        assert_eq!(inv.version.as_deref(), Some("2"));
    }

    #[test]
    fn missing_value_is_empty() {
        let inv = parse_ok(&["status", "-k"]);
        assert_eq!(inv.kernels, [""]);
        let inv = parse_ok(&["-m"]);
        assert_eq!(inv.module.as_deref(), Some(""));
    }

    #[test]
    fn a_value_may_look_like_an_option() {
        let inv = parse_ok(&["-m", "foo", "-v", "--dkmstree"]);
        assert_eq!(inv.version.as_deref(), Some("--dkmstree"));
        assert_eq!(inv.dkmstree, None);
    }

    #[test]
    fn module_version_split_at_first_slash() {
        let inv = parse_ok(&["-m", "foo/1/2"]);
        assert_eq!(
            (inv.module.as_deref(), inv.version.as_deref()),
            (Some("foo"), Some("1/2"))
        );
        let inv = parse_ok(&["-v", "3", "foo/"]);
        assert_eq!(inv.version.as_deref(), Some(""));
        let inv = parse_ok(&["-v", "7", "foo"]);
        assert_eq!(
            (inv.module.as_deref(), inv.version.as_deref()),
            (Some("foo"), Some("7"))
        );
    }

    #[test]
    fn later_module_options_override() {
        let inv = parse_ok(&["-m", "foo/1", "-v", "2"]);
        assert_eq!(inv.version.as_deref(), Some("2"));
        let inv = parse_ok(&["-v", "2", "-m", "foo/1"]);
        assert_eq!(inv.version.as_deref(), Some("1"));
        let inv = parse_ok(&["foo", "-m", "bar/3"]);
        assert_eq!(inv.module.as_deref(), Some("bar"));
    }

    #[test]
    fn positional_module_only_when_none_yet() {
        let inv = parse_ok(&["-m", "bar/3", "foo"]);
        assert_eq!(inv.module.as_deref(), Some("bar"));
        assert_eq!(inv.extra_words, ["foo"]);
        // an empty module counts as none
        let inv = parse_ok(&["/1", "foo/2"]);
        assert_eq!(
            (inv.module.as_deref(), inv.version.as_deref()),
            (Some("foo"), Some("2"))
        );
    }

    #[test]
    fn kernel_arch_split_and_repeat() {
        let inv = parse_ok(&[
            "-k",
            "6.1/x86_64",
            "-k",
            "6.2",
            "-a",
            "arm64",
            "--arch",
            "i386",
        ]);
        assert_eq!(inv.kernels, ["6.1", "6.2"]);
        assert_eq!(inv.arches, ["x86_64", "arm64", "i386"]);
        let inv = parse_ok(&["-k", "6.1/"]);
        assert_eq!(inv.arches, [""]);
    }

    #[test]
    fn directives_repeat() {
        let inv = parse_ok(&["--directive", "A=1", "--directive=B=2"]);
        assert_eq!(inv.directives, ["A=1", "B=2"]);
    }

    #[test]
    fn two_actions() {
        assert_eq!(
            parse_err(&["status", "add"]),
            (4, vec!["Cannot specify more than one action.".to_string()])
        );
        assert_eq!(parse_err(&["status", "status"]).0, 4);
    }

    #[test]
    fn unknown_words_and_legacy_actions() {
        let inv = parse_ok(&["mkrpm", "foo/1.0"]);
        assert_eq!(inv.action, None);
        assert_eq!(inv.module.as_deref(), Some("mkrpm"));
        assert_eq!(inv.extra_words, ["foo/1.0"]);
        assert_eq!(
            parse_ok(&["mkdriverdisk"]).action,
            Some(Action::Mkdriverdisk)
        );
        assert_eq!(parse_ok(&["show_conf"]).action, Some(Action::ShowConf));
    }

    #[test]
    fn help_and_version_stop_scanning() {
        assert_eq!(parse_err(&["--help", "-k6.1"]), (0, vec![]));
        assert_eq!(parse_err(&["-k6.1", "--help"]).0, 2);
        assert_eq!(parse_err(&["--version", "status", "add"]), (0, vec![]));
        assert_eq!(parse_err(&["status", "add", "-V"]).0, 4);
    }

    #[test]
    fn quiet_runs_the_hook_when_parsed() {
        let mut quiet = 0;
        let inv = parse_with(&words(&["status", "-q"]), &Output::default(), &mut || {
            quiet += 1
        })
        .unwrap();
        assert!(inv.quiet);
        assert_eq!(quiet, 1);
        let mut quiet = 0;
        let r = parse_with(&words(&["-k6.1", "-q"]), &Output::default(), &mut || {
            quiet += 1
        });
        assert!(r.is_err());
        assert_eq!(quiet, 0);
    }

    #[test]
    fn deprecated_and_extension_flags() {
        let inv = parse_ok(&[
            "--no-initrd",
            "--no-clean-kernel",
            "--no-prepare-kernel",
            "--debug",
            "--json",
        ]);
        assert!(inv.debug && inv.json);
    }

    #[test]
    fn paths_by_what_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        let module = dir.join("mod");
        std::fs::create_dir(&module).unwrap();
        std::fs::write(module.join("dkms.conf"), "").unwrap();
        let other_conf = dir.join("x.dkms.conf");
        std::fs::write(&other_conf, "").unwrap();
        let tarball = dir.join("m.tar.gz");
        std::fs::write(&tarball, "").unwrap();
        let empty_dir = dir.join("empty");
        std::fs::create_dir(&empty_dir).unwrap();
        let s = |p: &Path| p.to_string_lossy().into_owned();

        let inv = parse_ok(&["add", &s(&module)]);
        assert_eq!(inv.source_dir, Some(module.clone()));
        let inv = parse_ok(&["add", &s(&other_conf)]);
        assert_eq!(inv.source_dir, Some(dir.clone()));
        // relative, with `..` and a link: resolved
        std::os::unix::fs::symlink(&module, dir.join("link")).unwrap();
        let inv = parse_ok(&[
            "add",
            &format!(
                "{}/../{}/link/",
                s(&dir),
                s(dir.file_name().map(Path::new).unwrap())
            ),
        ]);
        assert_eq!(inv.source_dir, Some(module.clone()));
        let inv = parse_ok(&["add", &s(&module.join("dkms.conf"))]);
        assert_eq!(inv.source_dir, Some(module.clone()));
        let inv = parse_ok(&["add", &s(&tarball)]);
        assert_eq!(inv.archive, Some(tarball.clone()));
        // a directory without dkms.conf is taken as a module name
        let inv = parse_ok(&["add", &s(&empty_dir)]);
        assert_eq!(
            inv.module.as_deref(),
            Some(s(&empty_dir).split_once('/').unwrap().0)
        );
    }

    #[test]
    fn check_order_and_texts() {
        let both = check_err(&[
            "-a",
            "1",
            "-a",
            "2",
            "--binaries-only",
            "--source-only",
            "--all",
            "-k",
            "1",
        ]);
        assert_eq!(both.0, 8);
        assert_eq!(
            both.1,
            [
                "You have specified both --binaries-only and --source-only.",
                "You cannot do this."
            ]
        );
        let arch = check_err(&["add", "--all", "-k", "1", "-a", "1", "-a", "2"]);
        assert_eq!(arch.0, 1);
        assert_eq!(
            arch.1[1],
            "must be an equal number of kernel versions also specified (1:1 relationship)."
        );
        assert_eq!(check_err(&["-k", "1/x", "-a", "x"]).0, 1);
        assert_eq!(check_err(&["status", "-a", "x", "-a", "y"]).0, 1);
        assert_eq!(check_err(&["add", "--all", "-k", "1", "-a", "1"]).0, 2);
        assert_eq!(check_err(&["add", "--all", "-a", "1"]).0, 3);
        assert_eq!(
            check_err(&["add", "--all"]),
            (
                5,
                vec!["The action add does not support the --all parameter.".to_string()]
            )
        );
        assert_eq!(check_err(&["kernel_prerm", "--all"]).0, 5);
        assert_eq!(
            check_err(&["kernel_postinst", "--all", "-k", "1", "-k", "2"]).0,
            2
        );
    }

    #[test]
    fn all_is_accepted_where_dkms_accepts_it() {
        for a in [
            "status",
            "remove",
            "unbuild",
            "uninstall",
            "mktarball",
            "ldtarball",
            "generate_mok",
        ] {
            assert!(check(&parse_ok(&[a, "--all"])).is_ok(), "{a}");
        }
        assert!(check(&parse_ok(&["--all"])).is_ok());
    }

    #[test]
    fn kernel_hooks_need_exactly_one_kernel() {
        for a in [
            &["kernel_postinst"][..],
            &["kernel_preinst", "-k", "1", "-k", "2"],
            &["kernel_prerm", "-a", "x"],
        ] {
            let (code, lines) = check_err(a);
            assert_eq!(code, 4);
            assert_eq!(
                lines,
                [format!("The action {} requires exactly one kernel version parameter on the command line.", a[0])]
            );
        }
        assert_eq!(
            check_err(&["kernel_preinst", "-k", "1/"]),
            (16, vec!["Empty arch[0]".to_string()])
        );
    }

    #[test]
    fn empty_entries() {
        assert_eq!(
            check_err(&["remove", "-k", ""]),
            (16, vec!["Empty kernelver[0]".to_string()])
        );
        assert_eq!(
            check_err(&["-k", "1", "-k", "", "-a", ""]).1,
            ["Empty kernelver[1]"]
        );
        assert_eq!(
            check_err(&["-k", "1", "-k", "2", "-a", ""]).1,
            ["Empty arch[0]"]
        );
        assert_eq!(
            check_err(&["-k", "1", "-k", "2", "-a", "x", "-a", ""]).1,
            ["Empty arch[1]"]
        );
        assert_eq!(check_err(&["-a", ""]).1, ["Empty arch[0]"]);
        assert!(check(&parse_ok(&["status", "-k", "", "-a", ""])).is_ok());
    }

    #[test]
    fn resolved_targets() {
        let inv = parse_ok(&["-k", "6.1", "-k", "6.2/arm64", "build"]);
        assert_eq!(
            resolve(&inv, &|| "K".into(), &|| "A".into()).unwrap(),
            [
                ("6.1".to_string(), "arm64".to_string()),
                ("6.2".to_string(), "arm64".to_string())
            ]
        );
        let inv = parse_ok(&["build"]);
        assert_eq!(
            resolve(&inv, &|| "K".into(), &|| "A".into()).unwrap(),
            [("K".to_string(), "A".to_string())]
        );
        let inv = parse_ok(&["-k", "1", "-k", "2", "-a", "x", "-a", "y"]);
        assert_eq!(
            resolve(&inv, &|| "K".into(), &|| "A".into()).unwrap(),
            [
                ("1".to_string(), "x".to_string()),
                ("2".to_string(), "y".to_string())
            ]
        );
        let inv = parse_ok(&["-k", "1", "-k", "2"]);
        assert_eq!(
            resolve(&inv, &|| "K".into(), &|| "A".into()).unwrap(),
            [
                ("1".to_string(), "A".to_string()),
                ("2".to_string(), "A".to_string())
            ]
        );
        assert!(targets(&parse_ok(&["remove", "--all"])).unwrap().is_empty());
    }

    #[test]
    fn single_kernel_actions() {
        let inv = parse_ok(&["autoinstall", "-k", "1", "-k", "2"]);
        match single_target(&inv) {
            Err(Error::Dkms { code, lines }) => {
                assert_eq!(code, 4);
                assert_eq!(
                    lines,
                    ["The action autoinstall does not support multiple kernel version parameters on the command line."]
                );
            }
            other => panic!("{other:?}"),
        }
        let inv = parse_ok(&["match", "-k", "1/x"]);
        assert_eq!(
            single_target(&inv).unwrap(),
            ("1".to_string(), "x".to_string())
        );
    }

    #[test]
    fn module_version_required() {
        let inv = parse_ok(&["remove", "foo"]);
        match module_version(&inv, "remove") {
            Err(Error::Dkms { code, lines }) => {
                assert_eq!(code, 1);
                assert_eq!(
                    lines,
                    [
                        "Arguments <module> and <module-version> are not specified.",
                        "Usage: remove <module>/<module-version> or",
                        "       remove -m <module>/<module-version> or",
                        "       remove -m <module> -v <module-version>",
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            module_version(&parse_ok(&["foo/1"]), "add").unwrap(),
            ("foo".to_string(), "1".to_string())
        );
        // a name that was not UTF-8 (reference: the same error)
        assert!(module_version(&parse_ok(&["add", "\u{FFFD}\u{FFFD}/1.0"]), "add").is_err());
    }

    #[test]
    fn the_table_is_consistent() {
        command().debug_assert();
        for (name, _) in Action::ALL {
            assert!(command().get_subcommands().any(|s| s.get_name() == *name));
        }
    }
}
