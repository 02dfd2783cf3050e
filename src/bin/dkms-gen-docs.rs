//! Writes the man page (`man/dkms.8`) and the shell completions (`completions/dkms.bash`,
//! `completions/_dkms`, `completions/dkms.fish`) from the clap table in `dkms::cli::command()`.
//!
//!     cargo run --bin dkms-gen-docs            # regenerate in the current directory
//!     cargo run --bin dkms-gen-docs -- --check # exit 1 and name the stale files
//!
//! Both take an optional directory (the repository root) as last argument.

use std::io::Write;
use std::path::PathBuf;

use clap_complete::Shell;
use dkms::cli::{command, Action};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let root = args
        .iter()
        .rfind(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let files = match generate() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("dkms-gen-docs: {e}");
            std::process::exit(2);
        }
    };
    let mut stale = Vec::new();
    for (rel, content) in &files {
        let path = root.join(rel);
        let current = std::fs::read(&path).unwrap_or_default();
        if current == *content {
            continue;
        }
        if check {
            stale.push(rel.clone());
            continue;
        }
        if let Some(dir) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("dkms-gen-docs: {}: {e}", dir.display());
                std::process::exit(2);
            }
        }
        if let Err(e) = std::fs::write(&path, content) {
            eprintln!("dkms-gen-docs: {}: {e}", path.display());
            std::process::exit(2);
        }
        println!("wrote {rel}");
    }
    if !stale.is_empty() {
        eprintln!(
            "stale generated files (run `cargo run --bin dkms-gen-docs`): {}",
            stale.join(", ")
        );
        std::process::exit(1);
    }
}

/// Every generated file: path relative to the repository root, and its bytes.
fn generate() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = vec![("man/dkms.8".to_string(), man_page()?)];
    for (shell, name) in [
        (Shell::Bash, "completions/dkms.bash"),
        (Shell::Zsh, "completions/_dkms"),
        (Shell::Fish, "completions/dkms.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut command(), "dkms", &mut buf);
        files.push((name.to_string(), buf));
    }
    Ok(files)
}

// ---------------------------------------------------------------------------------------------
// Man page

/// Text for roff: backslashes and hyphens escaped, no line starting with a control character.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn section(w: &mut Vec<u8>, title: &str) -> std::io::Result<()> {
    writeln!(w, ".SH \"{title}\"")
}

fn paragraph(w: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    writeln!(w, ".PP\n{}", roff(text))
}

/// A tagged paragraph: `tag` in bold, `text` below it.
fn item(w: &mut Vec<u8>, tag: &str, text: &str) -> std::io::Result<()> {
    writeln!(w, ".TP\n\\fB{}\\fR\n{}", roff(tag), roff(text))
}

fn man_page() -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command())
        .title("DKMS")
        .section("8")
        .source(format!("dkms {}", env!("CARGO_PKG_VERSION")))
        .manual("System Administration");
    let mut w: Vec<u8> = Vec::new();
    man.render_title(&mut w)?;
    man.render_name_section(&mut w)?;

    section(&mut w, "SYNOPSIS")?;
    writeln!(w, "\\fBdkms\\fR [\\fIaction\\fR] [\\fIoptions\\fR] [\\fImodule\\fR/\\fIversion\\fR] [\\fIpath\\fR]")?;
    paragraph(&mut w, "dkms add module/version | dkms add /path/to/source | dkms add /path/to/dkms.conf | dkms add tarball")?;
    paragraph(
        &mut w,
        "dkms build|install|uninstall|unbuild|remove module/version [-k kernel[/arch]]... [--all]",
    )?;
    paragraph(
        &mut w,
        "dkms status [module[/version]] [-k kernel] [-a arch] [--json]",
    )?;

    man.render_description_section(&mut w)?;
    paragraph(
        &mut w,
        "It prints what upstream dkms 3.4.3 prints, byte for byte, and exits with the same codes; \
         `dkms --version` answers dkms-3.4.3 so that scripts checking the version keep working. \
         A DKMS tree written by bash dkms can be taken over by this implementation and back.",
    )?;

    section(&mut w, "ACTIONS")?;
    paragraph(
        &mut w,
        "Exactly one action per command line; it may appear anywhere among the options.",
    )?;
    for (name, action) in Action::ALL {
        if *action == Action::Mkdriverdisk {
            continue;
        }
        item(&mut w, name, &action_details(*action))?;
    }

    man.render_options_section(&mut w)?;

    section(&mut w, "COMMAND LINE RULES")?;
    for rule in [
        "Options and words may be given in any order.",
        "Long options that take a value accept --option=value and --option value, and match by \
         prefix: any word starting with --kernelver is --kernelver (the longest matching name \
         wins, so --archive is not --arch). Options without a value must be written exactly.",
        "Short options take their value only as the next word: -k 6.1. The forms -k6.1, -k=6.1 \
         and -j4 are unknown options (exit status 2).",
        "module/version: the module is everything before the first slash, the version \
         everything after it. The same holds for -m. -v sets the version alone.",
        "-k kernel/arch: the part after the first slash is added to the arch list. -k and -a may \
         be repeated; with more than one arch there must be exactly one per kernel, a single \
         arch applies to every kernel.",
        "A word that is not an option or an action is taken, in this order, as: an existing file \
         whose name ends in dkms.conf (its directory is the module source), an existing \
         directory holding dkms.conf (the module source), any other existing file (a tarball), \
         module[/version] if no module was named yet; otherwise dkms warns \
         \"I do not know how to handle\" the word and goes on.",
        "-q sends standard output and standard error to /dev/null from the moment it is read.",
        "Without an action, or with an unknown one, dkms prints Error! Unknown action \
         specified: \"\" and the usage, and exits 0 (as upstream does).",
    ] {
        paragraph(&mut w, rule)?;
    }

    section(&mut w, "ENVIRONMENT")?;
    for (name, text) in ENVIRONMENT {
        item(&mut w, name, text)?;
    }

    section(&mut w, "FILES")?;
    for (name, text) in FILES {
        item(&mut w, name, text)?;
    }

    section(&mut w, "EXIT STATUS")?;
    for (code, text) in EXIT_CODES {
        item(&mut w, code, text)?;
    }

    section(&mut w, "EXTENSIONS")?;
    paragraph(
        &mut w,
        "Beyond upstream dkms 3.4.3, this implementation has:",
    )?;
    for (name, text) in EXTENSIONS {
        item(&mut w, name, text)?;
    }

    section(&mut w, "SEE ALSO")?;
    writeln!(
        w,
        ".PP\n\\fBdepmod\\fR(8), \\fBmodinfo\\fR(8), \\fBmodprobe\\fR(8), \\fBkernel-install\\fR(8)"
    )?;
    Ok(w)
}

