//! The dkms tree (`/var/lib/dkms` by default) and the source tree (`/usr/src`): every path and
//! every state question goes through here, so that all actions agree with each other and with
//! bash dkms about what "added", "built" and "installed" mean (spec §4.1).

use std::path::{Path, PathBuf};

/// The three roots dkms works on.
#[derive(Debug, Clone)]
pub struct Tree {
    pub dkms_tree: PathBuf,
    pub source_tree: PathBuf,
    pub install_tree: PathBuf,
}

/// A module version's place in the tree as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddState {
    /// No `<m>/<v>/source` at all.
    NotAdded,
    /// `source` is a symlink to an existing directory.
    Added,
    /// `source` dangles, or is missing while `/usr/src/<m>-<v>` exists.
    Broken,
    /// `source` is a real directory (binary-only tarball load).
    BinaryOnly,
}

impl Tree {
    pub fn new(dkms_tree: PathBuf, source_tree: PathBuf, install_tree: PathBuf) -> Self {
        Tree {
            dkms_tree,
            source_tree,
            install_tree,
        }
    }

    pub fn module_dir(&self, module: &str) -> PathBuf {
        self.dkms_tree.join(module)
    }

    pub fn version_dir(&self, module: &str, version: &str) -> PathBuf {
        self.module_dir(module).join(version)
    }

    /// `<tree>/<m>/<v>/source`, the "added" marker.
    pub fn source_link(&self, module: &str, version: &str) -> PathBuf {
        self.version_dir(module, version).join("source")
    }

    /// `/usr/src/<m>-<v>`
    pub fn source_dir(&self, module: &str, version: &str) -> PathBuf {
        self.source_tree.join(format!("{module}-{version}"))
    }

    /// `<tree>/<m>/<v>/build`, the scratch copy of the source during a build.
    pub fn build_dir(&self, module: &str, version: &str) -> PathBuf {
        self.version_dir(module, version).join("build")
    }

    /// `<tree>/<m>/<v>/<k>/<a>`: exists with a `module/` subdirectory when built.
    pub fn kernel_arch_dir(
        &self,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
    ) -> PathBuf {
        self.version_dir(module, version).join(kernel).join(arch)
    }

    /// `<tree>/<m>/<v>/<k>/<a>/module`
    pub fn built_module_dir(
        &self,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
    ) -> PathBuf {
        self.kernel_arch_dir(module, version, kernel, arch)
            .join("module")
    }

    /// `<tree>/<m>/kernel-<k>-<a>`, the "installed" marker (a relative symlink).
    pub fn installed_link(&self, module: &str, kernel: &str, arch: &str) -> PathBuf {
        self.module_dir(module)
            .join(format!("kernel-{kernel}-{arch}"))
    }

    /// The relative target bash dkms writes into `kernel-<k>-<a>`.
    pub fn installed_link_target(version: &str, kernel: &str, arch: &str) -> PathBuf {
        Path::new(version).join(kernel).join(arch)
    }

    /// `<tree>/<m>/original_module/<k>/<a>`
    pub fn original_module_dir(&self, module: &str, kernel: &str, arch: &str) -> PathBuf {
        self.module_dir(module)
            .join("original_module")
            .join(kernel)
            .join(arch)
    }

    /// `<install_tree>/<k>`
    pub fn kernel_modules_dir(&self, kernel: &str) -> PathBuf {
        self.install_tree.join(kernel)
    }
}
