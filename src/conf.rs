//! dkms.conf as dkms uses it: evaluated by the `shell` module in dkms's context, passed through
//! dkms's serialisation round trip, then turned into a typed `ModuleConf` and validated with
//! dkms's messages (spec §3.1, §3.2, §5.5).
//!
//! Entry points:
//! * `read_conf(&ConfRequest::for_module(ctx, m, v, k, a), strict)` — what every action calls;
//!   prints dkms's validation messages and returns the `Bad conf file.` error (exit 8).
//! * `evaluate(&req)` — only the directives (what `show_conf` prints), no validation.
//! * `ModuleConf::exclusion(kernel, arch, kernel_config)` — the BUILD_EXCLUSIVE_* decision.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::conf as text;

/// The directive names dkms accepts, in dkms's order (the order of its round trip).
pub const DIRECTIVE_NAMES: &[&str] = &[
    "PACKAGE_NAME",
    "PACKAGE_VERSION",
    "POST_ADD",
    "POST_BUILD",
    "POST_INSTALL",
    "POST_REMOVE",
    "PRE_BUILD",
    "PRE_INSTALL",
    "BUILD_DEPENDS",
    "BUILD_EXCLUSIVE_ARCH",
    "BUILD_EXCLUSIVE_CONFIG",
    "BUILD_EXCLUSIVE_KERNEL",
    "BUILD_EXCLUSIVE_KERNEL_MIN",
    "BUILD_EXCLUSIVE_KERNEL_MAX",
    "build_exclude",
    "MAKE",
    "MAKE_MATCH",
    "PATCH",
    "PATCH_MATCH",
    "patch_array",
    "BUILT_MODULE_NAME",
    "built_module_name",
    "BUILT_MODULE_LOCATION",
    "built_module_location",
    "DEST_MODULE_NAME",
    "dest_module_name",
    "DEST_MODULE_LOCATION",
    "dest_module_location",
    "STRIP",
    "strip",
    "AUTOINSTALL",
    "NO_WEAK_MODULES",
    "BUILD_DEPENDS_REBUILD",
    "OBSOLETE_BY",
    "CLEAN",
    "REMAKE_INITRD",
    "MODULES_CONF",
    "MODULES_CONF_OBSOLETES",
    "MODULES_CONF_ALIAS_TYPE",
    "MODULES_CONF_OBSOLETE_ONLY",
];

/// dkms's list exactly as the single string it passes to `safe_source` (the file sees it as
/// `$1`).
pub const DIRECTIVE_LIST_ARG: &str = "PACKAGE_NAME
   PACKAGE_VERSION POST_ADD POST_BUILD POST_INSTALL POST_REMOVE PRE_BUILD
   PRE_INSTALL BUILD_DEPENDS BUILD_EXCLUSIVE_ARCH BUILD_EXCLUSIVE_CONFIG
   BUILD_EXCLUSIVE_KERNEL BUILD_EXCLUSIVE_KERNEL_MIN BUILD_EXCLUSIVE_KERNEL_MAX
   build_exclude MAKE MAKE_MATCH
   PATCH PATCH_MATCH patch_array BUILT_MODULE_NAME
   built_module_name BUILT_MODULE_LOCATION built_module_location
   DEST_MODULE_NAME dest_module_name
   DEST_MODULE_LOCATION dest_module_location
   STRIP strip AUTOINSTALL NO_WEAK_MODULES BUILD_DEPENDS_REBUILD

   OBSOLETE_BY CLEAN
   REMAKE_INITRD MODULES_CONF MODULES_CONF_OBSOLETES
   MODULES_CONF_ALIAS_TYPE MODULES_CONF_OBSOLETE_ONLY";

/// Every directive is an indexed (possibly sparse) array after dkms has read it.
pub type Directives = BTreeMap<String, BTreeMap<usize, String>>;

