//! `dkms unbuild` (spec §6.5): uninstall, then delete the built copy.

use crate::commands::{build, uninstall, Context};
use crate::error::Result;
use crate::output::build as msg;

pub fn run(ctx: &Context) -> Result<()> {
    let (module, version) = build::module_and_version(ctx, "unbuild")?;
    let requested = build::targets(ctx)?;
    crate::settings::require_writable_tree(&ctx.settings)?;
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
    uninstall::require_in_tree(ctx, &module, &version)?;
    for (i, (kernel, arch)) in uninstall::kernel_targets(ctx, &module, &version, requested)
        .into_iter()
        .enumerate()
    {
        // a blank line between kernels
        if i > 0 {
            ctx.out.blank();
        }
        unbuild_kernel(ctx, &module, &version, &kernel, &arch)?;
    }
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
