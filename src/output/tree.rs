//! The wording of `add`, `status` and `remove` (dkms 3.4.3), and the `status --json` view.

use std::path::Path;

use serde_json::{json, Value};

// ----- status ----------------------------------------------------------------------------

pub fn status_added(module: &str, version: &str) -> String {
    format!("{module}/{version}: added")
}

pub fn status_broken(module: &str, version: &str) -> String {
    format!("{module}/{version}: broken")
}

pub fn status_broken_error(module: &str, version: &str) -> [String; 2] {
    [
        format!(
            "{module}/{version}: Missing the module source directory or the symbolic link pointing to it."
        ),
        "Manual intervention is required!".to_string(),
    ]
}

/// The part of a built/installed line that is printed before dkms.conf is read.
pub fn status_kernel_prefix(
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
    state: &str,
) -> String {
    format!("{module}/{version}, {kernel}, {arch}: {state}")
}

/// Installed-weak keeps dkms's old comma format.
pub fn status_weak(module: &str, version: &str, kernel: &str, arch: &str, from: &str) -> String {
    format!("{module}, {version}, {kernel}, {arch}: installed-weak from {from}")
}

pub const SUFFIX_ORIGINAL_MODULES: &str = " (Original modules exist)";
pub const SUFFIX_BUILT_MISSING: &str = " (Built modules are missing in the kernel modules folder)";
pub const SUFFIX_DIFFERS: &str = " (Differences between built and installed modules)";

/// One status fact, as the text line and the `--json` object both show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    pub module: String,
    pub version: String,
    pub kernel: Option<String>,
    pub arch: Option<String>,
    /// `added`, `broken`, `built`, `installed`, `installed-weak`
    pub state: &'static str,
    pub original_modules_exist: bool,
    pub built_modules_missing: bool,
    pub differs_from_installed: bool,
    pub weak_from: Option<String>,
}

impl StatusEntry {
    pub fn json(&self) -> Value {
        json!({
            "module": self.module,
            "version": self.version,
            "kernel": self.kernel,
            "arch": self.arch,
            "state": self.state,
            "original_modules_exist": self.original_modules_exist,
            "built_modules_missing": self.built_modules_missing,
            "differs_from_installed": self.differs_from_installed,
            "weak_from": self.weak_from,
        })
    }
}

/// The `--json` document: a pretty-printed array.
pub fn status_json(entries: &[StatusEntry]) -> String {
    let array = Value::Array(entries.iter().map(StatusEntry::json).collect());
    serde_json::to_string_pretty(&array).unwrap_or_else(|_| "[]".to_string())
}

// ----- add -------------------------------------------------------------------------------

pub fn creating_symlink(link: &Path, target: &Path) -> String {
    format!(
        "Creating symlink {} -> {}",
        link.display(),
        target.display()
    )
}

pub fn already_added(module: &str, version: &str) -> [String; 2] {
    [
        format!("DKMS tree already contains: {module}/{version}"),
        "You cannot add the same module/version combo more than once.".to_string(),
    ]
}

pub fn missing_source_dir(dir: &Path) -> [String; 2] {
    [
        "Could not find module source directory.".to_string(),
        format!("Directory: {} does not exist.", dir.display()),
    ]
}

/// dkms names the word it was given (`…/x./` for `…/xdkms.conf`); we know only the directory.
pub fn dir_without_conf(dir: &Path) -> String {
    format!("{}/ must contain a dkms.conf file!", dir.display())
}

pub fn missing_conf(file: &Path) -> [String; 2] {
    [
        "Could not locate dkms.conf file.".to_string(),
        format!("File: {} does not exist.", file.display()),
    ]
}

/// What follows `Deprecated feature: ` for a directive dkms ignores.
pub fn deprecated_directive(name: &str, file: &Path) -> String {
    format!("{name} ({})", file.display())
}

pub fn forcing_install(module: &str, version: &str) -> String {
    format!("Forcing install of {module}/{version}")
}

pub fn running_script(which: &str) -> String {
    format!("Running the {which} script:")
}

pub fn script_not_executable(which: &str) -> String {
    format!("The {which} script is not executable.")
}

pub fn tarball_without_conf() -> [String; 1] {
    ["Tarball does not appear to be a correctly formed DKMS archive. No dkms.conf found within it."
        .to_string()]
}

pub fn tarball_unsafe_member(archive: &Path, member: &str) -> [String; 2] {
    [
        format!("Archive member {member} would be written outside the extraction directory."),
        format!("Archive: {} was not loaded.", archive.display()),
    ]
}

// ----- remove ----------------------------------------------------------------------------

pub fn not_in_tree(module: &str, version: &str) -> [String; 1] {
    [format!(
        "The module/version combo: {module}/{version} is not located in the DKMS tree."
    )]
}

pub fn broken_module(module: &str, version: &str) -> [String; 3] {
    [
        format!("{module}/{version} is broken!"),
        "Missing the source directory or the symbolic link pointing to it.".to_string(),
        "Manual intervention is required!".to_string(),
    ]
}

pub fn deleting_completely(module: &str, version: &str) -> String {
    format!("Deleting module {module}/{version} completely from the DKMS tree.")
}

pub const RPM_REMOVE_CANCELLED: &str =
    "Remove cancelled because --rpm_safe_upgrade scenario detected.";
