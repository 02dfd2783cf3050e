//! The settings every action runs with: framework.conf and framework.conf.d (evaluated like
//! dkms.conf, only known keys taken), the environment fallbacks dkms has, the command-line
//! overrides, and the distribution rules derived from os-release (spec §2.2, §3.3, §6.1).
//!
//! Precedence, as in dkms: built-in default < environment < framework files (in order) <
//! command line. A key a framework file sets to the empty string counts as set (dkms then
//! falls back to its default where it has one, e.g. `parallel_jobs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cli::Invocation;
use crate::error::Result;
use crate::output::cli as msg;

/// The framework keys dkms takes from framework.conf and framework.conf.d/*.conf.
pub const KNOWN_KEYS: &[&str] = &[
    "source_tree",
    "dkms_tree",
    "install_tree",
    "tmp_location",
    "verbose",
    "symlink_modules",
    "autoinstall_all_kernels",
    "modprobe_on_install",
    "parallel_jobs",
    "compress_gzip_opts",
    "compress_xz_opts",
    "compress_zstd_opts",
    "post_transaction",
    "build_environment",
    "sign_file",
    "mok_signing_key",
    "mok_certificate",
    "try_sign_modules",
];

/// The environment variables dkms lets leak in as defaults (it never initialises them before
/// reading the framework files). `TMPDIR` and `ADDON_MODULES_DIR` are handled apart.
pub const ENV_FALLBACKS: &[&str] = &[
    "parallel_jobs",
    "modprobe_on_install",
    "post_transaction",
    "build_environment",
    "sign_file",
    "mok_signing_key",
    "mok_certificate",
    "try_sign_modules",
    "autoinstall_all_kernels",
];

/// Which family of distribution rules applies (install dir, sign-file path, weak-modules, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distro {
    /// dkms's "distro id": `ubuntu` if ID=ubuntu, else the whole ID_LIKE if set, else ID.
    pub id: String,
    /// `running_distribution` as dkms.conf sees it: the same value as `id` (checked against
    /// the reference: `ID=linuxmint ID_LIKE="ubuntu debian"` gives `ubuntu debian`).
    pub running_distribution: String,
    /// os-release ID as written.
    pub os_id: String,
}

