//! Module signing (spec §4.6): the once-per-kernel prologue that decides whether and how modules
//! are signed, MOK key generation, and signing one module with the kernel's sign-file.

use std::path::{Path, PathBuf};

use crate::kernel::KernelConfig;
use crate::output::{build as msg, Output};
use crate::runner::{self, Cmd};
use crate::settings::Settings;

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

/// A signing setting: framework value, else the environment (dkms never initialises these, so
/// the environment leaks in), with `$kernelver` expanded because dkms reads them lazily.
fn setting(value: &Option<String>, env_name: &str, kernel: &str) -> Option<String> {
    let raw = value
        .clone()
        .or_else(|| std::env::var(env_name).ok())
        .filter(|v| !v.is_empty())?;
    Some(
        raw.replace("${kernelver}", kernel)
            .replace("$kernelver", kernel),
    )
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
pub fn prepare(
    out: &Output,
    settings: &Settings,
    kernel: &str,
    config_path: &Path,
    config: &KernelConfig,
) -> Option<Signer> {
    let signer = decide(out, settings, kernel, config_path, config);
    out.blank();
    signer
}

fn decide(
    out: &Output,
    settings: &Settings,
    kernel: &str,
    config_path: &Path,
    config: &KernelConfig,
) -> Option<Signer> {
    let policy = setting(&settings.try_sign_modules, "try_sign_modules", kernel)
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
    let sign_file = setting(&settings.sign_file, "sign_file", kernel)
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
    let (key, cert) = mok_paths(settings, kernel);
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

/// The MOK key and certificate paths (framework value, environment, or the default pair).
pub fn mok_paths(settings: &Settings, kernel: &str) -> (String, PathBuf) {
    let ubuntu = settings.distro.id.starts_with("ubuntu");
    let key = setting(&settings.mok_signing_key, "mok_signing_key", kernel).unwrap_or_else(|| {
        if ubuntu {
            "/var/lib/shim-signed/mok/MOK.priv".into()
        } else {
            DEFAULT_MOK_KEY.into()
        }
    });
    let cert = setting(&settings.mok_certificate, "mok_certificate", kernel)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(if ubuntu {
                "/var/lib/shim-signed/mok/MOK.der"
            } else {
                DEFAULT_MOK_CERT
            })
        });
    (key, cert)
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
