//! Module signing (spec §4.6): the once-per-kernel prologue that decides whether and how modules
//! are signed, MOK key generation, and signing one module with the kernel's sign-file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::kernel::KernelConfig;
use crate::output::{build as msg, Output};
use crate::runner::{self, Cmd};
use crate::settings::Settings;
use crate::shell::Shell;

/// Everything needed to sign the modules of one kernel.
#[derive(Debug, Clone)]
pub struct Signer {
    pub sign_file: PathBuf,
    pub hash: String,
    pub key: String,
    pub cert: PathBuf,
}

/// The default MOK pair; dkms keeps it under /var/lib/dkms whatever `--dkmstree` says.
const DEFAULT_MOK_KEY: &str = "/var/lib/dkms/mok.key";
const DEFAULT_MOK_CERT: &str = "/var/lib/dkms/mok.pub";

/// The framework keys dkms reads again when it prepares signing for a build.
const SIGNING_KEYS: &[&str] = &[
    "sign_file",
    "mok_signing_key",
    "mok_certificate",
    "try_sign_modules",
];

/// What is being built when dkms signs: the values dkms has in `$kernelver`, `$arch`, `$module`
/// and `$module_version` at that moment, which the signing settings may name.
#[derive(Debug, Clone, Copy)]
pub struct BuildVars<'a> {
    pub kernel: &'a str,
    pub arch: &'a str,
    pub module: &'a str,
    pub version: &'a str,
}

impl BuildVars<'_> {
    fn pairs(&self) -> [(&str, &str); 4] {
        [
            ("kernelver", self.kernel),
            ("arch", self.arch),
            ("module", self.module),
            ("module_version", self.version),
        ]
    }

    /// The variables for a command dkms runs in its own shell.
    pub fn env(&self) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
        self.pairs()
            .iter()
            .map(|(n, v)| (n.into(), v.into()))
            .collect()
    }

    fn shell(&self) -> Shell {
        let mut sh = Shell::new(PathBuf::from("/"));
        sh.arg0 = "/usr/sbin/dkms".to_string();
        for (name, value) in self.pairs() {
            sh.set_global(name.to_string(), value, false, false);
        }
        sh
    }
}

/// The signing settings as dkms has them when it signs, not as they were at start-up: it reads
/// the framework files again with the build's variables set (so `$kernelver` there is the
/// kernel being built), and expands the values once more (so an environment value may name
/// `$kernelver` too). Unset or empty values are `None`.
#[derive(Debug, Default, Clone)]
pub struct SigningValues {
    pub sign_file: Option<String>,
    pub mok_signing_key: Option<String>,
    pub mok_certificate: Option<String>,
    pub try_sign_modules: Option<String>,
}

impl SigningValues {
    pub fn read(out: &Output, settings: &Settings, vars: &BuildVars) -> SigningValues {
        let values = late_framework_values(out, settings, vars, SIGNING_KEYS);
        let get = |key: &str| values.get(key).filter(|v| !v.is_empty()).cloned();
        SigningValues {
            sign_file: get("sign_file"),
            mok_signing_key: get("mok_signing_key"),
            mok_certificate: get("mok_certificate"),
            try_sign_modules: get("try_sign_modules"),
        }
    }
}

/// dkms's late reading of its framework files (when it signs, and for `post_transaction`): in
/// a shell holding the environment and the build's variables, every framework file is sourced
/// through dkms's `safe_source` for `keys`. The value so far (from the environment or an
/// earlier file) goes through that function's serialisation round trip, which expands it once
/// more: `$kernelver` in a value then means the kernel of this build. Without framework files
/// the environment's text stays as it is, as in dkms.
fn late_framework_values(
    out: &Output,
    settings: &Settings,
    vars: &BuildVars,
    keys: &[&str],
) -> BTreeMap<String, String> {
    let mut sh = vars.shell();
    sh.push_scope();
    let list = keys.join(" ");
    for file in crate::settings::framework_files(&settings.confdir) {
        // as at start-up, a file that fails shows its error and gives no values
        if let Err(e) = crate::shell::dkms::safe_source(&mut sh, &file, keys, &list, false) {
            out.err_line(e.to_string());
        }
    }
    keys.iter()
        .filter_map(|k| sh.get(k).map(|v| (k.to_string(), v)))
        .collect()
}

