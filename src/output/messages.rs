//! Fixed texts shared by several actions.

/// The version dkms scripts see: the upstream behaviour level we implement.
pub const DKMS_VERSION: &str = "dkms-3.4.3";

/// The second `--version --verbose` line: which implementation this is, and its own version.
pub fn implementation_version() -> String {
    format!(
        "{} (Rust reimplementation of dkms) {}",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    )
}

/// The usage text dkms prints (stdout) for `--help` and after an unknown option or action.
/// The first line names the program as bash's `$0` would: see [`program_path`].
pub fn usage() -> String {
    usage_for(&program_path())
}

/// The usage text with an explicit program path.
pub fn usage_for(program: &str) -> String {
    format!(
        "\
Usage: {program} [action] [options]
  [action]  = {{ add | remove | build | unbuild | install | uninstall | match |
               autoinstall | mktarball | ldtarball | status | generate_mok |
               kernel_preinst | kernel_postinst | kernel_prerm }}
  [options] = [-m module] [-v module-version] [-k kernel-version] [-a arch]
              [-c dkms.conf-location] [-q] [--force] [--force-version-override] [--all]
              [--templatekernel=kernel] [--directive='cli-directive=cli-value']
              [--config=kernel-include/config/auto.conf-location] [--archive=tarball-location]
              [--kernelsourcedir=source-location] [--rpm_safe_upgrade]
              [--dkmstree path] [--sourcetree path] [--installtree path]
              [--binaries-only] [--source-only] [--verbose]
              [--no-depmod] [--modprobe-on-install] [-j number] [--version] [--help]"
    )
}

/// What bash puts in `$0` for a script: the path it was started by when that contains a `/`,
/// otherwise the file found on `PATH` (the shell looked it up before the kernel started bash).
pub fn program_path() -> String {
    let argv0 = std::env::args_os()
        .next()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dkms".to_string());
    if argv0.contains('/') {
        return argv0;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = if dir.as_os_str().is_empty() {
            std::path::PathBuf::from(&argv0)
        } else {
            dir.join(&argv0)
        };
        if is_executable_file(&candidate) {
            return candidate.to_string_lossy().into_owned();
        }
    }
    argv0
}

fn is_executable_file(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
