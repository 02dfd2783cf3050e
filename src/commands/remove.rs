//! `dkms remove` (spec §6.5): unbuild the requested kernels, then delete the module version
//! from the tree when no kernel is left. `/usr/src/<m>-<v>` is never touched.

use crate::cli;
use crate::commands::unbuild::unbuild_kernel;
use crate::commands::Context;
use crate::error::{IoContext, Result};
use crate::output::tree as msg;
use crate::tree::KernelArch;
use crate::version::sort_v_cmp;

pub fn run(ctx: &Context) -> Result<()> {
    let (module, version) = cli::module_version(&ctx.inv, "remove")?;
    let (module, version) = (module.as_str(), version.as_str());
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, module, version);
    crate::commands::uninstall::require_in_tree(ctx, module, version)?;
    crate::settings::require_writable_tree(&ctx.settings)?;
    let targets = targets(ctx, module, version)?;

    for tmp in ctx.tree.tmp_dirs(module, version) {
        std::fs::remove_dir_all(&tmp).at(&tmp)?;
    }
    // dkms tidies the version directory (an empty build/ goes) before anything else, even when
    // the remove is then cancelled
    ctx.tree.remove_empty_subdirs(module, version);
    if ctx.inv.rpm_safe_upgrade
        && crate::tree::rpm_lock::take(&ctx.settings.tmp_location, module, version)
    {
        ctx.out.warning(&[msg::RPM_REMOVE_CANCELLED]);
        return Ok(());
    }
    for target in &targets {
        let (k, a) = (target.kernel.as_str(), target.arch.as_str());
        unbuild_kernel(ctx, module, version, k, a)?;
        ctx.out.blank();
    }
    ctx.tree.remove_empty_subdirs(module, version);
    if !ctx.tree.has_kernel_dirs(module, version) {
        ctx.out.line(msg::deleting_completely(module, version));
        let vdir = ctx.tree.version_dir(module, version);
        ctx.tree.remove_version(module, version).at(&vdir)?;
        let mdir = ctx.tree.module_dir(module);
        ctx.tree.remove_module_dir_if_empty(module).at(&mdir)?;
    }
    let first = targets
        .first()
        .map(|t| (t.kernel.as_str(), t.arch.as_str()));
    crate::commands::install::post_transaction(ctx, module, version, first);
    Ok(())
}

/// The `-k`/`-a` targets (default: the running kernel), or with `--all` every kernel/arch
/// the version is built for, in `sort -V` order.
fn targets(ctx: &Context, module: &str, version: &str) -> Result<Vec<KernelArch>> {
    if ctx.inv.all {
        let mut built = ctx.tree.built_kernels(module, version);
        built.sort_by(|a, b| {
            sort_v_cmp(
                &format!("{}/{}", a.kernel, a.arch),
                &format!("{}/{}", b.kernel, b.arch),
            )
        });
        return Ok(built);
    }
    Ok(cli::targets(&ctx.inv)?
        .into_iter()
        .map(|(kernel, arch)| KernelArch { kernel, arch })
        .collect())
}