/// A framework key as dkms has it late in a run (see `late_framework_values`); `None` when unset
/// or empty.
pub fn late_framework_value(
    out: &Output,
    settings: &Settings,
    vars: &BuildVars,
    key: &str,
) -> Option<String> {
    late_framework_values(out, settings, vars, &[key])
        .remove(key)
        .filter(|v| !v.is_empty())
}

/// dkms's chroot test: fakechroot variables, or a root that differs from init's.
pub fn in_chroot() -> bool {
    if std::env::var_os("FAKECHROOT").is_some() || std::env::var_os("FAKECHROOT_BASE").is_some() {
        return true;
    }
    let init = std::fs::read("/proc/1/mountinfo");
    let me = std::fs::read("/proc/self/mountinfo");
    if let (Ok(a), Ok(b)) = (&init, &me) {
        if a != b {
            return true;
        }
    }
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata("/"), std::fs::metadata("/proc/1/root/.")) {
        (Ok(a), Ok(b)) => a.ino() != b.ino() || a.dev() != b.dev(),
        _ => false,
    }
}

/// The distribution's sign-file when the framework does not name one.
fn default_sign_file(settings: &Settings, kernel: &str) -> PathBuf {
    let id = settings.distro.id.as_str();
    if id.starts_with("ubuntu") {
        if let Some(kmodsign) = find_in_path("kmodsign") {
            return kmodsign;
        }
        return PathBuf::from(format!("/usr/src/linux-headers-{kernel}/scripts/sign-file"));
    }
    if id.starts_with("debian") {
        let short = kernel.rsplit_once('.').map(|(a, _)| a).unwrap_or(kernel);
        // "6.1.0-56-amd64" minus its last component is "6.1"
        let short = short.split(['-']).next().unwrap_or(short);
        return PathBuf::from(format!("/usr/lib/linux-kbuild-{short}/scripts/sign-file"));
    }
    if id.starts_with("gentoo") {
        return PathBuf::from(format!("/usr/src/linux-{kernel}/scripts/sign-file"));
    }
    settings
        .install_tree
        .join(kernel)
        .join("build/scripts/sign-file")
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn is_executable_file(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The signing prologue of a build for one kernel: prints what dkms prints (and the blank line
/// that ends it) and returns the signer, or `None` when modules will not be signed.
/// `kernel_source_dir` is the kernel's build tree (Gentoo's `CONFIG_MODULE_SIG_KEY` is
/// relative to it).
pub fn prepare(
    out: &Output,
    settings: &Settings,
    vars: &BuildVars,
    kernel_source_dir: &Path,
    config_path: &Path,
    config: &KernelConfig,
) -> Option<Signer> {
    let signer = decide(out, settings, vars, kernel_source_dir, config_path, config);
    out.blank();
    signer
}

fn decide(
    out: &Output,
    settings: &Settings,
    vars: &BuildVars,
    kernel_source_dir: &Path,
    config_path: &Path,
    config: &KernelConfig,
) -> Option<Signer> {
    let kernel = vars.kernel;
    let values = SigningValues::read(out, settings, vars);
    let policy = values
        .try_sign_modules
        .clone()
        .unwrap_or_else(|| "not_in_chroot".into());
    if policy == "false" {
        out.line(msg::SIGNING_DISABLED_BY_POLICY);
        return None;
    }
    if policy != "true" && in_chroot() {
        out.line(msg::SIGNING_IN_CHROOT);
        return None;
    }
    if !config.found {
        out.line(msg::config_not_found(config_path));
        return None;
    }
    let Some(hash) = config
        .get("CONFIG_MODULE_SIG_HASH")
        .filter(|h| !h.is_empty())
    else {
        out.line(msg::SIGNING_NOT_SUPPORTED);
        return None;
    };
    let sign_file = values
        .sign_file
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let distro_default = default_sign_file(settings, kernel);
            if is_executable_file(&distro_default) {
                distro_default
            } else {
                // the kernel's own build tree
                settings
                    .install_tree
                    .join(kernel)
                    .join("build/scripts/sign-file")
            }
        });
    out.line(format!("Sign command: {}", sign_file.display()));
    if !is_executable_file(&sign_file) {
        out.line(msg::sign_binary_missing(&sign_file));
        return None;
    }
    let pair = key_pair(settings, &values, kernel_source_dir, config);
    if pair.ubuntu_managed && !ubuntu_new_key(out, &pair) {
        return None;
    }
    let MokPair { key, cert, .. } = pair;
    out.line(format!("Signing key: {key}"));
    out.line(format!("Public certificate (MOK): {}", cert.display()));
    let is_pkcs11 = key.starts_with("pkcs11:");
    if (!is_pkcs11 && !Path::new(&key).is_file()) || !cert.is_file() {
        out.line(msg::GENERATING_MOK);
        if !generate_mok(out, Path::new(&key), &cert) {
            out.line(msg::key_cannot_be_generated(&key));
            return None;
        }
    }
    Some(Signer {
        sign_file,
        hash: hash.to_string(),
        key,
        cert,
    })
}

/// Ubuntu's shim-signed key pair, made by `update-secureboot-policy` when a file of it is
/// missing (`--new-key` silently, then `--enroll-key` with its output shown, their statuses
/// ignored as in dkms). False when the tool is not there: then nothing is signed.
pub fn ubuntu_new_key(out: &Output, pair: &MokPair) -> bool {
    if Path::new(&pair.key).is_file() && pair.cert.is_file() {
        return true;
    }
    let Some(tool) = find_in_path(UBUNTU_KEY_TOOL) else {
        out.line(msg::sign_binary_missing(Path::new(UBUNTU_KEY_TOOL)));
        return false;
    };
    out.line(msg::GENERATING_UBUNTU_MOK);
    let _ = runner::quiet(out, &Cmd::exec([tool.as_os_str(), "--new-key".as_ref()]));
    let _ = std::process::Command::new(&tool)
        .arg("--enroll-key")
        .status();
    true
}

const UBUNTU_KEY_TOOL: &str = "update-secureboot-policy";
const UBUNTU_MOK_KEY: &str = "/var/lib/shim-signed/mok/MOK.priv";
const UBUNTU_MOK_CERT: &str = "/var/lib/shim-signed/mok/MOK.der";

/// The key and certificate a build signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MokPair {
    pub key: String,
    pub cert: PathBuf,
    /// Ubuntu's shim-signed pair, which `update-secureboot-policy` makes.
    pub ubuntu_managed: bool,
}

