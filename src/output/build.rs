//! The wording of build, install, uninstall, unbuild and signing (spec §4.6, §5.2, 3.4.3 texts).

use std::path::Path;

pub const SIGNING_DISABLED_BY_POLICY: &str =
    "Module signing is disabled by policy, modules won't be signed";
pub const SIGNING_IN_CHROOT: &str = "Running in chroot, modules won't be signed";
pub const SIGNING_NOT_SUPPORTED: &str =
    "The kernel is built without module signing facility, modules won't be signed";
pub const GENERATING_MOK: &str =
    "Certificate or key are missing, generating self signed certificate for MOK...";
pub const GENERATING_UBUNTU_MOK: &str =
    "Certificate or key are missing, generating them using update-secureboot-policy...";

pub fn config_not_found(path: &Path) -> String {
    format!(
        "Kernel config {} not found, modules won't be signed",
        path.display()
    )
}

pub fn sign_binary_missing(path: &Path) -> String {
    format!(
        "Binary {} not found, modules won't be signed",
        path.display()
    )
}

pub fn key_cannot_be_generated(key: &str) -> String {
    format!("Key file {key} not found and can't be generated, modules won't be signed")
}

pub fn already_built(m: &str, v: &str, k: &str, a: &str) -> String {
    format!("Module {m}/{v} already built for kernel {k} ({a}), skip. You may override by specifying --force.")
}

pub fn already_installed(m: &str, v: &str, k: &str, a: &str) -> String {
    format!("Module {m}/{v} already installed on kernel {k} ({a}), skip. You may override by specifying --force.")
}

pub fn not_built(m: &str, v: &str, k: &str, a: &str) -> String {
    format!("Module {m}/{v} is not built for kernel {k} ({a}). Skipping...")
}

pub fn not_installed(m: &str, v: &str, k: &str, a: &str) -> String {
    format!("Module {m}/{v} is not installed for kernel {k} ({a}). Skipping...")
}

pub fn headers_missing(k: &str, build: &Path, source: &Path) -> Vec<String> {
    vec![
        format!(
            "Your kernel headers for kernel {k} cannot be found at {} or {}.",
            build.display(),
            source.display()
        ),
        format!("Please install your distribution's kernel headers package matching {k}, or use the --kernelsourcedir option to tell DKMS where it's located."),
    ]
}

pub fn build_exclusive(tree_path: &Path, m: &str, v: &str) -> Vec<String> {
    vec![
        format!("The {}", tree_path.display()),
        format!("for module {m}/{v} includes BUILD_EXCLUSIVE directives"),
        "which do not match this kernel/arch/config for any modules.".into(),
        "This indicates that it should not be built.".into(),
    ]
}

pub fn bad_build_status(k: &str, a: &str, log: &Path) -> Vec<String> {
    vec![
        format!("Bad return status for module build on kernel: {k} ({a})"),
        format!("Consult {} for more information.", log.display()),
    ]
}

pub fn missing_ko(loc_name: &str, k: &str, a: &str, log: &Path) -> Vec<String> {
    vec![
        format!("Build of {loc_name}.ko failed for: {k} ({a})"),
        "Make sure the name and location of the generated module are correct,".into(),
        format!("or consult {} for more information.", log.display()),
    ]
}

pub fn missing_build_depends(m: &str, v: &str, k: &str, a: &str, deps: &str) -> Vec<String> {
    vec![format!(
        "Aborting build of module {m}/{v} for kernel {k} ({a}) due to missing BUILD_DEPENDS: {deps}."
    ), "You may override by specifying --force.".into()]
}

pub fn forced_build_depends(m: &str, v: &str, k: &str, a: &str, deps: &str) -> String {
    format!("Trying to build module {m}/{v} for kernel {k} ({a}) despite of missing BUILD_DEPENDS: {deps}.")
}

pub fn uninstall_header(m: &str, v: &str, k: &str, a: &str) -> String {
    format!("Module {m}/{v} for kernel {k} ({a}):")
}

pub const WAS_ACTIVE: &str = "Before uninstall, this module version was ACTIVE on this kernel.";
pub const WAS_INACTIVE: &str = "This module version was INACTIVE for this kernel.";

pub fn deleting(path: &Path) -> String {
    format!("Deleting {}", path.display())
}

pub fn installing(path: &Path) -> String {
    format!("Installing {}", path.display())
}