impl Distro {
    /// dkms's rule over the os-release `ID` and `ID_LIKE` values.
    pub fn from_ids(id: &str, id_like: &str) -> Distro {
        let distro_id = if id == "ubuntu" {
            "ubuntu".to_string()
        } else if !id_like.is_empty() {
            id_like.to_string()
        } else {
            id.to_string()
        };
        Distro {
            running_distribution: distro_id.clone(),
            id: distro_id,
            os_id: id.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `DKMS_CONFDIR`, default `/etc/dkms`: framework files, per-module overrides, no-autoinstall.
    pub confdir: PathBuf,
    /// `DKMS_OS_RELEASE`, default `/etc/os-release` (fallback `/usr/lib/os-release`).
    pub os_release: PathBuf,
    pub distro: Distro,

    pub dkms_tree: PathBuf,
    pub source_tree: PathBuf,
    pub install_tree: PathBuf,
    pub tmp_location: PathBuf,

    pub verbose: bool,
    pub symlink_modules: bool,
    pub modprobe_on_install: bool,
    pub no_depmod: bool,
    /// make -j value; `0` means plain `-j` (no limit).
    pub parallel_jobs: u32,
    /// `$parallel_jobs` as dkms holds it: "" for no limit, otherwise the text given (dkms does
    /// not validate `-j`; a non-number reaches make as is).
    pub parallel_jobs_text: String,
    pub compress_gzip_opts: String,
    pub compress_xz_opts: String,
    pub compress_zstd_opts: String,
    pub post_transaction: Option<String>,
    pub build_environment: Option<String>,
    /// Raw (unexpanded) signing settings; dkms reads them lazily at signing time, when
    /// `$kernelver` is known.
    pub sign_file: Option<String>,
    pub mok_signing_key: Option<String>,
    pub mok_certificate: Option<String>,
    pub try_sign_modules: Option<String>,
    pub autoinstall_all_kernels: Option<String>,
    /// `ADDON_MODULES_DIR` from the environment, else from `/etc/sysconfig/module-init-tools`:
    /// overrides the install location when set.
    pub addon_modules_dir: Option<String>,
}

impl Settings {
    /// Read framework.conf(.d), the environment, os-release, then apply the command line.
    pub fn load(inv: &Invocation) -> Result<Settings> {
        let mut settings = Settings::startup()?;
        settings.apply_cli(inv);
        Ok(settings)
    }

    /// What dkms knows before it reads its command line, in dkms's order: the distribution
    /// (os-release, exit 4), a usable `$TMPDIR` (exit 1), the defaults, the environment
    /// fallbacks and the framework files.
    pub fn startup() -> Result<Settings> {
        let confdir = env_path("DKMS_CONFDIR").unwrap_or_else(|| PathBuf::from("/etc/dkms"));
        let (os_release, distro) = read_os_release()?;
        check_tmpdir(&crate::output::Output::default())?;
        let env = |name: &str| std::env::var(name).ok();

        let mut values: BTreeMap<String, String> = BTreeMap::new();
        for key in ENV_FALLBACKS {
            if let Some(v) = env(key) {
                values.insert(key.to_string(), v);
            }
        }
        for file in framework_files(&confdir) {
            // dkms reads each file in a subshell: a file that fails (syntax error, unreadable)
            // shows its error on stderr and dkms goes on without its values.
            match crate::conf::eval_framework_file(&file, KNOWN_KEYS) {
                Ok(found) => values.extend(found),
                Err(e) => crate::output::Output::default().err_line(e.to_string()),
            }
        }
        let get = |key: &str| values.get(key).cloned();
        let set = |key: &str| get(key).filter(|v| !v.is_empty());

        let tmp_location = set("tmp_location")
            .map(PathBuf::from)
            .unwrap_or_else(default_tmpdir);
        let parallel_jobs_text = get("parallel_jobs").unwrap_or_default();
        let mut settings = Settings {
            confdir,
            os_release,
            distro,
            dkms_tree: set("dkms_tree")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/var/lib/dkms")),
            source_tree: set("source_tree")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/usr/src")),
            install_tree: set("install_tree")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/lib/modules")),
            tmp_location,
            verbose: set("verbose").is_some(),
            symlink_modules: set("symlink_modules").is_some(),
            modprobe_on_install: set("modprobe_on_install").is_some(),
            no_depmod: false,
            parallel_jobs: 0,
            parallel_jobs_text: String::new(),
            compress_gzip_opts: get("compress_gzip_opts").unwrap_or_default(),
            compress_xz_opts: get("compress_xz_opts")
                .unwrap_or_else(|| "--check=crc32 --lzma2=dict=1MiB".into()),
            compress_zstd_opts: get("compress_zstd_opts").unwrap_or_else(|| "-q --rm -T0".into()),
            post_transaction: set("post_transaction"),
            build_environment: set("build_environment"),
            sign_file: set("sign_file"),
            mok_signing_key: set("mok_signing_key"),
            mok_certificate: set("mok_certificate"),
            try_sign_modules: set("try_sign_modules"),
            autoinstall_all_kernels: set("autoinstall_all_kernels"),
            addon_modules_dir: env("ADDON_MODULES_DIR")
                .filter(|v| !v.is_empty())
                .or_else(addon_modules_dir_from_sysconfig),
        };
        settings.set_jobs(&parallel_jobs_text);
        Ok(settings)
    }

    /// The command line's word, last: trees, `-j`, and the switches that also have a
    /// framework key.
    pub fn apply_cli(&mut self, inv: &Invocation) {
        if let Some(p) = &inv.dkmstree {
            self.dkms_tree = p.clone();
        }
        if let Some(p) = &inv.sourcetree {
            self.source_tree = p.clone();
        }
        if let Some(p) = &inv.installtree {
            self.install_tree = p.clone();
        }
        if let Some(j) = &inv.jobs {
            self.set_jobs(j);
        }
        self.verbose |= inv.verbose;
        self.symlink_modules |= inv.symlink_modules;
        self.modprobe_on_install |= inv.modprobe_on_install;
        self.no_depmod |= inv.no_depmod;
    }

    /// `0` means no limit (shown to dkms.conf as ""); an empty value means the default
    /// (`nproc`), as in dkms.
    fn set_jobs(&mut self, text: &str) {
        if text.is_empty() {
            let n = nproc();
            self.parallel_jobs = n;
            self.parallel_jobs_text = n.to_string();
        } else if text.trim() == "0" {
            self.parallel_jobs = 0;
            self.parallel_jobs_text = String::new();
        } else {
            self.parallel_jobs = text.trim().parse().unwrap_or_else(|_| nproc());
            self.parallel_jobs_text = text.to_string();
        }
    }

    /// The `-j` argument for make: `-jN`, or `-j` for no limit.
    pub fn make_jobs_arg(&self) -> String {
        format!("-j{}", self.parallel_jobs_text)
    }
}

/// Process-wide state dkms sets before anything else: `umask 022`, and no compiler flags
/// inherited from the caller's environment (they would leak into kbuild).
pub fn prepare_process() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    for var in ["CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS"] {
        std::env::remove_var(var);
    }
}

/// dkms refuses to start when `$TMPDIR` (default /tmp) cannot hold a file: an `Error!` line,
/// then a warning naming the directory, exit 1 — before the command line is even read.
pub fn check_tmpdir(out: &crate::output::Output) -> Result<()> {
    let dir = default_tmpdir();
    if tempfile::tempfile_in(&dir).is_ok() {
        return Ok(());
    }
    let err = msg::tmpdir_unusable();
    if let crate::error::Error::Dkms { lines, .. } = &err {
        out.error(lines);
    }
    out.warning(&[msg::tmpdir_warning(&dir)]);
    Err(crate::error::Error::Exit(err.exit_code()))
}

/// Commands that change the system need root (spec §2.2): exit 1.
pub fn require_root() -> Result<()> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err(msg::not_root())
    }
}

