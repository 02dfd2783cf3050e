//! The dkms tree (`/var/lib/dkms` by default) and the source tree (`/usr/src`): every path and
//! every state question goes through here, so that all actions agree with each other and with
//! bash dkms about what "added", "built" and "installed" mean (spec §4.1).
//!
//! Trees are shared with bash dkms in both directions, so everything here reads and writes the
//! exact layout bash dkms uses: an absolute `source` symlink, a relative `kernel-<k>-<a>` link,
//! `<k>/<a>/module/` as the "built" marker, and enumeration in bash glob order (byte order of
//! the whole `<module>/<version>` path, hidden entries skipped).

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

use crate::settings::Distro;

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

/// The state of one module version for one kernel/arch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelState {
    /// No `<k>/<a>/module/` directory.
    NotBuilt,
    /// `<k>/<a>/module/` exists, and `kernel-<k>-<a>` does not point at it.
    Built,
    /// Built, and `<m>/kernel-<k>-<a>` resolves to this version's `<k>/<a>`.
    Installed,
}

/// One kernel/arch pair a module version is built for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KernelArch {
    pub kernel: String,
    pub arch: String,
}

/// Version-directory entries that are not kernel directories (spec §6.5, remove).
pub const NON_KERNEL_ENTRIES: &[&str] =
    &["build", "tarball", "driver_disk", "rpm", "deb", "source"];

