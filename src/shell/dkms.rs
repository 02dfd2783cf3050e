//! dkms's way of reading a conf file (dkms 3.4.3 `read_conf` + `safe_source`): the variables
//! the file sees, the directive names unset first, the override chain, the file sourced in a
//! subshell with its stdout discarded, then dkms's serialisation round trip (an unquoted
//! `eval echo` of every set index, re-sourced in the parent) and `DKMS_DIRECTIVE*`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::eval::{Ctl, Io, Shell, Value};
use crate::conf::{ConfRequest, Directives, ReadSite, DIRECTIVE_LIST_ARG, DIRECTIVE_NAMES};
use crate::error::{Error, Result};

/// The names of dkms's framework.conf settings (non-signing, signing, post_transaction).
const FRAMEWORK_NONSIGNING: &str = "source_tree dkms_tree install_tree tmp_location
   verbose symlink_modules autoinstall_all_kernels modprobe_on_install parallel_jobs
   compress_gzip_opts compress_xz_opts compress_zstd_opts build_environment post_transaction";
const FRAMEWORK_SIGNING: &str = "sign_file mok_signing_key mok_certificate
   try_sign_modules";

fn running_kernel() -> &'static str {
    static K: OnceLock<String> = OnceLock::new();
    K.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    })
}

fn to_shell_error(e: Ctl) -> Option<Error> {
    match e {
        Ctl::Fatal(e) => Some(Error::Shell(e)),
        _ => None,
    }
}

/// The dkms process state at the moment `read_conf` sources a file during `dkms <action>`.
/// The context shell, for benchmarks.
#[doc(hidden)]
pub fn context_for_bench(req: &ConfRequest) -> Shell {
    dkms_context(req)
}

fn dkms_context(req: &ConfRequest) -> Shell {
    thread_local! {
        static TEMPLATE: std::cell::RefCell<Option<(TemplateKey, Shell)>> = const { std::cell::RefCell::new(None) };
    }
    let cached = TEMPLATE.with(|t| {
        t.borrow()
            .as_ref()
            .filter(|(k, _)| k.matches(req))
            .map(|(_, sh)| sh.clone())
    });
    let mut sh = match cached {
        Some(sh) => sh,
        None => {
            let sh = base_context(req);
            TEMPLATE.with(|t| *t.borrow_mut() = Some((TemplateKey::of(req), sh.clone())));
            sh
        }
    };
    // a fresh budget (steps, time) for every evaluation
    sh.set_limits(super::eval::Limits::default());
    module_context(&mut sh, req);
    sh
}

/// What the template context depends on.
struct TemplateKey {
    dkms_tree: PathBuf,
    source_tree: PathBuf,
    install_tree: PathBuf,
    tmp_location: PathBuf,
    running_distribution: String,
    parallel_jobs: String,
    action: String,
    verbose: bool,
    force: bool,
    cwd: Option<PathBuf>,
    site: ReadSite,
}

impl TemplateKey {
    fn of(req: &ConfRequest) -> TemplateKey {
        TemplateKey {
            dkms_tree: req.dkms_tree.clone(),
            source_tree: req.source_tree.clone(),
            install_tree: req.install_tree.clone(),
            tmp_location: req.tmp_location.clone(),
            running_distribution: req.running_distribution.clone(),
            parallel_jobs: req.parallel_jobs.clone(),
            action: req.action.clone(),
            verbose: req.verbose,
            force: req.force,
            cwd: req.cwd.clone(),
            site: req.site,
        }
    }

    fn matches(&self, req: &ConfRequest) -> bool {
        self.dkms_tree == req.dkms_tree
            && self.source_tree == req.source_tree
            && self.install_tree == req.install_tree
            && self.tmp_location == req.tmp_location
            && self.running_distribution == req.running_distribution
            && self.parallel_jobs == req.parallel_jobs
            && self.action == req.action
            && self.verbose == req.verbose
            && self.force == req.force
            && self.cwd == req.cwd
            && self.site == req.site
    }
}

