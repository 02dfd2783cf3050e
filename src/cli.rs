//! dkms's command line, parsed the way dkms parses it (see spec §2.1): words in any order, long
//! options by prefix, short options only with a separate value, `module/version` and
//! `kernel/arch` splits, positional paths recognised by what exists on disk.
//!
//! The option table is a clap `Command` (`command()`), which is also the source of the man page
//! and the shell completions; the scanning itself is hand-written because dkms's rules are not
//! clap's.

use std::path::PathBuf;

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
    pub help: bool,
    pub version_flag: bool,
    /// Positional words of `show_conf` and similar, kept for the action to interpret.
    pub extra_words: Vec<String>,
}

/// Parse the words after the program name. Prints warnings (deprecated options, words it cannot
/// place) as dkms does while scanning; returns the dkms error for unknown options (exit 2) and
/// a second action (exit 4).
pub fn parse(args: &[String], out: &crate::output::Output) -> crate::error::Result<Invocation> {
    // Interim scanner: the full dkms rules replace this.
    let _ = out;
    let mut inv = Invocation::default();
    let mut it = args.iter();
    while let Some(word) = it.next() {
        match word.as_str() {
            "-m" => {
                if let Some(v) = it.next() {
                    split_module(&mut inv, v)
                }
            }
            "-v" => inv.version = it.next().cloned(),
            "-k" => {
                if let Some(v) = it.next() {
                    match v.split_once('/') {
                        Some((k, a)) => {
                            inv.kernels.push(k.to_string());
                            inv.arches.push(a.to_string());
                        }
                        None => inv.kernels.push(v.clone()),
                    }
                }
            }
            // Interim additions for the build work (replaced by the full parser).
            "-a" => {
                if let Some(v) = it.next() {
                    inv.arches.push(v.clone())
                }
            }
            "-c" => inv.conf_file = it.next().map(PathBuf::from),
            "-j" => inv.jobs = it.next().cloned(),
            "--kernelsourcedir" => inv.kernel_source_dir = it.next().map(PathBuf::from),
            "--config" => inv.kernel_config = it.next().map(PathBuf::from),
            "--symlink-modules" => inv.symlink_modules = true,
            "--force-version-override" => inv.force_version_override = true,
            "--modprobe-on-install" => inv.modprobe_on_install = true,
            "--dkmstree" => inv.dkmstree = it.next().map(PathBuf::from),
            "--sourcetree" => inv.sourcetree = it.next().map(PathBuf::from),
            "--installtree" => inv.installtree = it.next().map(PathBuf::from),
            "--json" => inv.json = true,
            "--force" => inv.force = true,
            "--all" => inv.all = true,
            "--verbose" => inv.verbose = true,
            "--no-depmod" => inv.no_depmod = true,
            w => {
                if let Some(a) = Action::from_word(w) {
                    inv.action = Some(a);
                } else if inv.module.is_none() {
                    split_module(&mut inv, w);
                }
            }
        }
    }
    Ok(inv)
}

fn split_module(inv: &mut Invocation, word: &str) {
    match word.split_once('/') {
        Some((m, v)) => {
            inv.module = Some(m.to_string());
            inv.version = Some(v.to_string());
        }
        None => inv.module = Some(word.to_string()),
    }
}