fn action_details(action: Action) -> String {
    let more = match action {
        Action::Add => "Needs module and version (or a path). Exit 3 if already added, 2 if the source directory is missing, 8 for a bad dkms.conf.",
        Action::Remove => "Without -k or --all it acts on the running kernel only. /usr/src/<module>-<version> is never deleted.",
        Action::Build => "Skips kernels already built unless --force. Exit 10 when make fails, 21 when the kernel headers are missing, 77 when BUILD_EXCLUSIVE excludes the kernel.",
        Action::Install => "Archives a pre-existing module of the same name, runs depmod (unless --no-depmod). Exit 6 when nothing could be installed.",
        Action::Status => "Lines: module/version: added, module/version: broken, or module/version, kernel, arch: built|installed, with the suffixes (Original modules exist), (Differences between built and installed modules), (Built modules are missing in the kernel modules folder). Exit 0.",
        Action::Autoinstall => "Exit 11 if a module failed. /etc/dkms/no-autoinstall disables it.",
        Action::Mktarball => "With --binaries-only or --source-only; --archive names the output file.",
        Action::Ldtarball => "Takes --archive or a tarball path; --force overwrites.",
        Action::Match => "Needs --templatekernel and one -k.",
        Action::KernelPreinst | Action::KernelPostinst | Action::KernelPrerm => "Called by the kernel package hooks; needs exactly one -k.",
        Action::ShowConf => "Extension: prints the module's directives after dkms's evaluation of dkms.conf and the override files, for -k/-a. The files are evaluated by a built-in shell evaluator; a file using valid bash outside its subset (process substitution, coproc, select, getopts, declare -n/-i/-l/-u, ${v@Q}, $[ ]) is sourced by bash the way dkms does it, and --verbose prints a line naming the file, position and construct. A syntax error is reported as bash reports it (what precedes it still counts); --verbose adds its line and column and the compound command left open.",
        Action::Unbuild | Action::Uninstall | Action::GenerateMok | Action::Mkdriverdisk => "",
    };
    if more.is_empty() {
        format!("{}.", action.about())
    } else {
        format!("{}. {more}", action.about())
    }
}

const ENVIRONMENT: &[(&str, &str)] = &[
    ("DKMS_CONFDIR", "Directory of the configuration (default /etc/dkms): framework.conf, framework.conf.d, per-module override files, no-autoinstall, per-module overlays. Extension, used to make runs hermetic."),
    ("DKMS_OS_RELEASE", "The os-release file that decides the distribution rules (install directory, signing tool, key paths). Default /etc/os-release, then /usr/lib/os-release; when set, only this file is read. Neither found: exit 4. Extension."),
    ("parallel_jobs", "Default for -j when no framework file sets it (default: the number of CPUs)."),
    ("modprobe_on_install, post_transaction, build_environment, sign_file, mok_signing_key, mok_certificate, try_sign_modules, autoinstall_all_kernels", "Defaults for the framework keys of the same name, as in upstream dkms, which never initialises them; a framework file overrides them."),
    ("ADDON_MODULES_DIR", "When set (or set in /etc/sysconfig/module-init-tools, which the environment overrides), modules are installed into /lib/modules/<kernel>/<ADDON_MODULES_DIR> instead of the distribution's directory."),
    ("TMPDIR", "Temporary directory (default /tmp), unless framework.conf sets tmp_location. If no file can be created there, dkms stops with exit 1."),
    ("DKMS_DIRECTIVE*", "Each variable whose name starts with DKMS_DIRECTIVE and whose value is NAME=value sets a dkms.conf directive, like --directive."),
    ("CC, CXX, CFLAGS, CXXFLAGS, LDFLAGS", "Removed from the environment at start, so the kernel's own compiler settings apply."),
];