/// What is needed to read a module's dkms.conf the way dkms reads it.
#[derive(Debug, Clone)]
pub struct ConfRequest {
    /// The file: `<tree>/<m>/<v>/source/dkms.conf`, a `-c` file, or an explicit path.
    pub path: PathBuf,
    pub module: String,
    pub version: String,
    pub kernel: String,
    pub arch: String,
    /// `$kernel_source_dir`: `--kernelsourcedir`, else `<install_tree>/<kernel>/build`.
    pub kernel_source_dir: PathBuf,
    /// `$kernel_config`: `--config`, else `<ksrc>/include/config/auto.conf` if it exists, else
    /// `<ksrc>/.config`. `None` = computed that way.
    pub kernel_config: Option<PathBuf>,
    /// `DKMS_CONFDIR` (default `/etc/dkms`): the per-module override files live here.
    pub confdir: PathBuf,
    pub dkms_tree: PathBuf,
    pub source_tree: PathBuf,
    pub install_tree: PathBuf,
    pub tmp_location: PathBuf,
    /// `$parallel_jobs` as the file sees it ("" for unlimited).
    pub parallel_jobs: String,
    /// `$running_distribution` (first word of ID_LIKE, else ID).
    pub running_distribution: String,
    /// `$action` (build, install, status, ...).
    pub action: String,
    /// `--directive NAME=value` values, in command-line order.
    pub cli_directives: Vec<String>,
    /// Working directory while the file runs (`None` = the process's).
    pub cwd: Option<PathBuf>,
    pub verbose: bool,
    pub force: bool,
    /// Which of dkms's reads this is: the variables around it differ (do_build's locals
    /// exist only in build's read, the module suffix is not known yet at add's).
    pub site: ReadSite,
    /// Take part in dkms's "same read as last time" shortcut (the command's reads do; see
    /// `evaluate`).
    pub reuse_last: bool,
}

/// The dkms function a conf read happens in (see `ConfRequest::site`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadSite {
    Add,
    #[default]
    Build,
    Install,
    Status,
    Other,
}

impl ReadSite {
    fn of_action(action: &str) -> Self {
        // (show_conf shows what build reads)
        match action {
            "add" => ReadSite::Add,
            "install" => ReadSite::Install,
            "status" => ReadSite::Status,
            "uninstall" | "unbuild" | "remove" => ReadSite::Other,
            _ => ReadSite::Build,
        }
    }
}

impl ConfRequest {
    /// A request with dkms's default trees; adjust the fields as needed.
    pub fn new(
        path: impl Into<PathBuf>,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
    ) -> Self {
        let install_tree = PathBuf::from("/lib/modules");
        ConfRequest {
            path: path.into(),
            module: module.to_string(),
            version: version.to_string(),
            kernel: kernel.to_string(),
            arch: arch.to_string(),
            kernel_source_dir: install_tree.join(kernel).join("build"),
            kernel_config: None,
            confdir: PathBuf::from("/etc/dkms"),
            dkms_tree: PathBuf::from("/var/lib/dkms"),
            source_tree: PathBuf::from("/usr/src"),
            install_tree,
            tmp_location: std::env::temp_dir(),
            parallel_jobs: "1".to_string(),
            running_distribution: String::new(),
            action: String::new(),
            cli_directives: Vec::new(),
            cwd: None,
            verbose: false,
            force: false,
            site: ReadSite::default(),
            reuse_last: false,
        }
    }

    /// The request every action makes: the module's `source/dkms.conf` in the dkms tree (or the
    /// `-c` file), with the trees, confdir, jobs, distro and `--directive`s of the run.
    pub fn for_module(
        ctx: &crate::commands::Context,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
    ) -> Self {
        let path = ctx
            .inv
            .conf_file
            .clone()
            .unwrap_or_else(|| ctx.tree.source_link(module, version).join("dkms.conf"));
        let s = &ctx.settings;
        let kernel_source_dir = ctx
            .inv
            .kernel_source_dir
            .clone()
            .unwrap_or_else(|| s.install_tree.join(kernel).join("build"));
        ConfRequest {
            path,
            module: module.to_string(),
            version: version.to_string(),
            kernel: kernel.to_string(),
            arch: arch.to_string(),
            kernel_source_dir,
            kernel_config: ctx.inv.kernel_config.clone(),
            confdir: s.confdir.clone(),
            dkms_tree: s.dkms_tree.clone(),
            source_tree: s.source_tree.clone(),
            install_tree: s.install_tree.clone(),
            tmp_location: s.tmp_location.clone(),
            parallel_jobs: s.parallel_jobs_text.clone(),
            running_distribution: s.distro.running_distribution.clone(),
            action: ctx
                .inv
                .action
                .map(|a| a.name().to_string())
                .unwrap_or_default(),
            cli_directives: ctx.inv.directives.clone(),
            cwd: None,
            verbose: s.verbose,
            force: ctx.inv.force,
            site: ReadSite::of_action(ctx.inv.action.map(|a| a.name()).unwrap_or_default()),
            reuse_last: true,
        }
    }

