//! `dkms mktarball`: a dkms tarball of a module version: `dkms_main_tree/<k>/<a>/` (the built
//! modules and logs of the kernels asked for) and `dkms_source_tree/` (the source), or for
//! `--binaries-only` a `dkms_binaries_only/` with dkms.conf and the package name and version.

use std::path::{Path, PathBuf};

use crate::commands::{add, uninstall, Context};
use crate::error::{Error, IoContext, Result};
use crate::output::tarball as msg;

pub fn run(ctx: &Context) -> Result<()> {
    let (module, version) = crate::cli::module_version(&ctx.inv, "mktarball")?;
    let requested = crate::cli::targets(&ctx.inv)?;
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
    uninstall::require_in_tree(ctx, &module, &version)?;
    let targets = uninstall::kernel_targets(ctx, &module, &version, requested);
    let staging = tempfile::Builder::new()
        .prefix("dkms.")
        .tempdir_in(&ctx.settings.tmp_location)
        .at(&ctx.settings.tmp_location)?;
    let main_tree = staging.path().join("dkms_main_tree");
    std::fs::create_dir_all(&main_tree).at(&main_tree)?;

    if !ctx.inv.source_only {
        for (kernel, arch) in &targets {
            if !ctx.tree.is_built(&module, &version, kernel, arch) {
                return Err(Error::dkms(6, msg::not_built(kernel, arch)));
            }
            ctx.out.line(msg::marking_modules(kernel, arch));
            let from = ctx.tree.kernel_arch_dir(&module, &version, kernel, arch);
            add::copy_tree(&from, &main_tree.join(kernel).join(arch))?;
        }
    }
    ctx.out.blank();
    let source = ctx.tree.source_link(&module, &version);
    if ctx.inv.binaries_only {
        ctx.out.line(msg::BINARIES_STRUCTURE);
        ctx.out.blank();
        let dir = staging.path().join("dkms_binaries_only");
        std::fs::create_dir_all(&dir).at(&dir)?;
        let conf = source.join("dkms.conf");
        if conf.is_file() {
            std::fs::copy(&conf, dir.join("dkms.conf")).at(&conf)?;
        }
        std::fs::write(dir.join("PACKAGE_NAME"), format!("{module}\n")).at(&dir)?;
        std::fs::write(dir.join("PACKAGE_VERSION"), format!("{version}\n")).at(&dir)?;
    } else {
        ctx.out.line(msg::marking_source(&source));
        ctx.out.blank();
        add::copy_tree(&source, &staging.path().join("dkms_source_tree"))?;
    }

    let (archive, shown) = archive_path(ctx, &module, &version, &targets);
    if let Some(dir) = archive.parent() {
        std::fs::create_dir_all(dir).at(dir)?;
    }
    let status = std::process::Command::new("tar")
        .arg("-C")
        .arg(staging.path())
        .arg("-caf")
        .arg(&archive)
        .arg(".")
        .status()
        .at(&archive)?;
    if !status.success() {
        return Err(Error::dkms(6, [msg::tar_failed(&archive)]));
    }
    ctx.out.line(msg::location(&shown));
    Ok(())
}

/// `--archive` as given when absolute, else in `<m>/<v>/tarball/` (shown as dkms shows it, with
/// a doubled slash); the default name lists the kernels (spec §4.8).
fn archive_path(
    ctx: &Context,
    module: &str,
    version: &str,
    targets: &[(String, String)],
) -> (PathBuf, String) {
    let name = match ctx.inv.archive.as_deref() {
        Some(given) if given.is_absolute() => {
            return (given.to_path_buf(), given.display().to_string())
        }
        Some(given) => given.display().to_string(),
        None if ctx.inv.source_only => format!("{module}-{version}-source-only.dkms.tar.gz"),
        None => {
            // (`<m>-<v>-.dkms.tar.gz` when there is no kernel to list, as in dkms)
            let kernels: Vec<String> = targets
                .iter()
                .map(|(k, a)| format!("kernel{k}-{a}"))
                .collect();
            let mut list = kernels.join("-");
            if list.len() > 200 {
                list = "manykernels".to_string();
            }
            format!("{module}-{version}-{list}.dkms.tar.gz")
        }
    };
    let dir = ctx.tree.version_dir(module, version).join("tarball");
    let shown = format!("{}//{name}", dir.display());
    (dir.join(Path::new(&name)), shown)
}