pub fn restoring_original(path: &Path) -> String {
    format!("Restoring archived original module {}", path.display())
}

/// Old dkms's restore of an original without a usable `.origin` record.
pub const RESTORING_ORIGINAL_LEGACY: &str = "Restoring archived original module";

pub fn bad_original_location(location: &Path, origin: &Path) -> String {
    format!(
        "Bad original location '{}' in {}",
        location.display(),
        origin.display()
    )
}

pub fn archiving_original(path: &Path) -> String {
    format!(
        "Found pre-existing {}, archiving for uninstallation",
        path.display()
    )
}

pub const ORIGINAL_ALREADY_STORED: &str =
    "An original module was already stored during a previous install";

pub fn removing_originals(k: &str, a: &str) -> String {
    format!("Removing original module(s) from DKMS tree for kernel {k} ({a})")
}

pub fn depmod_skipped(dep: &Path) -> String {
    format!("Skipping depmod because '{}' is missing.", dep.display())
}

pub fn not_newer(name: &str, new_version: &str, k: &str, old_version: &str) -> Vec<String> {
    vec![
        format!("Module version {new_version} for {name}"),
        format!("is not newer than what is already found in kernel {k} ({old_version})."),
        "You may override by specifying --force.".into(),
    ]
}

pub fn same_version_installed(path: &Path, version: &str) -> String {
    format!(
        "Module {} already installed at version {version}, override by specifying --force",
        path.display()
    )
}

pub fn same_unversioned_installed(path: &Path) -> String {
    format!(
        "Module {} already installed (unversioned module), override by specifying --force",
        path.display()
    )
}

pub const INSTALLATION_ABORTED: &str = "Installation aborted.";

pub fn obsoleted_by(kernel: &str) -> [String; 3] {
    [
        format!("Module has been obsoleted due to being included in kernel {kernel}."),
        format!("We will avoid installing for future kernels above {kernel}."),
        "You may override by specifying --force.".to_string(),
    ]
}

pub fn forcing_installation(m: &str) -> String {
    format!("Forcing installation of {m}")
}

pub fn forcing_version_override(m: &str) -> String {
    format!("Forcing version override of {m}")
}

pub fn script_not_executable(kind: &str) -> String {
    format!("The {kind} script is not executable.")
}

pub fn pre_install_failed() -> Vec<String> {
    vec![
        "pre_install failed, aborting install.".into(),
        "You may override by specifying --force.".into(),
    ]
}

pub fn lock_waiting(m: &str, v: &str) -> String {
    format!("Waiting for another dkms process working on {m}/{v}...")
}

pub fn install_dir_missing(dir: &Path) -> Vec<String> {
    vec![
        format!("The directory {} doesn't exist.", dir.display()),
        "You cannot install a module onto a non-existant kernel.".into(),
    ]
}

pub fn copy_failed(from: &Path, to: &Path) -> Vec<String> {
    vec![format!(
        "Failed to install {} to {}.",
        from.display(),
        to.display()
    )]
}

pub fn no_module_source(dir: &Path) -> [String; 2] {
    [
        format!(
            "The directory {} does not appear to have module source located within it.",
            dir.display()
        ),
        "Build halted.".to_string(),
    ]
}

pub fn missing_built_module(name: &str, dir: &Path) -> Vec<String> {
    vec![format!("Missing module {name} in {}", dir.display())]
}

pub fn depmod_failed(k: &str) -> Vec<String> {
    vec![
        format!("Problems with depmod detected. Automatically uninstalling this module."),
        format!(
            "Install Failed (depmod problems). Module rolled back to built state for kernel {k}."
        ),
    ]
}

pub fn consult_log(log: &Path) -> String {
    format!("Consult {} for more information.", log.display())
}

pub fn running_script(kind: &str) -> String {
    format!("Running the {kind} script:")
}

pub fn module_not_found_within(file_name: &str, kernel_dir: &Path) -> String {
    format!(
        "Module {file_name} was not found within {}/",
        kernel_dir.display()
    )
}

pub fn build_dir_exists(kernel: &str, dir: &Path) -> Vec<String> {
    vec![
        format!("This module/version has already been built on: {kernel}"),
        format!(
            "Directory {} already exists. Use the dkms remove function before trying to build again.",
            dir.display()
        ),
    ]
}

pub fn rebuilding_for_dependencies(m: &str, v: &str) -> String {
    format!("Rebuilding module {m}/{v} due to updated dependencies")
}