/// The globals that do not depend on the module or kernel.
fn base_context(req: &ConfRequest) -> Shell {
    let cwd = req
        .cwd
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("/"));
    let mut sh = Shell::new(cwd);
    sh.arg0 = "/usr/sbin/dkms".to_string();
    sh.push_source_name("/usr/sbin/dkms");
    for v in ["CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS"] {
        let _ = sh.unset(v);
    }
    // read_conf unsets every name on its list before reading
    for n in DIRECTIVE_NAMES {
        let _ = sh.unset(n);
    }
    let s = |sh: &mut Shell, n: &'static str, v: &str| sh.set_global(n, v, false, false);
    let ro = |sh: &mut Shell, n: &'static str, v: &str| sh.set_global(n, v, false, true);
    ro(&mut sh, "dkms_conf_variables", DIRECTIVE_LIST_ARG);
    ro(
        &mut sh,
        "dkms_framework_nonsigning_variables",
        FRAMEWORK_NONSIGNING,
    );
    ro(
        &mut sh,
        "dkms_framework_signing_variables",
        FRAMEWORK_SIGNING,
    );
    ro(
        &mut sh,
        "dkms_framework_post_transaction",
        "post_transaction",
    );
    ro(&mut sh, "mv_re", "^([^/]*)/(.*)$");
    s(&mut sh, "show_deprecation_warnings", "1");
    s(&mut sh, "current_kernel", running_kernel());
    s(&mut sh, "current_os", "Linux");
    s(&mut sh, "running_distribution", &req.running_distribution);
    s(&mut sh, "dkms_tree", &path_text(&req.dkms_tree));
    s(&mut sh, "source_tree", &path_text(&req.source_tree));
    s(&mut sh, "install_tree", &path_text(&req.install_tree));
    s(&mut sh, "tmp_location", &path_text(&req.tmp_location));
    s(&mut sh, "verbose", if req.verbose { "true" } else { "" });
    for empty in [
        "symlink_modules",
        "compress_gzip_opts",
        "addon_modules_dir",
        "template_kernel",
        "conf",
        "kconfig_fromcli",
        "archive_location",
        "ksourcedir_fromcli",
        "force_version_override",
        "binaries_only",
        "source_only",
        "all",
        "module_compressed_suffix",
        "rpm_safe_upgrade",
        "weak_modules_add",
        "weak_modules_remove",
        "last_mvka",
        "last_mvka_conf",
        "try_source_tree",
        "no_depmod",
        "delayed_depmod",
    ] {
        s(&mut sh, empty, "");
    }
    s(&mut sh, "force", if req.force { "true" } else { "" });
    s(
        &mut sh,
        "compress_xz_opts",
        "--check=crc32 --lzma2=dict=1MiB",
    );
    s(&mut sh, "compress_zstd_opts", "-q --rm -T0");
    s(&mut sh, "die_is_fatal", "yes");
    s(&mut sh, "prepared_kernel", "none");
    s(
        &mut sh,
        "action_re",
        "^(remove|(auto|un)?install|match|mktarball|(un)?build|add|status|ldtarball|generate_mok|kernel_(preinst|postinst|prerm))$",
    );
    s(&mut sh, "action", &req.action);
    s(&mut sh, "parallel_jobs", &req.parallel_jobs);
    // set once add has read the conf (the same for every module: shared, not set per
    // evaluation)
    let suffix = if req.site == ReadSite::Add { "" } else { ".ko" };
    s(&mut sh, "module_uncompressed_suffix", suffix);
    s(&mut sh, "module_suffix", suffix);
    s(&mut sh, "var", "MODULES_CONF_OBSOLETE_ONLY");
    // shared by every evaluation cloned from this template
    sh.freeze_globals();
    sh
}