    /// `$kernel_config` as dkms computes it.
    pub fn kernel_config_path(&self) -> PathBuf {
        if let Some(p) = &self.kernel_config {
            return p.clone();
        }
        let auto = self.kernel_source_dir.join("include/config/auto.conf");
        if auto.exists() {
            auto
        } else {
            self.kernel_source_dir.join(".config")
        }
    }

    /// The files read, in order: the conf itself, then the existing override files.
    pub fn files(&self) -> Vec<PathBuf> {
        let (m, v, k, a) = (&self.module, &self.version, &self.kernel, &self.arch);
        let mut files = vec![self.path.clone()];
        let Some(present) = confdir_names(&self.confdir) else {
            return files;
        };
        for name in [
            format!("{m}.conf"),
            format!("{m}-{v}.conf"),
            format!("{m}-{v}-{k}.conf"),
            format!("{m}-{v}-{k}-{a}.conf"),
            format!("{m}--{k}.conf"),
            format!("{m}--{k}-{a}.conf"),
        ] {
            if present.iter().any(|n| *n == *name) {
                let p = self.confdir.join(name);
                if p.exists() {
                    files.push(p);
                }
            }
        }
        files
    }
}

/// The names in the confdir: read once per process and again only when the directory's
/// modification time changes (every conf read looks for six override files there).
fn confdir_names(dir: &Path) -> Option<Vec<std::ffi::OsString>> {
    type Cache = Option<(PathBuf, std::time::SystemTime, Vec<std::ffi::OsString>)>;
    static CACHE: std::sync::Mutex<Cache> = std::sync::Mutex::new(None);
    let mtime = std::fs::metadata(dir).and_then(|m| m.modified()).ok()?;
    let mut cache = CACHE.lock().ok()?;
    if let Some((d, t, names)) = cache.as_ref() {
        if d == dir && *t == mtime {
            return Some(names.clone());
        }
    }
    let names: Vec<std::ffi::OsString> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    *cache = Some((dir.to_path_buf(), mtime, names.clone()));
    Some(names)
}

/// One module record (one .ko) of a dkms.conf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleRecord {
    pub built_name: String,
    /// With a trailing `/` when not empty.
    pub built_location: String,
    pub dest_name: String,
    pub dest_location: String,
    pub strip: bool,
    /// Excluded from this kernel/arch by a per-module BUILD_EXCLUSIVE_*[i].
    pub excluded: bool,
}

/// A dkms.conf read, round-tripped and validated.
#[derive(Debug, Clone, Default)]
pub struct ModuleConf {
    pub path: PathBuf,
    /// The directives as dkms holds them after reading (what `show_conf --json` prints).
    pub directives: Directives,
    pub package_name: String,
    pub package_version: String,
    pub modules: Vec<ModuleRecord>,
}

/// Why a module (or one of its records) is not built for a kernel/arch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExclusionReason {
    Kernel,
    KernelMin,
    KernelMax,
    Arch,
    Config,
}