/// The compressed extensions a built or installed module may carry, in the order dkms tries
/// them.
pub const MODULE_EXTENSIONS: &[&str] = &["", ".gz", ".xz", ".zst"];

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

    // ----- states -------------------------------------------------------------------------

    /// Where `<m>/<v>` stands as a whole (spec §4.1).
    pub fn add_state(&self, module: &str, version: &str) -> AddState {
        // A version entry that is not a directory is foreign, whatever /usr/src holds.
        if !self.version_dir(module, version).is_dir() {
            return AddState::NotAdded;
        }
        let source = self.source_link(module, version);
        match std::fs::symlink_metadata(&source) {
            Ok(meta) if meta.file_type().is_symlink() => {
                if source.is_dir() {
                    AddState::Added
                } else {
                    AddState::Broken
                }
            }
            // A real directory is a binaries-only load (ldtarball) only while there is no
            // /usr/src copy; next to one it is broken, as dkms sees it.
            Ok(meta) if meta.is_dir() => {
                if self.source_dir(module, version).exists() {
                    AddState::Broken
                } else {
                    AddState::BinaryOnly
                }
            }
            // Missing, or a foreign file in its place: broken only if the sources exist.
            _ => {
                if self.source_dir(module, version).exists() {
                    AddState::Broken
                } else {
                    AddState::NotAdded
                }
            }
        }
    }

    /// What `add` refuses to add twice: `source` is a directory (through the link or real).
    pub fn has_source(&self, module: &str, version: &str) -> bool {
        self.source_link(module, version).is_dir()
    }

    /// `<k>/<a>/module/` is a directory.
    pub fn is_built(&self, module: &str, version: &str, kernel: &str, arch: &str) -> bool {
        self.built_module_dir(module, version, kernel, arch)
            .is_dir()
    }

    /// `kernel-<k>-<a>` resolves to this version's `<k>/<a>`. The link is normally the exact
    /// relative text bash dkms writes, which is checked first without touching the disk again.
    pub fn is_installed(&self, module: &str, version: &str, kernel: &str, arch: &str) -> bool {
        let link = self.installed_link(module, kernel, arch);
        let Ok(target) = std::fs::read_link(&link) else {
            return false;
        };
        if target == Self::installed_link_target(version, kernel, arch) {
            return self.kernel_arch_dir(module, version, kernel, arch).is_dir();
        }
        match (
            std::fs::canonicalize(&link),
            std::fs::canonicalize(self.kernel_arch_dir(module, version, kernel, arch)),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }

    /// The version `kernel-<k>-<a>` points at, if the link exists and has the dkms shape.
    pub fn installed_version(&self, module: &str, kernel: &str, arch: &str) -> Option<String> {
        let target = std::fs::read_link(self.installed_link(module, kernel, arch)).ok()?;
        let target = target.to_str()?;
        let suffix = format!("/{kernel}/{arch}");
        let version = target.strip_suffix(&suffix)?;
        let version = version.rsplit('/').next()?;
        (!version.is_empty()).then(|| version.to_string())
    }

    pub fn kernel_state(
        &self,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
    ) -> KernelState {
        if !self.is_built(module, version, kernel, arch) {
            KernelState::NotBuilt
        } else if self.is_installed(module, version, kernel, arch) {
            KernelState::Installed
        } else {
            KernelState::Built
        }
    }

    /// `original_module/<k>/<a>` exists.
    pub fn has_original_modules(&self, module: &str, kernel: &str, arch: &str) -> bool {
        self.original_module_dir(module, kernel, arch).exists()
    }

    // ----- enumeration --------------------------------------------------------------------

    /// Every `<module>/<version>` pair of the tree in bash glob order of `<tree>/*/*`: byte
    /// order of the joined path, hidden names skipped. Entries that are not module versions
    /// (`kernel-*` links, `original_module`, foreign files) are included, as in the glob; the
    /// caller decides by `add_state`.
    pub fn module_versions(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for module in visible_names(&self.dkms_tree) {
            let dir = self.dkms_tree.join(&module);
            // The glob descends through symlinked directories too; `read_dir` follows them.
            for version in visible_names(&dir) {
                pairs.push((module.clone(), version));
            }
        }
        sort_glob_order(&mut pairs);
        pairs
    }

    /// The versions of one module, in glob order.
    pub fn versions_of(&self, module: &str) -> Vec<String> {
        let mut versions = visible_names(&self.module_dir(module));
        versions.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        versions
    }

    /// The kernel/arch pairs `<m>/<v>` is built for, in glob order of `<v>/<digit>*/*` (kernel
    /// directories not starting with a digit are ignored, as by dkms).
    pub fn built_kernels(&self, module: &str, version: &str) -> Vec<KernelArch> {
        self.built_kernels_matching(module, version, None, None)
    }

    /// The kernel/arch pairs `<m>/<v>` is built for whose names match the bash glob patterns
    /// `kernel` (default `[0-9]*`) and `arch` (default `*`), in the order bash lists
    /// `<v>/<kernel>/<arch>`: by the bytes of `<kernel>/<arch>`.
    pub fn built_kernels_matching(
        &self,
        module: &str,
        version: &str,
        kernel: Option<&str>,
        arch: Option<&str>,
    ) -> Vec<KernelArch> {
        let vdir = self.version_dir(module, version);
        let mut out = Vec::new();
        for k in matching_names(&vdir, kernel.unwrap_or("[0-9]*")) {
            let kdir = vdir.join(&k);
            for a in matching_names(&kdir, arch.unwrap_or("*")) {
                if kdir.join(&a).join("module").is_dir() {
                    out.push(KernelArch {
                        kernel: k.clone(),
                        arch: a,
                    });
                }
            }
        }
        out.sort_by(|x, y| {
            let kx = [x.kernel.as_bytes(), b"/", x.arch.as_bytes()].concat();
            let ky = [y.kernel.as_bytes(), b"/", y.arch.as_bytes()].concat();
            kx.cmp(&ky)
        });
        out
    }

    /// The module versions whose module and version names match the bash glob patterns, in
    /// glob order (a literal module name is looked up directly).
    pub fn module_versions_matching(
        &self,
        module: Option<&str>,
        version: Option<&str>,
    ) -> Vec<(String, String)> {
        let modules: Vec<String> = match module {
            None => visible_names(&self.dkms_tree),
            Some(m) if !has_glob_chars(m) => vec![m.to_string()],
            Some(m) => matching_names(&self.dkms_tree, m),
        };
        let mut pairs = Vec::new();
        for m in modules {
            let dir = self.dkms_tree.join(&m);
            let versions = match version {
                None => visible_names(&dir),
                Some(v) if !has_glob_chars(v) => {
                    // bash keeps a literal path component only if the path exists
                    if std::fs::symlink_metadata(dir.join(v)).is_ok() {
                        vec![v.to_string()]
                    } else {
                        Vec::new()
                    }
                }
                Some(v) => matching_names(&dir, v),
            };
            pairs.extend(versions.into_iter().map(|v| (m.clone(), v)));
        }
        sort_glob_order(&mut pairs);
        pairs
    }

    /// Leftover in-progress build directories `<v>/<k>/.tmp_*` (spec §7).
    pub fn tmp_dirs(&self, module: &str, version: &str) -> Vec<PathBuf> {
        let vdir = self.version_dir(module, version);
        let mut found = Vec::new();
        for kernel in raw_names(&vdir) {
            let kdir = vdir.join(&kernel);
            if !kdir.is_dir() {
                continue;
            }
            for entry in raw_names(&kdir) {
                if entry.as_encoded_bytes().starts_with(b".tmp_") {
                    found.push(kdir.join(entry));
                }
            }
        }
        found.sort();
        found
    }

    /// Whether anything kernel-specific is left in `<m>/<v>`: an entry two levels down under
    /// a directory other than `build`, `source`, `tarball`, … (what `remove` checks before
    /// deleting the version).
    pub fn has_kernel_dirs(&self, module: &str, version: &str) -> bool {
        let vdir = self.version_dir(module, version);
        raw_names(&vdir).into_iter().any(|name| {
            if NON_KERNEL_ENTRIES.iter().any(|n| OsStr::new(n) == name) {
                return false;
            }
            let sub = vdir.join(&name);
            let is_real_dir = std::fs::symlink_metadata(&sub).is_ok_and(|m| m.is_dir());
            is_real_dir && !is_empty_dir(&sub)
        })
    }

    // ----- writing ------------------------------------------------------------------------

    /// Mark `<m>/<v>` added: `<m>/<v>/build/` and the absolute `source` link, as bash dkms
    /// writes them.
    pub fn create_source_link(&self, module: &str, version: &str, target: &Path) -> io::Result<()> {
        std::fs::create_dir_all(self.build_dir(module, version))?;
        let link = self.source_link(module, version);
        if std::fs::symlink_metadata(&link).is_ok() {
            std::fs::remove_file(&link)?;
        }
        std::os::unix::fs::symlink(target, link)
    }

    /// Point `kernel-<k>-<a>` at `<v>/<k>/<a>` with the relative target bash dkms uses,
    /// replacing an existing link atomically.
    pub fn write_installed_link(
        &self,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
    ) -> io::Result<()> {
        let link = self.installed_link(module, kernel, arch);
        let tmp = self
            .module_dir(module)
            .join(format!(".kernel-{kernel}-{arch}.new"));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(Self::installed_link_target(version, kernel, arch), &tmp)?;
        std::fs::rename(&tmp, &link)
    }

    /// Delete `<m>/<v>` entirely (never following the `source` link into `/usr/src`).
    pub fn remove_version(&self, module: &str, version: &str) -> io::Result<()> {
        let vdir = self.version_dir(module, version);
        match std::fs::symlink_metadata(&vdir) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&vdir),
            Ok(_) => std::fs::remove_file(&vdir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Delete the empty directories directly under `<m>/<v>` (an empty `build/`, kernel
    /// directories emptied by unbuild), as `remove` does before deciding what is left.
    pub fn remove_empty_subdirs(&self, module: &str, version: &str) {
        let vdir = self.version_dir(module, version);
        for name in raw_names(&vdir) {
            let sub = vdir.join(&name);
            let is_real_dir = std::fs::symlink_metadata(&sub).is_ok_and(|m| m.is_dir());
            if is_real_dir && is_empty_dir(&sub) {
                let _ = std::fs::remove_dir(&sub);
            }
        }
    }

    /// Delete `<m>/` if nothing is left in it.
    pub fn remove_module_dir_if_empty(&self, module: &str) -> io::Result<()> {
        let dir = self.module_dir(module);
        if dir.is_dir() && is_empty_dir(&dir) {
            match std::fs::remove_dir(&dir) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    // ----- install locations --------------------------------------------------------------

    /// The directory under `<install_tree>/<k>` a module record is installed into (spec §4.3),
    /// with a leading `/`: `ADDON_MODULES_DIR` when set, else the distribution's directory,
    /// else DEST_MODULE_LOCATION as written.
    pub fn install_location(
        distro: &Distro,
        addon_modules_dir: Option<&str>,
        dest_location: &str,
    ) -> String {
        if let Some(addon) = addon_modules_dir.filter(|a| !a.is_empty()) {
            return format!("/{}", addon.trim_start_matches('/'));
        }
        let id = distro.id.as_str();
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| id.starts_with(p));
        if starts(&["fedora", "centos", "rhel"]) {
            "/extra".to_string()
        } else if starts(&["sles", "suse", "opensuse"]) {
            "/updates".to_string()
        } else if starts(&["debian", "ubuntu", "arch"]) {
            "/updates/dkms".to_string()
        } else {
            dest_location.to_string()
        }
    }

    /// The first existing `<dir>/<name>.ko[.gz|.xz|.zst]`.
    pub fn find_module_file(dir: &Path, name: &str) -> Option<PathBuf> {
        MODULE_EXTENSIONS
            .iter()
            .map(|ext| dir.join(format!("{name}.ko{ext}")))
            .find(|p| p.is_file())
    }

    /// Kernels that have a `weak-updates` directory under the install tree, in byte order.
    pub fn weak_update_kernels(&self) -> Vec<String> {
        let mut kernels: Vec<String> = visible_names(&self.install_tree)
            .into_iter()
            .filter(|k| self.install_tree.join(k).join("weak-updates").is_dir())
            .collect();
        kernels.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        kernels
    }

    /// If `<install_tree>/<kernel>/weak-updates/[<location>/]<name>.ko*` is a symlink into
    /// another kernel's modules directory, that kernel's name. `location` is the module's
    /// install location (RHEL's weak-modules mirrors it under weak-updates; links directly in
    /// weak-updates are accepted too).
    pub fn weak_link_source_kernel(
        &self,
        kernel: &str,
        location: &str,
        name: &str,
    ) -> Option<String> {
        let weak_dir = self.install_tree.join(kernel).join("weak-updates");
        let location = location.trim_matches('/');
        let dirs = [weak_dir.clone(), weak_dir.join(location)];
        for dir in dirs.iter().take(if location.is_empty() { 1 } else { 2 }) {
            for ext in MODULE_EXTENSIONS {
                let link = dir.join(format!("{name}.ko{ext}"));
                let Ok(target) = std::fs::read_link(&link) else {
                    continue;
                };
                let absolute = if target.is_absolute() {
                    target
                } else {
                    dir.join(target)
                };
                let resolved = std::fs::canonicalize(&absolute).ok()?;
                let base = std::fs::canonicalize(&self.install_tree).ok()?;
                let rel = resolved.strip_prefix(&base).ok()?;
                let first = rel.components().next()?;
                let other = first.as_os_str().to_str()?.to_string();
                return (other != kernel).then_some(other);
            }
        }
        None
    }
}

/// Sort `(module, version)` pairs as bash sorts `<tree>/*/*` in the C locale: by the bytes of
/// `module/version`.
pub fn sort_glob_order(pairs: &mut [(String, String)]) {
    pairs.sort_by(|a, b| {
        let ka = [a.0.as_bytes(), b"/", a.1.as_bytes()].concat();
        let kb = [b.0.as_bytes(), b"/", b.1.as_bytes()].concat();
        ka.cmp(&kb)
    });
}

/// The names in `dir` the bash glob `pattern` matches, unsorted. A literal pattern matches
/// the existing entry of that name (hidden or not).
fn matching_names(dir: &Path, pattern: &str) -> Vec<String> {
    if !has_glob_chars(pattern) {
        let exists = std::fs::symlink_metadata(dir.join(pattern)).is_ok();
        return if exists && !pattern.is_empty() && !pattern.contains('/') {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    all_names(dir)
        .into_iter()
        .filter(|n| glob_match(pattern, n))
        .collect()
}

/// Whether bash would treat `s` as a glob pattern.
pub fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// bash pathname matching of one component: `*`, `?`, `[...]` (with `!`/`^` negation and
/// ranges), `\` escapes; a leading `.` must be matched literally.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    glob_bytes(pattern.as_bytes(), name.as_bytes())
}

fn glob_bytes(p: &[u8], n: &[u8]) -> bool {
    // Iterative matcher with backtracking to the last `*`.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = bracket(&p[pi..], n[ni]) {
                        if matched {
                            pi += next;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == b'[' {
                        // an unclosed `[` is an ordinary character
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == n[ni] {
                        pi += 2;
                        ni += 1;
                        continue;
                    }
                }
                c => {
                    if c == n[ni] {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

/// Match one byte against the bracket expression at the start of `p`: (matched, length of
/// the expression), or `None` when the bracket is not closed.
fn bracket(p: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        let ch = p[i];
        if ch == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if ch == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// The names in `dir` a bash `*` glob matches (not starting with `.`), unsorted; empty when
/// `dir` is missing or unreadable. Names that are not UTF-8 are skipped: dkms's own names
/// never are, and status lines must be text.
fn visible_names(dir: &Path) -> Vec<String> {
    all_names(dir)
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect()
}

/// Every name in `dir` as the file system has it (not necessarily UTF-8).
fn raw_names(dir: &Path) -> Vec<std::ffi::OsString> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok()).map(|e| e.file_name()).collect()
}

/// A readable directory with no entry at all (an unreadable one counts as not empty, so
/// nothing is deleted on a guess).
fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut rd| rd.next().is_none())
}

/// Every name in `dir`, hidden ones included.
fn all_names(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok())
        .filter_map(|e| os_to_string(&e.file_name()))
        .collect()
}

fn os_to_string(name: &OsStr) -> Option<String> {
    name.to_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn sandbox() -> (tempfile::TempDir, Tree) {
        let root = tempfile::tempdir().expect("tempdir");
        let tree = Tree::new(
            root.path().join("dkms"),
            root.path().join("src"),
            root.path().join("modules"),
        );
        fs::create_dir_all(&tree.dkms_tree).expect("mkdir");
        fs::create_dir_all(&tree.source_tree).expect("mkdir");
        fs::create_dir_all(&tree.install_tree).expect("mkdir");
        (root, tree)
    }

    fn add(tree: &Tree, m: &str, v: &str) {
        let src = tree.source_dir(m, v);
        fs::create_dir_all(&src).expect("mkdir");
        tree.create_source_link(m, v, &src).expect("link");
    }

    fn build(tree: &Tree, m: &str, v: &str, k: &str, a: &str) {
        fs::create_dir_all(tree.built_module_dir(m, v, k, a)).expect("mkdir");
    }

    #[test]
    fn not_added_without_source() {
        let (_root, tree) = sandbox();
        assert_eq!(tree.add_state("m", "1"), AddState::NotAdded);
    }

    #[test]
    fn added_with_source_link() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        assert_eq!(tree.add_state("m", "1"), AddState::Added);
        assert!(tree.has_source("m", "1"));
        assert!(tree.build_dir("m", "1").is_dir());
        let target = fs::read_link(tree.source_link("m", "1")).expect("link");
        assert!(target.is_absolute());
    }

    #[test]
    fn broken_when_link_dangles() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        fs::remove_dir(tree.source_dir("m", "1")).expect("rmdir");
        assert_eq!(tree.add_state("m", "1"), AddState::Broken);
        assert!(!tree.has_source("m", "1"));
    }

    #[test]
    fn broken_when_link_missing_but_source_dir_exists() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        fs::remove_file(tree.source_link("m", "1")).expect("rm");
        assert_eq!(tree.add_state("m", "1"), AddState::Broken);
    }

    #[test]
    fn foreign_files_are_not_module_versions() {
        let (_root, tree) = sandbox();
        fs::create_dir_all(tree.source_dir("m", "1")).expect("mkdir");
        fs::create_dir_all(tree.source_dir("m", "2")).expect("mkdir");
        fs::create_dir_all(tree.module_dir("m")).expect("mkdir");
        // a file where the version directory should be
        fs::write(tree.version_dir("m", "1"), "x").expect("write");
        assert_eq!(tree.add_state("m", "1"), AddState::NotAdded);
        // a file where the source link should be: broken only when the sources exist
        fs::create_dir_all(tree.version_dir("m", "2")).expect("mkdir");
        fs::write(tree.source_link("m", "2"), "x").expect("write");
        assert_eq!(tree.add_state("m", "2"), AddState::Broken);
        fs::create_dir_all(tree.version_dir("m", "3")).expect("mkdir");
        fs::write(tree.source_link("m", "3"), "x").expect("write");
        assert_eq!(tree.add_state("m", "3"), AddState::NotAdded);
    }

    #[test]
    fn binary_only_when_source_is_a_directory() {
        let (_root, tree) = sandbox();
        fs::create_dir_all(tree.source_link("m", "1")).expect("mkdir");
        assert_eq!(tree.add_state("m", "1"), AddState::BinaryOnly);
        assert!(tree.has_source("m", "1"));
    }

    #[test]
    fn built_and_installed() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        assert_eq!(
            tree.kernel_state("m", "1", "6.1", "x86_64"),
            KernelState::NotBuilt
        );
        build(&tree, "m", "1", "6.1", "x86_64");
        assert_eq!(
            tree.kernel_state("m", "1", "6.1", "x86_64"),
            KernelState::Built
        );
        tree.write_installed_link("m", "1", "6.1", "x86_64")
            .expect("link");
        assert_eq!(
            tree.kernel_state("m", "1", "6.1", "x86_64"),
            KernelState::Installed
        );
        assert_eq!(
            fs::read_link(tree.installed_link("m", "6.1", "x86_64")).expect("link"),
            PathBuf::from("1/6.1/x86_64")
        );
        assert_eq!(
            tree.installed_version("m", "6.1", "x86_64").as_deref(),
            Some("1")
        );
    }

    #[test]
    fn installed_link_to_other_version_is_only_built() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        add(&tree, "m", "2");
        build(&tree, "m", "1", "6.1", "x86_64");
        build(&tree, "m", "2", "6.1", "x86_64");
        tree.write_installed_link("m", "2", "6.1", "x86_64")
            .expect("link");
        assert_eq!(
            tree.kernel_state("m", "1", "6.1", "x86_64"),
            KernelState::Built
        );
        assert_eq!(
            tree.kernel_state("m", "2", "6.1", "x86_64"),
            KernelState::Installed
        );
    }

    #[test]
    fn absolute_installed_link_is_understood() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        build(&tree, "m", "1", "6.1", "x86_64");
        std::os::unix::fs::symlink(
            tree.kernel_arch_dir("m", "1", "6.1", "x86_64"),
            tree.installed_link("m", "6.1", "x86_64"),
        )
        .expect("link");
        assert_eq!(
            tree.kernel_state("m", "1", "6.1", "x86_64"),
            KernelState::Installed
        );
    }

    #[test]
    fn dangling_installed_link_is_not_installed() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        build(&tree, "m", "1", "6.1", "x86_64");
        std::os::unix::fs::symlink("9/6.1/x86_64", tree.installed_link("m", "6.1", "x86_64"))
            .expect("link");
        assert_eq!(
            tree.kernel_state("m", "1", "6.1", "x86_64"),
            KernelState::Built
        );
    }

    #[test]
    fn built_kernels_need_digit_and_module_dir() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        build(&tree, "m", "1", "6.1", "x86_64");
        build(&tree, "m", "1", "6.1", "i386");
        build(&tree, "m", "1", "10.0", "x86_64");
        build(&tree, "m", "1", "abc", "x86_64");
        fs::create_dir_all(tree.kernel_arch_dir("m", "1", "7.0", "x86_64")).expect("mkdir");
        fs::create_dir_all(
            tree.version_dir("m", "1")
                .join("6.1/.tmp_x86_64_abc/module"),
        )
        .expect("mkdir");
        let got: Vec<String> = tree
            .built_kernels("m", "1")
            .into_iter()
            .map(|ka| format!("{}/{}", ka.kernel, ka.arch))
            .collect();
        assert_eq!(got, ["10.0/x86_64", "6.1/i386", "6.1/x86_64"]);
    }

    #[test]
    fn enumeration_is_bash_glob_order() {
        let (_root, tree) = sandbox();
        for (m, v) in [
            ("a", "1.0"),
            ("a-b", "1.0"),
            ("a.b", "1.0"),
            ("a_b", "1.0"),
            ("Beta", "1.0"),
            ("10x", "1.0"),
            ("9x", "1.0"),
            ("a", "1.10"),
            ("a", "1.9"),
            ("a", "1A"),
            ("a", "1a"),
        ] {
            add(&tree, m, v);
        }
        fs::create_dir_all(tree.dkms_tree.join(".hidden/1.0")).expect("mkdir");
        let got: Vec<String> = tree
            .module_versions()
            .into_iter()
            .map(|(m, v)| format!("{m}/{v}"))
            .collect();
        assert_eq!(
            got,
            [
                "10x/1.0", "9x/1.0", "Beta/1.0", "a-b/1.0", "a.b/1.0", "a/1.0", "a/1.10", "a/1.9",
                "a/1A", "a/1a", "a_b/1.0"
            ]
        );
    }

    #[test]
    fn glob_patterns() {
        assert!(glob_match("hel*", "hello"));
        assert!(glob_match("h?llo", "hello"));
        assert!(glob_match("[67].0", "6.0"));
        assert!(!glob_match("[67].0", "8.0"));
        assert!(glob_match("[!6].0", "8.0"));
        assert!(glob_match("*", "a"));
        assert!(!glob_match("*", ".hidden"));
        assert!(glob_match(".h*", ".hidden"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("[0-9]*", "6.1.0-1-amd64"));
        assert!(!glob_match("[0-9]*", "abc"));
        assert!(glob_match("a[", "a["));
        assert!(glob_match("a\\*", "a*"));
        assert!(!glob_match("a\\*", "ab"));
    }

    #[test]
    fn kernels_sort_by_the_whole_path() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        build(&tree, "m", "1", "6.0", "x86_64");
        build(&tree, "m", "1", "6.0", "Z");
        build(&tree, "m", "1", "6.0-x", "a");
        let got: Vec<String> = tree
            .built_kernels("m", "1")
            .into_iter()
            .map(|ka| format!("{}/{}", ka.kernel, ka.arch))
            .collect();
        assert_eq!(got, ["6.0-x/a", "6.0/Z", "6.0/x86_64"]);
        let got = tree.built_kernels_matching("m", "1", Some("6.0"), Some("x*"));
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn tmp_dirs_and_kernel_dirs() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        let vdir = tree.version_dir("m", "1");
        fs::create_dir_all(vdir.join("7.0/.tmp_x86_64_abc/module")).expect("mkdir");
        fs::create_dir_all(vdir.join("tarball/x")).expect("mkdir");
        fs::create_dir_all(vdir.join("8.0")).expect("mkdir");
        assert_eq!(
            tree.tmp_dirs("m", "1"),
            vec![vdir.join("7.0/.tmp_x86_64_abc")]
        );
        assert!(tree.has_kernel_dirs("m", "1"));
        fs::remove_dir_all(vdir.join("7.0/.tmp_x86_64_abc")).expect("rm");
        assert!(!tree.has_kernel_dirs("m", "1"));
    }

    #[test]
    fn names_that_are_not_utf8_keep_a_version() {
        use std::os::unix::ffi::OsStrExt;
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        let odd = tree.version_dir("m", "1").join(OsStr::from_bytes(b"k\xff"));
        fs::create_dir_all(odd.join(OsStr::from_bytes(b"a\xfe"))).expect("mkdir");
        assert!(tree.has_kernel_dirs("m", "1"));
        tree.remove_empty_subdirs("m", "1");
        assert!(odd.is_dir());
    }

    #[test]
    fn remove_version_keeps_source_tree() {
        let (_root, tree) = sandbox();
        add(&tree, "m", "1");
        tree.remove_version("m", "1").expect("remove");
        tree.remove_module_dir_if_empty("m").expect("rmdir");
        assert!(!tree.module_dir("m").exists());
        assert!(tree.source_dir("m", "1").is_dir());
    }

    #[test]
    fn install_location_follows_distro() {
        let d = |id: &str| Distro {
            id: id.into(),
            running_distribution: id.into(),
            os_id: id.into(),
        };
        assert_eq!(
            Tree::install_location(&d("debian"), None, "/extra"),
            "/updates/dkms"
        );
        assert_eq!(
            Tree::install_location(&d("rhel centos fedora"), None, "/kernel"),
            "/extra"
        );
        assert_eq!(
            Tree::install_location(&d("opensuse"), None, "/kernel"),
            "/updates"
        );
        assert_eq!(
            Tree::install_location(&d("alpine"), None, "/kernel/extra"),
            "/kernel/extra"
        );
    }
}