/// The module-, kernel- and file-dependent part of the context.
fn module_context(sh: &mut Shell, req: &ConfRequest) {
    let s = |sh: &mut Shell, n: &'static str, v: &str| sh.set_global(n, v, false, false);
    s(sh, "_mv", &req.module);
    s(sh, "_ka", &req.kernel);
    s(sh, "_aa", &req.arch);
    s(sh, "kernel_test", &req.kernel);
    s(sh, "kernel_source_dir", &path_text(&req.kernel_source_dir));
    s(sh, "kernel_config", &path_text(&req.kernel_config_path()));
    let _ = sh.set_array("directive_array", req.cli_directives.clone());
    let _ = sh.set_array("kernelver", vec![req.kernel.clone()]);
    let _ = sh.set_array("arch", vec![req.arch.clone()]);
    // status reads with its own (empty) locals of these names
    let (module, version) = if req.site == ReadSite::Status {
        ("", "")
    } else {
        (req.module.as_str(), req.version.as_str())
    };
    sh.set_global("module", module, true, false);
    sh.set_global("module_version", version, true, false);

    // build_module: `local i` (its loop index)
    sh.push_scope();
    sh.set_local("i", Value::Scalar("0".into()), false, false);
    // do_build: read-only locals
    sh.push_scope_sized(11);
    let base = path_text(&req.dkms_tree.join(&req.module).join(&req.version));
    let kdir = path_text(&Path::new(&base).join(&req.kernel));
    let build_dir = join(&base, "build");
    for (n, v) in [
        ("source_dir", join(&base, "source")),
        ("build_log", join(&build_dir, "make.log")),
        ("build_dir", build_dir),
        ("base_dir", path_text(&Path::new(&kdir).join(&req.arch))),
        ("kernelver_dir", kdir),
    ] {
        // do_build's locals; install has a base_dir of its own; other reads see none
        let set = match req.site {
            ReadSite::Build => true,
            ReadSite::Install => n == "base_dir",
            _ => false,
        };
        if set {
            sh.set_local(n, Value::Scalar(v), false, true);
        }
    }
    for n in ["bd", "bd_missing", "status", "mvka", "count", "index"] {
        sh.set_local(n, Value::Unset, false, false);
    }
    // read_conf: kernelver and arch shadow the global arrays (exported by the caller)
    sh.push_scope();
    sh.set_local("return_value", Value::Scalar("0".into()), false, false);
    sh.set_local(
        "read_conf_file",
        Value::Scalar(path_text(&req.path)),
        false,
        false,
    );
    sh.set_local("kernelver", Value::Scalar(req.kernel.clone()), true, false);
    sh.set_local("arch", Value::Scalar(req.arch.clone()), true, false);
    sh.set_local("_conf_file", Value::Unset, false, false);
}

/// Evaluate a module's conf and its override files; the directives after the round trip and
/// `--directive`s (read_conf's post-processing is done by the caller).
pub fn evaluate_conf(req: &ConfRequest) -> Result<Directives> {
    let files = req.files();
    // (the directive names are unset in the context template)
    let mut sh = dkms_context(req);
    if let [file] = files.as_slice() {
        // One file (the usual case): the context itself can be the subshell; a parent is
        // only rebuilt when the serialisation needs a second interpretation.
        sh.set_local("_conf_file", Value::Scalar(path_text(file)), false, false);
        let ser =
            match source_and_serialise(&mut sh, file, DIRECTIVE_NAMES, DIRECTIVE_LIST_ARG, true) {
                Err(Error::Shell(why)) if why.is_unsupported() => {
                    let mut pre = dkms_context(req);
                    pre.set_local("_conf_file", Value::Scalar(path_text(file)), false, false);
                    via_bash(&pre, file, DIRECTIVE_LIST_ARG, true, &why)?
                }
                other => other?,
            };
        let mut out = Directives::new();
        match ser {
            None => {}
            Some(Serialised {
                simple: Some(simple),
                ..
            }) => {
                for (name, index, value) in simple {
                    out.entry(name).or_default().insert(index, value);
                }
            }
            Some(ser) => {
                let mut parent = dkms_context(req);
                apply(&mut parent, Some(ser), file)?;
                out = collect(&parent);
            }
        }
        for d in &req.cli_directives {
            let (name, value) = d.split_once('=').unwrap_or((d.as_str(), ""));
            if DIRECTIVE_NAMES.contains(&name) {
                out.entry(name.to_string())
                    .or_default()
                    .insert(0, value.to_string());
            }
            println!("{}", crate::output::conf::directive_echo(name, value));
        }
        return Ok(out);
    }
    for file in &files {
        sh.set_local("_conf_file", Value::Scalar(path_text(file)), false, false);
        safe_source(&mut sh, file, DIRECTIVE_NAMES, DIRECTIVE_LIST_ARG, true)?;
    }
    for d in &req.cli_directives {
        let (name, value) = d.split_once('=').unwrap_or((d.as_str(), ""));
        if super::lexer::is_name(name) {
            let _ = sh.set(name, value.to_string());
            sh.export_name(name);
        }
        println!("{}", crate::output::conf::directive_echo(name, value));
    }
    Ok(collect(&sh))
}

/// The directives a shell holds, as indexed arrays.
fn collect(sh: &Shell) -> Directives {
    let mut out = Directives::new();
    for n in DIRECTIVE_NAMES {
        if sh.get_var(n).is_none() {
            continue;
        }
        let mut m = BTreeMap::new();
        for (k, v) in sh.entries(n) {
            if let Ok(i) = k.parse::<usize>() {
                m.insert(i, v);
            }
        }
        out.insert((*n).to_string(), m);
    }
    out
}

/// What the sourcing subshell printed: the serialisation text, and the assignments it holds
/// when none of them needs a second interpretation.
pub struct Serialised {
    lines: String,
    simple: Option<Vec<(String, usize, String)>>,
}

