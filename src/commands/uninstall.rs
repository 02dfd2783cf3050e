//! `dkms uninstall` (spec §6.5).

use crate::commands::Context;
use crate::error::Result;

pub fn run(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Ok(())
}

/// Uninstall one module version from one kernel/arch, with dkms's messages.
pub fn uninstall_kernel(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> Result<()> {
    let installed = ctx.tree.installed_link(module, kernel, arch);
    if std::fs::symlink_metadata(&installed).is_err() {
        ctx.out.line(format!(
            "Module {module}/{version} is not installed for kernel {kernel} ({arch}). Skipping..."
        ));
        return Ok(());
    }
    Ok(())
}