/// `--rpm_safe_upgrade` (spec §7): during an rpm upgrade the new package's `add` runs before
/// the old package's `remove` of the same module/version, both from one rpm transaction
/// (the same grandparent process). `add` leaves a lock naming the module version and the
/// grandparent's start time; `remove` finding it cancels itself.
pub mod rpm_lock {
    use std::path::{Path, PathBuf};

    const PREFIX: &str = "dkms_rpm_safe_upgrade_lock.";

    /// Record the lock for `<m>-<v>` in `tmp_location`.
    pub fn record(tmp_location: &Path, module: &str, version: &str) -> std::io::Result<PathBuf> {
        let (gpid, start) = grandparent().unwrap_or((0, String::new()));
        let file = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{gpid}."))
            .rand_bytes(6)
            .tempfile_in(tmp_location)?;
        std::fs::write(file.path(), format!("{module}-{version}\n{start}\n"))?;
        let (_, path) = file.keep().map_err(|e| e.error)?;
        Ok(path)
    }

    /// Find and delete a lock of this transaction for `<m>-<v>`; true when one was found.
    pub fn take(tmp_location: &Path, module: &str, version: &str) -> bool {
        let Some((gpid, start)) = grandparent() else {
            return false;
        };
        let wanted = format!("{module}-{version}\n{start}\n");
        let prefix = format!("{PREFIX}{gpid}.");
        let Ok(entries) = std::fs::read_dir(tmp_location) else {
            return false;
        };
        for entry in entries.filter_map(|e| e.ok()) {
            let name = entry.file_name();
            if !name.to_string_lossy().starts_with(&prefix) {
                continue;
            }
            if std::fs::read_to_string(entry.path()).is_ok_and(|t| t == wanted) {
                let _ = std::fs::remove_file(entry.path());
                return true;
            }
        }
        false
    }

    /// Our parent's parent: its pid and its start time (clock ticks after boot).
    fn grandparent() -> Option<(u32, String)> {
        let parent = nix::unistd::getppid().as_raw();
        let gpid: u32 = stat_field(parent.try_into().ok()?, 4)?.parse().ok()?;
        let start = stat_field(gpid, 22)?;
        Some((gpid, start))
    }

    /// Field `n` (1-based, as in proc(5)) of `/proc/<pid>/stat`.
    fn stat_field(pid: u32, n: usize) -> Option<String> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // the command name (field 2) may hold spaces and parentheses
        let after = &text[text.rfind(')')? + 1..];
        after
            .split_whitespace()
            .nth(n.checked_sub(3)?)
            .map(str::to_string)
    }
}