/// dkms's choice of key pair: a configured `mok_signing_key` (with `mok_certificate`, else the
/// default certificate); else on Ubuntu the shim-signed pair (both files, whatever
/// `mok_certificate` says), on Gentoo the kernel's own signing key; else the default pair.
pub fn key_pair(
    settings: &Settings,
    values: &SigningValues,
    kernel_source_dir: &Path,
    config: &KernelConfig,
) -> MokPair {
    let plain = |key: String, cert: PathBuf| MokPair {
        key,
        cert,
        ubuntu_managed: false,
    };
    let configured_cert = || {
        values
            .mok_certificate
            .clone()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_MOK_CERT))
    };
    if let Some(key) = values.mok_signing_key.clone() {
        return plain(key, configured_cert());
    }
    let id = settings.distro.id.as_str();
    if id.starts_with("ubuntu") {
        return MokPair {
            key: UBUNTU_MOK_KEY.into(),
            cert: PathBuf::from(UBUNTU_MOK_CERT),
            ubuntu_managed: true,
        };
    }
    if id.starts_with("gentoo") {
        if let Some(pair) = gentoo_key_pair(kernel_source_dir, config) {
            return pair;
        }
    }
    plain(DEFAULT_MOK_KEY.into(), configured_cert())
}

/// Gentoo: `MODULES_SIGN_KEY`/`MODULES_SIGN_CERT` from the environment or Portage's make.conf,
/// else the kernel's `CONFIG_MODULE_SIG_KEY` (a PEM file holding both, relative to the kernel
/// tree unless absolute).
fn gentoo_key_pair(kernel_source_dir: &Path, config: &KernelConfig) -> Option<MokPair> {
    let make_conf = std::fs::read_to_string(GENTOO_MAKE_CONF).unwrap_or_default();
    let lookup = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| make_conf_value(&make_conf, name))
            .filter(|v| !v.is_empty())
    };
    let from_kernel = || {
        let value = config
            .get("CONFIG_MODULE_SIG_KEY")
            .filter(|v| !v.is_empty())?;
        let path = Path::new(value);
        Some(if path.is_absolute() {
            path.to_path_buf()
        } else {
            kernel_source_dir.join(path)
        })
    };
    let key = lookup("MODULES_SIGN_KEY")
        .map(PathBuf::from)
        .or_else(from_kernel)?;
    let cert = lookup("MODULES_SIGN_CERT")
        .map(PathBuf::from)
        .unwrap_or_else(|| key.clone());
    Some(MokPair {
        key: key.display().to_string(),
        cert,
        ubuntu_managed: false,
    })
}

