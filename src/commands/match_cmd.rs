//! `dkms match` (spec §6.7): install for a kernel every module version installed for
//! `--templatekernel` (building it first when needed), as dkms 3.4 does.

use crate::commands::build::{self, PrepCache};
use crate::commands::{install, Context};
use crate::error::{Error, Result};
use crate::output::autoinstall as msg;
use crate::tree::AddState;

pub fn run(ctx: &Context) -> Result<()> {
    crate::settings::require_root()?;
    let Some(template) = ctx.inv.template_kernel.clone().filter(|t| !t.is_empty()) else {
        return Err(Error::dkms(1, msg::MATCH_USAGE));
    };
    let (kernel, arch) = crate::cli::single_target(&ctx.inv)?;
    if template == kernel {
        return Err(Error::dkms(2, [msg::MATCH_SAME_KERNEL]));
    }
    let only = ctx.inv.module.as_deref().filter(|m| !m.is_empty());
    if let Some(module) = only {
        if !ctx.tree.module_dir(module).is_dir() {
            return Err(Error::dkms(3, [msg::module_not_in_tree(module)]));
        }
    }
    let matching: Vec<(String, String)> = ctx
        .tree
        .module_versions()
        .into_iter()
        .filter(|(m, _)| only.is_none_or(|o| o == m))
        .filter(|(m, v)| ctx.tree.is_installed(m, v, &template, &arch))
        .collect();
    ctx.out.blank();
    for line in msg::matching(&kernel, &template, &arch) {
        ctx.out.line(line);
    }
    if matching.is_empty() {
        ctx.out.blank();
        ctx.out.line(msg::NOTHING_TO_MATCH);
        return Ok(());
    }
    let mut preps = PrepCache::default();
    for (module, version) in matching {
        if ctx.tree.add_state(&module, &version) == AddState::Broken {
            ctx.out
                .error(&crate::output::tree::broken_module(&module, &version));
            continue;
        }
        ctx.out.line(format!("Module:  {module}"));
        ctx.out.line(format!("Version: {version}"));
        let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
        build::build_if_needed(ctx, &module, &version, &kernel, &arch, &mut preps, false)?;
        if !ctx.tree.is_installed(&module, &version, &kernel, &arch) {
            install::install_kernel(ctx, &module, &version, &kernel, &arch, &mut preps)?;
        }
    }
    Ok(())
}