/// dkms's `safe_source FILE LIST`: source FILE in a subshell (stdout discarded), serialise the
/// listed names, re-source the serialisation in `sh`.
pub fn safe_source(
    sh: &mut Shell,
    file: &Path,
    names: &[&str],
    list_arg: &str,
    directives: bool,
) -> Result<()> {
    let mut sub = sh.clone();
    let ser = match source_and_serialise(&mut sub, file, names, list_arg, directives) {
        Err(Error::Shell(why)) if why.is_unsupported() => {
            via_bash(sh, file, list_arg, directives, &why)?
        }
        other => other?,
    };
    apply(sh, ser, file)
}

/// A file outside the built-in subset: the subshell half done by bash from the state `pre`
/// (see `fallback`); the parent half stays ours.
fn via_bash(
    pre: &Shell,
    file: &Path,
    list_arg: &str,
    directives: bool,
    why: &super::ShellError,
) -> Result<Option<Serialised>> {
    let lines = super::fallback::serialise(pre, file, list_arg, directives, why)?;
    Ok(Some(Serialised {
        lines,
        simple: None,
    }))
}

/// The subshell half of `safe_source`: `sub` is consumed as the subshell's state.
pub fn source_and_serialise(
    sub: &mut Shell,
    file: &Path,
    names: &[&str],
    list_arg: &str,
    directives: bool,
) -> Result<Option<Serialised>> {
    let text = match super::eval::read_script(file, sub.limits.max_file_size) {
        Ok(t) => t,
        Err(Ok(())) => {
            return Err(Error::Shell(super::ShellError {
                file: file.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("file larger than {} bytes", sub.limits.max_file_size),
                unsupported: None,
            }))
        }
        Err(Err(e)) => return Err(Error::io(file, e)),
    };
    sub.in_subshell = true;
    sub.push_scope();
    sub.set_local(
        "to_source_file",
        Value::Scalar(path_text(file)),
        false,
        false,
    );
    // the directive list is the same for every conf: split once, shared (not copied) by
    // every evaluation; a conf changing it gets its own copy (copy on write)
    thread_local! {
        static DIRECTIVE_LIST: Value = word_list(DIRECTIVE_LIST_ARG);
    }
    let export_envs = if list_arg == DIRECTIVE_LIST_ARG {
        DIRECTIVE_LIST.with(Value::clone)
    } else {
        word_list(list_arg)
    };
    sub.set_local("export_envs", export_envs, false, true);
    sub.set_local("CR", Value::Scalar("\r".into()), false, true);
    sub.set_local(
        "tmpfile",
        Value::Scalar(tmp_template().to_string()),
        false,
        false,
    );
    sub.set_positional(vec![list_arg.to_string()]);
    let io = Io::discard_stdout();
    let outcome = sub.source_file_text(&text, file, &io);
    let exited = match outcome {
        Ok(_) => false,
        Err(Ctl::Exit(_)) | Err(Ctl::Discard) => true,
        Err(e) => match to_shell_error(e) {
            Some(err) => return Err(err),
            None => false,
        },
    };
    if exited {
        return Ok(None);
    }
    // the serialisation, as text the parent sources
    // (room for a usual conf's serialisation, under the allocator's large-chunk size)
    let mut lines = String::with_capacity(768);
    let mut simple: Vec<(String, usize, String)> = Vec::with_capacity(16);
    let mut all_simple = true;
    let mut index = String::new();
    let ifs = sub.ifs_value();
    for n in names {
        let mut line = |idx: &str, val: &str| {
            let v = val.strip_suffix('\r').unwrap_or(val);
            let start = lines.len();
            sub.unquoted_echo(&ifs, n, idx, v, &mut lines);
            if all_simple {
                match simple_assignment(&lines[start..]) {
                    Some((name, index, value)) => {
                        simple.push((name.to_string(), index, value.to_string()))
                    }
                    None => all_simple = false,
                }
            }
            lines.push('\n');
        };
        match sub.value(n) {
            None | Some(Value::Unset) => {}
            Some(Value::Scalar(s)) => line("0", s),
            Some(Value::Indexed(m)) => {
                for (k, v) in m.iter() {
                    index.clear();
                    let _ = write!(index, "{k}");
                    line(&index, v);
                }
            }
            Some(Value::Assoc(m)) => {
                for (k, v) in m {
                    line(k, v);
                }
            }
        }
    }
    if directives {
        let mut set_lines = Vec::new();
        for name in sub.names_with_prefix("DKMS_DIRECTIVE") {
            if let Some(Value::Scalar(v)) = sub.value(&name) {
                set_lines.push(format!("{name}={}", set_quote(v)));
            }
        }
        if !set_lines.is_empty() {
            let cut: Vec<String> = set_lines
                .iter()
                .map(|l| l.split('=').skip(1).take(2).collect::<Vec<_>>().join("="))
                .collect();
            for n in sub.unquoted_echo_text(&cut.join("\n")) {
                let (a, b) = match n.split_once('=') {
                    Some((a, b)) => (a.to_string(), b.to_string()),
                    None => (n.clone(), n.clone()),
                };
                all_simple = false;
                lines.push_str(&format!("{a}=\"{b}\"\n"));
            }
        }
    }
    Ok(Some(Serialised {
        lines,
        simple: all_simple.then_some(simple),
    }))
}

