//! The settings every action runs with: framework.conf and framework.conf.d (evaluated like
//! dkms.conf, only known keys taken), the environment fallbacks dkms has, the command-line
//! overrides, and the distribution rules derived from os-release.

use std::path::PathBuf;

use crate::cli::Invocation;
use crate::error::Result;

/// Which family of distribution rules applies (install dir, sign-file path, weak-modules, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distro {
    /// dkms's "distro id": `ubuntu` if ID=ubuntu, else the whole ID_LIKE if set, else ID.
    pub id: String,
    /// `running_distribution` as dkms.conf sees it: first word of ID_LIKE, else ID.
    pub running_distribution: String,
    /// os-release ID as written.
    pub os_id: String,
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
    /// make -j value; `Some(0)` means plain `-j`.
    pub parallel_jobs: u32,
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
}

impl Settings {
    /// Read framework.conf(.d), the environment, os-release, then apply the command line.
    pub fn load(inv: &Invocation) -> Result<Settings> {
        // Interim: defaults and command-line overrides only; framework files come with the
        // settings work.
        let confdir = std::env::var_os("DKMS_CONFDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/etc/dkms"));
        let os_release = std::env::var_os("DKMS_OS_RELEASE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/etc/os-release"));
        Ok(Settings {
            confdir,
            os_release,
            distro: Distro {
                id: "debian".into(),
                running_distribution: "debian".into(),
                os_id: "debian".into(),
            },
            dkms_tree: inv
                .dkmstree
                .clone()
                .unwrap_or_else(|| PathBuf::from("/var/lib/dkms")),
            source_tree: inv
                .sourcetree
                .clone()
                .unwrap_or_else(|| PathBuf::from("/usr/src")),
            install_tree: inv
                .installtree
                .clone()
                .unwrap_or_else(|| PathBuf::from("/lib/modules")),
            tmp_location: std::env::temp_dir(),
            verbose: inv.verbose,
            symlink_modules: inv.symlink_modules,
            modprobe_on_install: inv.modprobe_on_install,
            no_depmod: inv.no_depmod,
            parallel_jobs: 1,
            compress_gzip_opts: String::new(),
            compress_xz_opts: "--check=crc32 --lzma2=dict=1MiB".into(),
            compress_zstd_opts: "-q --rm -T0".into(),
            post_transaction: None,
            build_environment: None,
            sign_file: None,
            mok_signing_key: None,
            mok_certificate: None,
            try_sign_modules: None,
            autoinstall_all_kernels: None,
        })
    }
}