impl ExclusionReason {
    /// The directive that excludes.
    pub fn directive(&self) -> &'static str {
        match self {
            ExclusionReason::Kernel => "BUILD_EXCLUSIVE_KERNEL",
            ExclusionReason::KernelMin => "BUILD_EXCLUSIVE_KERNEL_MIN",
            ExclusionReason::KernelMax => "BUILD_EXCLUSIVE_KERNEL_MAX",
            ExclusionReason::Arch => "BUILD_EXCLUSIVE_ARCH",
            ExclusionReason::Config => "BUILD_EXCLUSIVE_CONFIG",
        }
    }
}

/// The BUILD_EXCLUSIVE_* decision for one kernel/arch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusion {
    /// Reasons the whole package is excluded (the global, index-0 directives). When not empty,
    /// or when every record is excluded, dkms skips the build with exit 77.
    pub whole: Vec<ExclusionReason>,
    /// Per record: reasons it is excluded by its own BUILD_EXCLUSIVE_*[i].
    pub modules: Vec<Vec<ExclusionReason>>,
}

impl Exclusion {
    /// Nothing is built: the package is excluded, or every record is.
    pub fn all_excluded(&self) -> bool {
        !self.whole.is_empty()
            || (!self.modules.is_empty() && self.modules.iter().all(|r| !r.is_empty()))
    }

    pub fn module_excluded(&self, index: usize) -> bool {
        !self.whole.is_empty() || self.modules.get(index).is_some_and(|r| !r.is_empty())
    }
}

