//! `dkms kernel_preinst`, `kernel_postinst` and `kernel_prerm` (spec §6.6): what the kernel
//! package hooks run. postinst installs as autoinstall does; preinst takes out the modules that
//! autoinstall will build again, prerm every module built for the kernel; both run depmod once
//! at the end.

use crate::cli::Action;
use crate::commands::{autoinstall, build, install, uninstall, Context};
use crate::error::Result;
use crate::output::autoinstall as msg;

pub fn run(ctx: &Context, action: Action) -> Result<()> {
    let (kernel, arch) = crate::cli::single_target(&ctx.inv)?;
    match action {
        Action::KernelPostinst => {
            if autoinstall::autoinstall_disabled(ctx) {
                ctx.out.line(msg::DISABLED);
                return Ok(());
            }
            autoinstall::autoinstall(ctx, &kernel, &arch)
        }
        Action::KernelPreinst => remove_built(ctx, &kernel, &arch, true),
        _ => remove_built(ctx, &kernel, &arch, false),
    }
}

/// Uninstall and unbuild, for `kernel`, every built module version (only those with
/// AUTOINSTALL=yes when `autoinstall_only`), then run depmod once.
fn remove_built(ctx: &Context, kernel: &str, arch: &str, autoinstall_only: bool) -> Result<()> {
    let mut removed = 0;
    ctx.depmod_delayed.set(true);
    let result = (|| -> Result<()> {
        for (module, version) in ctx.tree.module_versions() {
            if !ctx.tree.is_built(&module, &version, kernel, arch) {
                continue;
            }
            if autoinstall_only {
                let wanted = build::read_conf(ctx, &module, &version, kernel, arch, false)
                    .is_ok_and(|c| c.scalar("AUTOINSTALL").eq_ignore_ascii_case("yes"));
                if !wanted {
                    continue;
                }
            }
            let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
            ctx.out
                .err_line(msg::removing_for_kernel(&module, &version, kernel, arch));
            uninstall::uninstall_kernel(ctx, &module, &version, kernel, arch)?;
            build::remove_built(ctx, &module, &version, kernel, arch);
            if !autoinstall_only {
                ctx.out.blank();
            }
            removed += 1;
        }
        Ok(())
    })();
    ctx.depmod_delayed.set(false);
    result?;
    if removed > 0 {
        install::run_depmod(ctx, kernel)?;
    }
    Ok(())
}