/// The words of a list, as an indexed array.
fn word_list(arg: &str) -> Value {
    Value::Indexed(std::rc::Rc::new(
        arg.split_whitespace()
            .enumerate()
            .map(|(i, v)| (i as i64, v.to_string()))
            .collect(),
    ))
}

/// The parent half of `safe_source`: source the serialisation in `sh`.
pub fn apply(sh: &mut Shell, ser: Option<Serialised>, file: &Path) -> Result<()> {
    let Some(ser) = ser else { return Ok(()) };
    if let Some(simple) = ser.simple {
        for (name, index, value) in simple {
            let _ = sh.set_element_public(&name, &index.to_string(), value);
        }
        return Ok(());
    }
    let err_io = Io::discard_stdout();
    match sh.run_text(&ser.lines, file, &err_io) {
        Ok(_) => Ok(()),
        Err(Ctl::Exit(_)) => Ok(()),
        Err(Ctl::Fatal(why)) if why.is_unsupported() => {
            let text = super::fallback::source_serialisation(sh, file, &ser.lines, &why)?;
            match sh.run_text(&text, file, &err_io) {
                Err(Ctl::Fatal(e)) => Err(Error::Shell(e)),
                _ => Ok(()),
            }
        }
        Err(e) => match to_shell_error(e) {
            Some(err) => Err(err),
            None => Ok(()),
        },
    }
}

/// `Path::join` of a relative name, on text.
fn join(base: &str, name: &str) -> String {
    let sep = if base.ends_with('/') { "" } else { "/" };
    let mut s = String::with_capacity(base.len() + sep.len() + name.len());
    s.push_str(base);
    s.push_str(sep);
    s.push_str(name);
    s
}

/// A path as the shell sees it (without `Display`'s per-chunk formatting for the usual UTF-8).
fn path_text(p: &Path) -> String {
    match p.to_str() {
        Some(s) => s.to_string(),
        None => p.display().to_string(),
    }
}

/// safe_source's `mktemp` template.
fn tmp_template() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| format!("{}/dkms.conf.XXXXXX", std::env::temp_dir().display()))
}

/// `NAME[idx]="value"` where value needs no second interpretation: a direct assignment.
fn simple_assignment(line: &str) -> Option<(&str, usize, &str)> {
    let (lhs, rhs) = line.split_once("=\"")?;
    let value = rhs.strip_suffix('"')?;
    if value.contains(['"', '$', '`', '\\']) {
        return None;
    }
    let (name, idx) = lhs.split_once('[')?;
    let idx = idx.strip_suffix(']')?;
    if !super::lexer::is_name(name) || idx.is_empty() || !idx.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((name, idx.parse().ok()?, value))
}

/// How bash's `set` prints a value.
fn set_quote(v: &str) -> String {
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:=,+-@%^".contains(c))
    {
        return v.to_string();
    }
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// Evaluate a framework.conf-style file: only `keys` are taken (index 0), through the same
/// subshell-and-serialisation mechanism; functions and other variables are ignored.
pub fn eval_framework_file(path: &Path, keys: &[&str]) -> Result<BTreeMap<String, String>> {
    let mut sh = Shell::new(PathBuf::from("/"));
    sh.arg0 = "/usr/sbin/dkms".to_string();
    for k in keys {
        let _ = sh.unset(k);
    }
    sh.push_scope();
    let list = keys.join(" ");
    safe_source(&mut sh, path, keys, &list, false)?;
    let mut found = BTreeMap::new();
    for k in keys {
        if let Some(v) = sh.get(k) {
            found.insert((*k).to_string(), v);
        }
    }
    Ok(found)
}