const GENTOO_MAKE_CONF: &str = "/etc/portage/make.conf";

/// `NAME=value` / `NAME="value"` in a make.conf (the simple assignments Portage users write).
fn make_conf_value(text: &str, name: &str) -> Option<String> {
    text.lines().rev().find_map(|line| {
        let rest = line.trim().strip_prefix(name)?.strip_prefix('=')?;
        let rest = rest.trim();
        let unquoted = rest
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .or_else(|| rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
            .unwrap_or(rest);
        Some(unquoted.to_string())
    })
}

/// The MOK key pair `generate_mok` shows and creates for `kernel`.
pub fn mok_pair(out: &Output, settings: &Settings, kernel: &str) -> MokPair {
    let vars = BuildVars {
        kernel,
        arch: "",
        module: "",
        version: "",
    };
    let values = SigningValues::read(out, settings, &vars);
    let source_dir = settings.install_tree.join(kernel).join("build");
    let config = KernelConfig::read(&source_dir.join(".config"));
    key_pair(settings, &values, &source_dir, &config)
}

/// Generate a self-signed pair with openssl exactly as dkms does. True on success.
pub fn generate_mok(out: &Output, key: &Path, cert: &Path) -> bool {
    for p in [key, cert] {
        if let Some(dir) = p.parent() {
            if !dir.as_os_str().is_empty() && !dir.is_dir() {
                return false;
            }
        }
    }
    let cmd = Cmd::exec([
        "openssl".as_ref(),
        "req".as_ref(),
        "-new".as_ref(),
        "-x509".as_ref(),
        "-nodes".as_ref(),
        "-days".as_ref(),
        "36500".as_ref(),
        "-subj".as_ref(),
        "/CN=DKMS module signing key".as_ref(),
        "-newkey".as_ref(),
        "rsa:2048".as_ref(),
        "-keyout".as_ref(),
        key.as_os_str(),
        "-outform".as_ref(),
        "DER".as_ref(),
        "-out".as_ref(),
        cert.as_os_str(),
        "-addext".as_ref(),
        "extendedKeyUsage=codeSigning".as_ref(),
    ] as [&std::ffi::OsStr; 19]);
    let ok = runner::quiet(out, &cmd)
        .map(|o| o.success())
        .unwrap_or(false);
    if ok {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(key, std::fs::Permissions::from_mode(0o600));
    }
    ok && key.is_file() && cert.is_file()
}

impl Signer {
    /// Sign one module in place; a failure is a warning and the build goes on.
    pub fn sign(&self, out: &Output, module: &Path) {
        out.line(format!("Signing module {}", module.display()));
        let cmd = Cmd::exec([
            self.sign_file.as_os_str(),
            self.hash.as_ref(),
            self.key.as_ref(),
            self.cert.as_os_str(),
            module.as_os_str(),
        ]);
        match runner::quiet(out, &cmd) {
            Ok(o) if o.success() => {}
            Ok(o) => {
                let text = o.output_text();
                let mut lines = vec![format!("Failed to sign module '{}'!", module.display())];
                lines.extend(text.lines().map(str::to_string));
                out.warning(&lines);
            }
            Err(e) => out.warning(&[
                format!("Failed to sign module '{}'!", module.display()),
                e.to_string(),
            ]),
        }
    }
}