/// Commands that only change the dkms tree need to be able to write it (spec §2.2): exit 1.
pub fn require_writable_tree(settings: &Settings) -> Result<()> {
    let tree = &settings.dkms_tree;
    if nix::unistd::access(tree, nix::unistd::AccessFlags::W_OK).is_ok() {
        Ok(())
    } else {
        Err(msg::no_tree_write_access(tree))
    }
}

/// `framework.conf`, then `framework.conf.d/*.conf` in glob (byte) order; only existing files.
pub fn framework_files(confdir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let main = confdir.join("framework.conf");
    if main.is_file() {
        files.push(main);
    }
    if let Ok(entries) = std::fs::read_dir(confdir.join("framework.conf.d")) {
        let mut extra: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| {
                let name = e.file_name();
                let name = name.as_encoded_bytes();
                // a glob's `*` does not match a leading dot
                name.ends_with(b".conf") && !name.starts_with(b".")
            })
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        extra.sort_by(|a, b| {
            a.file_name()
                .map(|n| n.as_encoded_bytes().to_vec())
                .cmp(&b.file_name().map(|n| n.as_encoded_bytes().to_vec()))
        });
        files.extend(extra);
    }
    files
}

/// `DKMS_OS_RELEASE` names the only file to read (so tests can make it missing); otherwise
/// `/etc/os-release`, then `/usr/lib/os-release`. Neither: exit 4.
fn read_os_release() -> Result<(PathBuf, Distro)> {
    let candidates: Vec<PathBuf> = match env_path("DKMS_OS_RELEASE") {
        Some(p) => vec![p],
        None => vec![
            PathBuf::from("/etc/os-release"),
            PathBuf::from("/usr/lib/os-release"),
        ],
    };
    let Some(path) = candidates.into_iter().find(|p| p.is_file()) else {
        return Err(msg::missing_os_release());
    };
    // dkms sources the file with bash; the framework evaluator does the same for two keys.
    let values = match crate::conf::eval_framework_file(&path, &["ID", "ID_LIKE"]) {
        Ok(v) => v,
        Err(e) => {
            crate::output::Output::default().err_line(e.to_string());
            BTreeMap::new()
        }
    };
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let distro = Distro::from_ids(get("ID"), get("ID_LIKE"));
    Ok((path, distro))
}