impl ModuleConf {
    /// Index 0 of a directive, or "" (what `$NAME` gives in bash).
    pub fn scalar(&self, name: &str) -> &str {
        self.directives
            .get(name)
            .and_then(|v| v.get(&0))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Index `i` of a directive, or "".
    pub fn at(&self, name: &str, i: usize) -> &str {
        self.directives
            .get(name)
            .and_then(|v| v.get(&i))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// All set indices of a directive, in index order.
    pub fn array(&self, name: &str) -> Vec<(usize, &str)> {
        self.directives
            .get(name)
            .map(|v| v.iter().map(|(i, s)| (*i, s.as_str())).collect())
            .unwrap_or_default()
    }

    /// Build the typed view from round-tripped directives (no validation).
    pub fn from_directives(path: &Path, directives: Directives) -> ModuleConf {
        let mut conf = ModuleConf {
            path: path.to_path_buf(),
            directives,
            ..Default::default()
        };
        conf.package_name = conf.scalar("PACKAGE_NAME").to_string();
        conf.package_version = conf.scalar("PACKAGE_VERSION").to_string();
        let count = conf.record_count();
        let strip0 = conf
            .directives
            .get("STRIP")
            .and_then(|s| s.get(&0))
            .cloned();
        for i in 0..count {
            let mut built_name = conf.at("BUILT_MODULE_NAME", i).to_string();
            if built_name.is_empty() && count == 1 && i == 0 {
                built_name = conf.package_name.clone();
            }
            let loc = conf.at("BUILT_MODULE_LOCATION", i);
            let built_location = if loc.is_empty() {
                String::new()
            } else {
                format!("{}/", loc.trim_end_matches('/'))
            };
            let mut dest_name = conf.at("DEST_MODULE_NAME", i).to_string();
            if dest_name.is_empty() {
                dest_name = built_name.clone();
            }
            let strip_value = conf
                .directives
                .get("STRIP")
                .and_then(|s| s.get(&i))
                .cloned()
                .or_else(|| strip0.clone())
                .unwrap_or_else(|| "yes".to_string());
            let strip = !strip_value.starts_with(['n', 'N']);
            conf.modules.push(ModuleRecord {
                built_name,
                built_location,
                dest_name,
                dest_location: conf.at("DEST_MODULE_LOCATION", i).to_string(),
                strip,
                excluded: false,
            });
        }
        conf
    }

    /// Number of module records: highest set index + 1 across the four name/location arrays.
    pub fn record_count(&self) -> usize {
        [
            "BUILT_MODULE_NAME",
            "BUILT_MODULE_LOCATION",
            "DEST_MODULE_NAME",
            "DEST_MODULE_LOCATION",
        ]
        .iter()
        .filter_map(|n| self.directives.get(*n).and_then(|a| a.keys().next_back()))
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
    }

    /// dkms's checks: the error lines (empty = valid) and warnings, in dkms's order. `strict`
    /// adds `read_conf_strict`'s duplicate checks (add, build, install; 3.1.7+), made only
    /// when the plain checks pass.
    pub fn validate(&self, strict: bool) -> (Vec<String>, Vec<String>) {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        if self.package_name.is_empty() {
            errors.push(text::no_directive("PACKAGE_NAME"));
        }
        if self.package_version.is_empty() {
            errors.push(text::no_directive("PACKAGE_VERSION"));
        }
        for (i, m) in self.modules.iter().enumerate() {
            if m.built_name.is_empty() {
                errors.push(text::no_directive_for_record("BUILT_MODULE_NAME", i));
            }
            if m.built_name.ends_with(".o") || m.built_name.ends_with(".ko") {
                errors.push(text::ends_in_o_or_ko("BUILT_MODULE_NAME", i));
            }
            if m.dest_name.ends_with(".o") || m.dest_name.ends_with(".ko") {
                errors.push(text::ends_in_o_or_ko("DEST_MODULE_NAME", i));
            }
            if m.dest_location.is_empty() {
                errors.push(text::no_directive_for_record("DEST_MODULE_LOCATION", i));
            } else if !["/kernel", "/updates", "/extra"]
                .iter()
                .any(|p| m.dest_location.starts_with(p))
            {
                errors.extend(text::bad_dest_location(i));
            }
        }
        for name in ["AUTOINSTALL", "BUILD_DEPENDS_REBUILD", "NO_WEAK_MODULES"] {
            let v = self.scalar(name);
            if !v.is_empty() && !v.eq_ignore_ascii_case("yes") && !v.eq_ignore_ascii_case("no") {
                errors.push(text::unsupported_value(name, v));
            }
        }
        // read_conf_strict's own checks run only on a file read_conf accepted.
        if strict && errors.is_empty() {
            let mut seen_built: Vec<String> = Vec::new();
            let mut seen_dest: Vec<&str> = Vec::new();
            for (i, m) in self.modules.iter().enumerate() {
                let built = format!("{}{}", m.built_location, m.built_name);
                if seen_built.contains(&built) {
                    errors.push(text::duplicate_module(&built, "BUILT_MODULE_NAME", i));
                }
                seen_built.push(built);
                if seen_dest.contains(&m.dest_name.as_str()) {
                    errors.push(text::duplicate_module(&m.dest_name, "DEST_MODULE_NAME", i));
                }
                seen_dest.push(&m.dest_name);
            }
        }
        // dkms warns of zero modules only about a file that is otherwise valid
        if self.modules.is_empty() && errors.is_empty() {
            warnings.push(text::ZERO_MODULES.to_string());
        }
        (errors, warnings)
    }

    /// The BUILD_EXCLUSIVE_* decision for `kernel`/`arch`. `kernel_config` is the kernel's
    /// config file; BUILD_EXCLUSIVE_CONFIG is ignored when it is `None` or missing.
    pub fn exclusion(&self, kernel: &str, arch: &str, kernel_config: Option<&Path>) -> Exclusion {
        let config = kernel_config.and_then(|p| std::fs::read_to_string(p).ok());
        let check = |i: usize| -> Vec<ExclusionReason> {
            let mut reasons = Vec::new();
            let k = self.at("BUILD_EXCLUSIVE_KERNEL", i);
            if !k.is_empty() && !regex_search(k, kernel) {
                reasons.push(ExclusionReason::Kernel);
            }
            let min = self.at("BUILD_EXCLUSIVE_KERNEL_MIN", i);
            if !min.is_empty() && version_compare(kernel, min) == std::cmp::Ordering::Less {
                reasons.push(ExclusionReason::KernelMin);
            }
            let max = self.at("BUILD_EXCLUSIVE_KERNEL_MAX", i);
            if !max.is_empty() && version_compare(kernel, max) == std::cmp::Ordering::Greater {
                reasons.push(ExclusionReason::KernelMax);
            }
            let a = self.at("BUILD_EXCLUSIVE_ARCH", i);
            if !a.is_empty() && !regex_search(a, arch) {
                reasons.push(ExclusionReason::Arch);
            }
            let c = self.at("BUILD_EXCLUSIVE_CONFIG", i);
            if let (false, Some(cfg)) = (c.is_empty(), &config) {
                if !config_satisfied(c, cfg) {
                    reasons.push(ExclusionReason::Config);
                }
            }
            reasons
        };
        Exclusion {
            whole: check(0),
            modules: (0..self.modules.len()).map(check).collect(),
        }
    }
}

/// `[[ $text =~ $re ]]`: an ERE search; an invalid expression matches nothing (bash: status 2).
fn regex_search(re: &str, text: &str) -> bool {
    crate::shell::pattern::ere_search(re, text).unwrap_or(false)
}

/// BUILD_EXCLUSIVE_CONFIG: every `CONFIG_X` must be `=y`/`=m`, every `!CONFIG_X` must not be.
fn config_satisfied(list: &str, config: &str) -> bool {
    let enabled = |name: &str| {
        config.lines().any(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest == "=y" || rest == "=m")
        })
    };
    list.split_whitespace()
        .all(|item| match item.strip_prefix('!') {
            Some(name) => !enabled(name),
            None => enabled(item),
        })
}

