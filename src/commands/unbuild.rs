//! `dkms unbuild` (spec §6.5): uninstall, then delete the built copy.

use crate::commands::{build, uninstall, Context};
use crate::error::Result;
use crate::output::build as msg;

pub fn run(ctx: &Context) -> Result<()> {
    let (module, version) = crate::cli::module_version(&ctx.inv, "unbuild")?;
    let requested = crate::cli::targets(&ctx.inv)?;
    crate::settings::require_writable_tree(&ctx.settings)?;
    uninstall::for_each_kernel(ctx, &module, &version, requested, unbuild_kernel)
}

/// Uninstall, then delete the built copy for one kernel/arch, with dkms's messages.
pub fn unbuild_kernel(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> Result<()> {
    // dkms reports the uninstall step even for a version that was never built.
    uninstall::uninstall_kernel(ctx, module, version, kernel, arch)?;
    let built = ctx.tree.kernel_arch_dir(module, version, kernel, arch);
    if !built.is_dir() {
        ctx.out.line(msg::not_built(module, version, kernel, arch));
        return Ok(());
    }
    build::remove_built(ctx, module, version, kernel, arch);
    Ok(())
}
