//! `dkms remove` (spec §6.5): unbuild the requested kernels, then delete the module version
//! from the tree when no kernel is left. `/usr/src/<m>-<v>` is never touched.

use crate::commands::add::{machine_arch, running_kernel};
use crate::commands::unbuild::unbuild_kernel;
use crate::commands::Context;
use crate::error::{Error, IoContext, Result};
use crate::output::tree as msg;
use crate::tree::{AddState, KernelArch};
use crate::version::sort_v_cmp;

pub fn run(ctx: &Context) -> Result<()> {
    let (Some(module), Some(version)) = (ctx.inv.module.as_deref(), ctx.inv.version.as_deref())
    else {
        return Err(Error::dkms(1, msg::module_version_required("remove")));
    };
    require_removable(ctx, module, version)?;
    require_writable_tree(ctx)?;

    for tmp in ctx.tree.tmp_dirs(module, version) {
        std::fs::remove_dir_all(&tmp).at(&tmp)?;
    }
    for target in targets(ctx, module, version) {
        unbuild_kernel(ctx, module, version, &target.kernel, &target.arch)?;
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
    Ok(())
}

/// The version must be in the tree (exit 3) and not broken (exit 4).
pub fn require_removable(ctx: &Context, module: &str, version: &str) -> Result<()> {
    let in_tree = ctx.tree.version_dir(module, version).is_dir();
    match ctx.tree.add_state(module, version) {
        _ if !in_tree => Err(Error::dkms(3, msg::not_in_tree(module, version))),
        AddState::NotAdded => Err(Error::dkms(3, msg::not_in_tree(module, version))),
        AddState::Broken => Err(Error::dkms(4, msg::broken_module(module, version))),
        AddState::Added | AddState::BinaryOnly => Ok(()),
    }
}

/// Interim target rules until `cli::targets` lands on main: `--all` = every built kernel/arch
/// in `sort -V` order; else the `-k` list (default `uname -r`) with `-a` (default `uname -m`)
/// replicated or paired 1:1.
fn targets(ctx: &Context, module: &str, version: &str) -> Vec<KernelArch> {
    let inv = &ctx.inv;
    if inv.all {
        let mut built = ctx.tree.built_kernels(module, version);
        built.sort_by(|a, b| {
            sort_v_cmp(
                &format!("{}/{}", a.kernel, a.arch),
                &format!("{}/{}", b.kernel, b.arch),
            )
        });
        return built;
    }
    let kernels = if inv.kernels.is_empty() {
        vec![running_kernel()]
    } else {
        inv.kernels.clone()
    };
    kernels
        .into_iter()
        .enumerate()
        .map(|(i, kernel)| {
            let arch = match inv.arches.len() {
                0 => machine_arch(),
                1 => inv.arches[0].clone(),
                _ => inv.arches.get(i).cloned().unwrap_or_else(machine_arch),
            };
            KernelArch { kernel, arch }
        })
        .collect()
}

/// Interim permission rule (spec §2.2) until `settings::require_writable_tree` lands.
fn require_writable_tree(ctx: &Context) -> Result<()> {
    let tree = &ctx.tree.dkms_tree;
    if nix::unistd::access(tree, nix::unistd::AccessFlags::W_OK).is_err() {
        return Err(Error::dkms(
            1,
            [format!(
                "No write access to DKMS tree at {}",
                tree.display()
            )],
        ));
    }
    Ok(())
}