/// dkms's version comparison: numeric runs compare as numbers, other runs as text, missing
/// parts count as 0 (so `6.1` == `6.1.0`).
pub fn version_compare(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut digit = None;
        for c in s.chars() {
            if !c.is_ascii_alphanumeric() {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                digit = None;
                continue;
            }
            let d = c.is_ascii_digit();
            if digit.is_some_and(|x| x != d) && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            digit = Some(d);
            cur.push(c);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let x = pa.get(i).map(String::as_str).unwrap_or("0");
        let y = pb.get(i).map(String::as_str).unwrap_or("0");
        let ord = match (x.parse::<u128>(), y.parse::<u128>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            _ => x.cmp(y),
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    std::cmp::Ordering::Equal
}

/// Evaluate the conf (and its override files) as dkms does and return the directives after the
/// round trip and read_conf's post-processing. Nothing is validated.
pub fn evaluate(req: &ConfRequest) -> Result<Directives> {
    // dkms does not source the conf again when module, version, kernel, arch and resolved
    // path equal its previous read (`build` of a module it just auto-added keeps add's
    // values, the file's own output and the `--directive` echoes appear once); its checks
    // still run. `status` keeps its own rule (status.rs).
    let reuse = req.reuse_last && req.site != ReadSite::Status;
    let key = reuse.then(|| LastRead::of(req));
    let mut last = if reuse { LAST_READ.lock().ok() } else { None };
    if let (Some(key), Some(Some((k, d)))) = (&key, last.as_deref()) {
        if k == key {
            return Ok(d.clone());
        }
    }
    let mut directives = crate::shell::dkms::evaluate_conf(req)?;
    post_process(&mut directives);
    if let (Some(key), Some(last)) = (key, last.as_deref_mut()) {
        *last = Some((key, directives.clone()));
    }
    Ok(directives)
}

static LAST_READ: std::sync::Mutex<Option<(LastRead, Directives)>> = std::sync::Mutex::new(None);

/// What makes a read the same as the previous one (the file's size and time are ours: a
/// file rewritten in between is read again).
#[derive(PartialEq, Eq)]
struct LastRead {
    path: PathBuf,
    stamp: Option<(u64, std::time::SystemTime)>,
    names: [String; 4],
    directives: Vec<String>,
}

impl LastRead {
    fn of(req: &ConfRequest) -> Self {
        LastRead {
            path: std::fs::canonicalize(&req.path).unwrap_or_else(|_| req.path.clone()),
            stamp: std::fs::metadata(&req.path)
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?))),
            names: [
                req.module.clone(),
                req.version.clone(),
                req.kernel.clone(),
                req.arch.clone(),
            ],
            directives: req.cli_directives.clone(),
        }
    }
}

