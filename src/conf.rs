//! dkms.conf as dkms uses it: evaluated by the `shell` module in dkms's context, passed through
//! dkms's serialisation round trip, then turned into a typed `ModuleConf` and validated with
//! dkms's messages (spec §3.1, §3.2, §5.5).

use std::collections::BTreeMap;
use std::path::PathBuf;

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

impl ModuleConf {
    /// Index 0 of a directive, or "" (what `$NAME` gives in bash).
    pub fn scalar(&self, name: &str) -> &str {
        self.directives
            .get(name)
            .and_then(|v| v.get(&0))
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
}

/// Evaluate a framework.conf-style file and return the values of `keys` that it sets (scalars).
/// Functions and other variables it defines are ignored, as in dkms.
pub fn eval_framework_file(
    path: &std::path::Path,
    keys: &[&str],
) -> crate::error::Result<BTreeMap<String, String>> {
    // Interim: plain `KEY=value` lines; the shell evaluator replaces this.
    let text = std::fs::read_to_string(path).map_err(|e| crate::error::Error::io(path, e))?;
    let mut found = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some((k, v)) = line.split_once('=') {
            if keys.contains(&k) {
                let v = v.trim_matches('"').trim_matches('\'');
                found.insert(k.to_string(), v.to_string());
            }
        }
    }
    Ok(found)
}
