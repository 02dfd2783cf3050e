//! `dkms autoinstall` (spec §6.6): install, for one kernel, the newest version of every added
//! module that asks for it (AUTOINSTALL=yes), dependencies first, and report per module.

use std::collections::BTreeSet;

use crate::commands::build::{self, PrepCache};
use crate::commands::{install, Context};
use crate::error::{Error, Result};
use crate::output::autoinstall as msg;
use crate::tree::AddState;

pub fn run(ctx: &Context) -> Result<()> {
    if autoinstall_disabled(ctx) {
        ctx.out.line(msg::DISABLED);
        return Ok(());
    }
    let (kernel, arch) = crate::cli::single_target(&ctx.inv)?;
    autoinstall(ctx, &kernel, &arch)
}

/// `<confdir>/no-autoinstall` turns automatic installation off.
pub fn autoinstall_disabled(ctx: &Context) -> bool {
    std::fs::symlink_metadata(ctx.settings.confdir.join("no-autoinstall")).is_ok()
}

struct Candidate {
    module: String,
    version: String,
    depends: Vec<String>,
}

/// The newest added version of each module (in the tree's order) that wants autoinstall and is
/// not installed yet for `kernel`/`arch`.
fn candidates(ctx: &Context, kernel: &str, arch: &str) -> Vec<Candidate> {
    let mut newest: Vec<(String, String)> = Vec::new();
    for (module, version) in ctx.tree.module_versions() {
        match newest.iter_mut().find(|(m, _)| *m == module) {
            Some((_, v)) => {
                if crate::conf::version_compare(&version, v) == std::cmp::Ordering::Greater {
                    *v = version;
                }
            }
            None => newest.push((module, version)),
        }
    }
    let mut found = Vec::new();
    for (module, version) in newest {
        match ctx.tree.add_state(&module, &version) {
            AddState::Added | AddState::BinaryOnly => {}
            AddState::Broken => {
                ctx.out
                    .error(&crate::output::tree::broken_module(&module, &version));
                continue;
            }
            AddState::NotAdded => continue,
        }
        if ctx.tree.is_installed(&module, &version, kernel, arch) {
            continue;
        }
        let Ok(conf) = build::read_conf(ctx, &module, &version, kernel, arch, false) else {
            continue;
        };
        if !conf.scalar("AUTOINSTALL").eq_ignore_ascii_case("yes") {
            continue;
        }
        let depends = conf
            .array("BUILD_DEPENDS")
            .into_iter()
            .map(|(_, d)| d.to_string())
            .filter(|d| !d.is_empty())
            .collect();
        found.push(Candidate {
            module,
            version,
            depends,
        });
    }
    found
}

pub fn autoinstall(ctx: &Context, kernel: &str, arch: &str) -> Result<()> {
    let mut pending = candidates(ctx, kernel, arch);
    let mut preps = PrepCache::default();
    if let Some(first) = pending
        .iter()
        .find(|c| !ctx.tree.is_built(&c.module, &c.version, kernel, arch))
    {
        // the headers check and the signing prologue, once, before the first module
        let vars = crate::sign::BuildVars {
            kernel,
            arch,
            module: &first.module,
            version: &first.version,
        };
        build::prepare_ahead(ctx, &mut preps, &vars)?;
    }
    let mut succeeded: Vec<String> = Vec::new();
    let mut installed: Vec<(String, String)> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut failed: Vec<(String, i32)> = Vec::new();
    loop {
        let waiting: BTreeSet<String> = pending.iter().map(|c| c.module.clone()).collect();
        let failed_names: BTreeSet<&str> = failed.iter().map(|(m, _)| m.as_str()).collect();
        // a module waits while a dependency is still to be installed (or failed)
        let Some(index) = pending.iter().position(|c| {
            c.depends
                .iter()
                .all(|d| !waiting.contains(d) && !failed_names.contains(d.as_str()))
        }) else {
            break;
        };
        let c = pending.remove(index);
        ctx.out
            .line(msg::autoinstall_of(&c.module, &c.version, kernel, arch));
        let result = {
            let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &c.module, &c.version);
            install::install_kernel(ctx, &c.module, &c.version, kernel, arch, &mut preps)
        };
        match result {
            Ok(()) => {
                installed.push((c.module.clone(), c.version.clone()));
                succeeded.push(c.module);
            }
            Err(Error::Exit(77)) => skipped.push(c.module),
            Err(e) => {
                let code = e.report(&ctx.out);
                failed.push((c.module, code));
            }
        }
        ctx.out.blank();
        if crate::runner::interrupted() {
            return Err(Error::Exit(crate::runner::interrupted_exit_code()));
        }
    }
    // what still waits has a dependency that failed or never came
    for c in pending {
        failed.push((c.module, 13));
    }
    if !succeeded.is_empty() {
        ctx.out.line(msg::succeeded(kernel, &succeeded));
    }
    if !skipped.is_empty() {
        ctx.out.line(msg::skipped(kernel, &skipped));
    }
    if !failed.is_empty() {
        ctx.out.line(msg::failed(kernel, &failed));
    }
    // dkms means to run post_transaction when something was installed but never does (spec
    // §11: fixed)
    if let Some((module, version)) = installed.first() {
        install::post_transaction(ctx, module, version, Some((kernel, arch)));
    }
    if !failed.is_empty() {
        return Err(Error::dkms(11, msg::FAILED_ERROR));
    }
    Ok(())
}