/// read_conf's rewrites of directives: OBSOLETE_BY → BUILD_EXCLUSIVE_KERNEL_MAX when no MAX is
/// set (globally or for a record), and `no` (any case) → "" for the three yes/no directives.
pub fn post_process(d: &mut Directives) {
    let get0 = |d: &Directives, n: &str| {
        d.get(n)
            .and_then(|a| a.get(&0))
            .cloned()
            .unwrap_or_default()
    };
    let obsolete_by = get0(d, "OBSOLETE_BY");
    if !obsolete_by.is_empty() && get0(d, "BUILD_EXCLUSIVE_KERNEL_MAX").is_empty() {
        let conf = ModuleConf {
            directives: d.clone(),
            ..Default::default()
        };
        let count = conf.record_count();
        let has_per_module =
            (0..count).any(|i| !conf.at("BUILD_EXCLUSIVE_KERNEL_MAX", i).is_empty());
        if !has_per_module {
            d.entry("BUILD_EXCLUSIVE_KERNEL_MAX".to_string())
                .or_default()
                .insert(0, obsolete_by);
        }
    }
    for name in ["AUTOINSTALL", "BUILD_DEPENDS_REBUILD", "NO_WEAK_MODULES"] {
        if let Some(v) = d.get_mut(name).and_then(|a| a.get_mut(&0)) {
            if v.eq_ignore_ascii_case("no") {
                v.clear();
            }
        }
    }
}

/// Read a module's dkms.conf as dkms's `read_conf` (or `read_conf_strict`) does: evaluate,
/// post-process, derive the module records, validate. Validation messages go to stderr; a bad
/// file gives dkms's `Bad conf file.` error (exit 8).
pub fn read_conf(req: &ConfRequest, strict: bool) -> Result<ModuleConf> {
    if !req.path.is_file() {
        return Err(Error::dkms(
            4,
            [
                "Could not locate dkms.conf file.".to_string(),
                format!("File: {} does not exist.", req.path.display()),
            ],
        ));
    }
    let directives = evaluate(req)?;
    let conf = ModuleConf::from_directives(&req.path, directives);
    let (errors, warnings) = conf.validate(strict);
    let mut err = std::io::stderr().lock();
    for line in warnings.iter().chain(errors.iter()) {
        use std::io::Write;
        let _ = writeln!(err, "{line}");
    }
    if !errors.is_empty() {
        return Err(Error::dkms(8, text::bad_conf_file(&req.path)));
    }
    Ok(conf)
}