const FILES: &[(&str, &str)] = &[
    ("/etc/dkms/framework.conf, /etc/dkms/framework.conf.d/*.conf", "Framework settings, read in this order (glob order for the directory), evaluated as shell; only the known keys are taken: source_tree, dkms_tree, install_tree, tmp_location, verbose, symlink_modules, autoinstall_all_kernels, modprobe_on_install, parallel_jobs, compress_gzip_opts, compress_xz_opts, compress_zstd_opts, post_transaction, build_environment, sign_file, mok_signing_key, mok_certificate, try_sign_modules. The command line overrides them."),
    ("/etc/dkms/<module>.conf, <module>-<version>.conf, <module>-<version>-<kernel>.conf, <module>-<version>-<kernel>-<arch>.conf, <module>--<kernel>.conf, <module>--<kernel>-<arch>.conf", "Per-module overrides read after the module's dkms.conf."),
    ("/etc/dkms/<module>/", "Per-module overlays: patches/ and replacement scripts."),
    ("/etc/dkms/no-autoinstall", "When present, autoinstall does nothing."),
    ("/var/lib/dkms", "The DKMS tree: <module>/<version>/source (link to the source), <module>/<version>/<kernel>/<arch>/{module,log}, <module>/kernel-<kernel>-<arch> (installed link), original_module/, mok.key and mok.pub."),
    ("/usr/src/<module>-<version>/dkms.conf", "Module sources and their build description."),
    ("/lib/modules/<kernel>/updates/dkms", "Where modules are installed on Debian, Ubuntu and Arch; /extra on Fedora, CentOS and RHEL; /updates on SUSE."),
];

const EXIT_CODES: &[(&str, &str)] = &[
    ("0", "Success; also no or unknown action (as upstream)."),
    ("1", "Not root; DKMS tree not writable; module or version missing; arch count does not match kernel count; temporary file impossible."),
    ("2", "Unknown option; -k with --all; source directory missing; archive missing."),
    ("3", "-a with --all; already added; module/version not in the tree."),
    ("4", "More than one action; os-release missing; dkms.conf missing; wrong number of -k for single-kernel actions; module broken."),
    ("5", "--all not supported by the action; bad patch path; already installed."),
    ("6", "Installation failed or aborted; depmod failed."),
    ("7", "Built module not found after make."),
    ("8", "Bad dkms.conf; --binaries-only with --source-only; binary-only source."),
    ("9", "Source path without dkms.conf; mktarball destination not writable."),
    ("10", "make failed."),
    ("11", "autoinstall: a module failed or has unresolved dependencies."),
    ("12", "Architecture could not be determined."),
    ("13", "Build aborted: a BUILD_DEPENDS module is not installed."),
    ("14", "kernel_preinst or kernel_prerm failed for some module."),
    ("15", "A directory change failed."),
    ("16", "Empty kernel or arch entry."),
    ("21", "Kernel headers not found."),
    ("77", "Skipped: BUILD_EXCLUSIVE excludes this kernel or arch (printed as a warning)."),
    ("101", "PRE_INSTALL script failed."),
    ("other", "A failing PRE_BUILD or POST_BUILD script's own exit status."),
];

const EXTENSIONS: &[(&str, &str)] = &[
    ("dkms status --json", "The facts of dkms status as a JSON array, one object per line dkms status would print, with stable field names: module, version, kernel and arch (null for added and broken modules), state (added, broken, built, installed, installed-weak), original_modules_exist, built_modules_missing, differs_from_installed (the suffix conditions, as booleans) and weak_from (the kernel an installed-weak module comes from, else null). For scripts that today parse the text."),
    ("dkms show_conf [-m module -v version | path] [-k kernel] [-a arch] [--json]", "The directives of a module's dkms.conf as dkms uses them for that kernel and arch (after the override files and --directive): one NAME[i]=\"value\" line per set entry, or with --json an object {\"directives\": {NAME: null | [[index, \"value\"], ...]}}."),
    ("dkms --version --verbose", "A second line names this implementation and its own version."),
    ("DKMS_CONFDIR, DKMS_OS_RELEASE", "Move the configuration directory and the os-release file (see ENVIRONMENT)."),
    ("mkdriverdisk", "The dkms 2.x action is accepted again (being restored)."),
];
