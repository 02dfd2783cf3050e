//! A hermetic sandbox for integration tests: its own dkms tree, source tree, install tree,
//! framework config directory and os-release, and a `dkms` command pointed at them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub struct Sandbox {
    pub root: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        for d in ["dkms", "src", "modules", "etc/dkms"] {
            std::fs::create_dir_all(root.path().join(d)).expect("mkdir");
        }
        std::fs::write(
            root.path().join("etc/os-release"),
            "ID=debian\nVERSION_ID=\"12\"\n",
        )
        .expect("os-release");
        Sandbox { root }
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }
    pub fn dkms_tree(&self) -> PathBuf {
        self.path().join("dkms")
    }
    pub fn source_tree(&self) -> PathBuf {
        self.path().join("src")
    }
    pub fn install_tree(&self) -> PathBuf {
        self.path().join("modules")
    }
    pub fn confdir(&self) -> PathBuf {
        self.path().join("etc/dkms")
    }

    /// `dkms` with the sandbox's environment, and the tree options appended after `args`.
    pub fn dkms(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("dkms").expect("dkms binary");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .env("DKMS_CONFDIR", self.confdir())
            .env("DKMS_OS_RELEASE", self.path().join("etc/os-release"))
            .env("mok_signing_key", self.path().join("mok.key"))
            .env("mok_certificate", self.path().join("mok.pub"))
            .env("TMPDIR", self.path())
            .current_dir(self.path())
            .args(args)
            .arg("--dkmstree")
            .arg(self.dkms_tree())
            .arg("--sourcetree")
            .arg(self.source_tree())
            .arg("--installtree")
            .arg(self.install_tree());
        cmd
    }

    /// Replace the sandbox root in `text` with `<ROOT>`, for golden comparisons.
    pub fn mask(&self, text: &str) -> String {
        text.replace(&self.path().display().to_string(), "<ROOT>")
    }

    /// Copy a fixture module (`fixtures/modules/<name>`) into the source tree as `<dest>`.
    pub fn copy_fixture(&self, name: &str, dest: &str) -> PathBuf {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/modules")
            .join(name);
        let to = self.source_tree().join(dest);
        copy_dir(&from, &to);
        to
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The kernel whose headers are installed: the first `/lib/modules/*/build/include`.
pub fn headers_kernel() -> Option<String> {
    let mut kernels: Vec<String> = std::fs::read_dir("/lib/modules")
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("build/include").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    kernels.sort();
    kernels.into_iter().next()
}