/// Evaluate a framework.conf-style file and return the values of `keys` that it sets (scalars).
/// Functions and other variables it defines are ignored, as in dkms.
pub fn eval_framework_file(path: &Path, keys: &[&str]) -> Result<BTreeMap<String, String>> {
    crate::shell::dkms::eval_framework_file(path, keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(pairs: &[(&str, &[(usize, &str)])]) -> Directives {
        pairs
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    v.iter().map(|(i, s)| (*i, s.to_string())).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn single_record_defaults_built_name_to_package_name() {
        let d = dirs(&[
            ("PACKAGE_NAME", &[(0, "hello")]),
            ("PACKAGE_VERSION", &[(0, "1.0")]),
            ("DEST_MODULE_LOCATION", &[(0, "/updates")]),
            ("BUILT_MODULE_LOCATION", &[(0, "src")]),
        ]);
        let c = ModuleConf::from_directives(Path::new("x"), d);
        assert_eq!(c.modules.len(), 1);
        assert_eq!(c.modules[0].built_name, "hello");
        assert_eq!(c.modules[0].dest_name, "hello");
        assert_eq!(c.modules[0].built_location, "src/");
        assert!(c.modules[0].strip);
        assert!(c.validate(true).0.is_empty());
    }

    #[test]
    fn sparse_records_fail_validation() {
        let d = dirs(&[
            ("PACKAGE_NAME", &[(0, "p")]),
            ("PACKAGE_VERSION", &[(0, "1")]),
            ("BUILT_MODULE_NAME", &[(1, "a")]),
            ("DEST_MODULE_LOCATION", &[(1, "/extra")]),
            ("STRIP", &[(0, "no")]),
        ]);
        let c = ModuleConf::from_directives(Path::new("x"), d);
        assert_eq!(c.modules.len(), 2);
        assert!(!c.modules[1].strip, "STRIP[0] is inherited");
        let (errors, _) = c.validate(false);
        assert_eq!(
            errors,
            vec![
                "dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #0.",
                "dkms.conf: Error! No 'DEST_MODULE_LOCATION' directive specified for record #0.",
            ]
        );
    }

    #[test]
    fn strict_duplicates_only_after_plain_checks() {
        let d = dirs(&[
            ("PACKAGE_NAME", &[(0, "p")]),
            ("PACKAGE_VERSION", &[(0, "1")]),
            ("BUILT_MODULE_NAME", &[(0, "a"), (1, "a")]),
            ("BUILT_MODULE_LOCATION", &[(0, "x"), (1, "x/")]),
            ("DEST_MODULE_LOCATION", &[(0, "/extra"), (1, "/updates")]),
        ]);
        let c = ModuleConf::from_directives(Path::new("x"), d);
        assert!(c.validate(false).0.is_empty());
        assert_eq!(
            c.validate(true).0,
            vec![
                "dkms.conf: Error! Duplicate module 'x/a' in 'BUILT_MODULE_NAME[1]'.",
                "dkms.conf: Error! Duplicate module 'a' in 'DEST_MODULE_NAME[1]'.",
            ]
        );
        let mut d = c.directives.clone();
        d.insert(
            "AUTOINSTALL".into(),
            BTreeMap::from([(0, "maybe".to_string())]),
        );
        let c = ModuleConf::from_directives(Path::new("x"), d);
        assert_eq!(
            c.validate(true).0,
            vec!["dkms.conf: Error! Unsupported AUTOINSTALL value 'maybe'"]
        );
    }

    #[test]
    fn post_processing_copies_obsolete_by_and_clears_no() {
        let mut d = dirs(&[
            ("OBSOLETE_BY", &[(0, "5.4")]),
            ("AUTOINSTALL", &[(0, "No")]),
        ]);
        post_process(&mut d);
        assert_eq!(d["BUILD_EXCLUSIVE_KERNEL_MAX"][&0], "5.4");
        assert_eq!(d["AUTOINSTALL"][&0], "");
    }

    #[test]
    fn exclusion_by_version_and_config() {
        let d = dirs(&[
            ("PACKAGE_NAME", &[(0, "p")]),
            ("PACKAGE_VERSION", &[(0, "1")]),
            ("BUILT_MODULE_NAME", &[(0, "a"), (1, "b")]),
            ("DEST_MODULE_LOCATION", &[(0, "/extra"), (1, "/extra")]),
            ("BUILD_EXCLUSIVE_KERNEL_MIN", &[(1, "6.2")]),
            ("BUILD_EXCLUSIVE_ARCH", &[(0, "x86_64|aarch64")]),
        ]);
        let c = ModuleConf::from_directives(Path::new("x"), d);
        let e = c.exclusion("6.1.0-28-amd64", "x86_64", None);
        assert!(e.whole.is_empty());
        assert!(!e.module_excluded(0));
        assert!(e.module_excluded(1));
        assert!(!e.all_excluded());
        let e = c.exclusion("6.1.0-28-amd64", "i386", None);
        assert!(e.all_excluded());
        assert!(config_satisfied(
            "CONFIG_A !CONFIG_B",
            "CONFIG_A=m\n# CONFIG_B is not set\n"
        ));
        assert!(!config_satisfied("CONFIG_A", "CONFIG_AB=y\n"));
    }

    #[test]
    fn versions_compare_with_zero_padding() {
        use std::cmp::Ordering::*;
        assert_eq!(version_compare("6.1", "6.1.0"), Equal);
        assert_eq!(version_compare("6.1.0-28-amd64", "6.2"), Less);
        assert_eq!(version_compare("5.10.0-30-amd64", "5.4"), Greater);
    }
}