/// SUSE's `/etc/sysconfig/module-init-tools` may set `ADDON_MODULES_DIR`; the environment
/// wins over it (checked against the reference).
fn addon_modules_dir_from_sysconfig() -> Option<String> {
    let path = Path::new("/etc/sysconfig/module-init-tools");
    if !path.is_file() {
        return None;
    }
    crate::conf::eval_framework_file(path, &["ADDON_MODULES_DIR"])
        .ok()?
        .remove("ADDON_MODULES_DIR")
        .filter(|v| !v.is_empty())
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn default_tmpdir() -> PathBuf {
    env_path("TMPDIR").unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// The number of CPUs this process may use (`nproc`). dkms runs `$(nproc)` (the first `nproc`
/// in PATH) when /usr/bin/nproc is executable, so a wrapper or `OMP_NUM_THREADS` changes it;
/// we do the same, falling back to the CPU count.
pub fn nproc() -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let fallback = || {
        std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1)
    };
    let has_nproc = std::fs::metadata("/usr/bin/nproc")
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if !has_nproc {
        return fallback();
    }
    // `status` must start no process: when the `nproc` dkms would run is coreutils' own and
    // no OMP variable changes its answer, its answer is the CPU affinity count.
    if let Some(n) = nproc_without_process() {
        return n;
    }
    std::process::Command::new("nproc")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(fallback)
}

/// What coreutils' `nproc` prints, without running it: the number of CPUs in this process's
/// affinity mask (`Cpus_allowed_list`). `None` when the first `nproc` in PATH is another
/// program or `OMP_NUM_THREADS`/`OMP_THREAD_LIMIT` are set (then `nproc` itself must answer).
/// (Added by the tree engineer for the status speed rule.)
fn nproc_without_process() -> Option<u32> {
    if std::env::var_os("OMP_NUM_THREADS").is_some()
        || std::env::var_os("OMP_THREAD_LIMIT").is_some()
    {
        return None;
    }
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    let first = std::env::split_paths(&path)
        .map(|d| d.join("nproc"))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })?;
    if std::fs::canonicalize(&first).ok()? != std::fs::canonicalize("/usr/bin/nproc").ok()? {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?
        .trim();
    let mut count = 0u32;
    for part in list.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                count += b.checked_sub(a)? + 1;
            }
            None => {
                part.trim().parse::<u32>().ok()?;
                count += 1;
            }
        }
    }
    (count > 0).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nproc_without_process_agrees_with_nproc() {
        let Some(n) = nproc_without_process() else {
            return;
        };
        let out = std::process::Command::new("nproc").output().expect("nproc");
        let real: u32 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("number");
        assert_eq!(n, real);
    }

    #[test]
    fn root_rule() {
        match require_root() {
            Ok(()) => assert!(nix::unistd::geteuid().is_root()),
            Err(crate::error::Error::Dkms { code, lines }) => {
                assert_eq!(code, 1);
                assert_eq!(lines, ["You must be root to use this command."]);
            }
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn distro_id_rule() {
        assert_eq!(Distro::from_ids("debian", "").id, "debian");
        assert_eq!(Distro::from_ids("ubuntu", "debian").id, "ubuntu");
        assert_eq!(
            Distro::from_ids("linuxmint", "ubuntu debian").id,
            "ubuntu debian"
        );
        assert_eq!(
            Distro::from_ids("rocky", "rhel centos fedora").running_distribution,
            "rhel centos fedora"
        );
        assert_eq!(Distro::from_ids("", "").id, "");
        assert_eq!(Distro::from_ids("arch", "").os_id, "arch");
    }

    #[test]
    fn framework_files_in_glob_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("framework.conf.d");
        std::fs::create_dir(&d).unwrap();
        for name in ["b.conf", "a.conf", "c.notconf", ".hidden.conf", "B.conf"] {
            std::fs::write(d.join(name), "").unwrap();
        }
        std::fs::write(dir.path().join("framework.conf"), "").unwrap();
        let names: Vec<String> = framework_files(dir.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["framework.conf", "B.conf", "a.conf", "b.conf"]);
    }

    #[test]
    fn jobs_text() {
        let inv = Invocation::default();
        let mut s = Settings::load(&inv).unwrap();
        s.set_jobs("0");
        assert_eq!((s.parallel_jobs, s.make_jobs_arg().as_str()), (0, "-j"));
        s.set_jobs("4");
        assert_eq!((s.parallel_jobs, s.make_jobs_arg().as_str()), (4, "-j4"));
        s.set_jobs("");
        assert_eq!(s.parallel_jobs, nproc());
        assert_eq!(s.parallel_jobs_text, nproc().to_string());
    }
}
