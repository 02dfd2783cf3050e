//! `dkms ldtarball`: load a dkms tarball made by mktarball: the source into the source tree
//! (then added), and every `dkms_main_tree/<k>/<a>/` as a built module. A binaries-only
//! tarball gets its dkms.conf in a real `source/` directory (the version shows as built).

use std::path::Path;

use crate::commands::{add, Context};
use crate::error::{Error, IoContext, Result};
use crate::output::{tarball as msg, tree as tree_msg};

pub fn run(ctx: &Context) -> Result<()> {
    let archive = ctx.inv.archive.clone().unwrap_or_default();
    crate::settings::require_writable_tree(&ctx.settings)?;
    crate::settings::require_root()?;
    let scratch = add::unpack_tarball(ctx, &archive)?;
    let root = scratch.path();
    let binaries = root.join("dkms_binaries_only");
    let (module, version) = if binaries.is_dir() {
        let read = |name: &str| {
            std::fs::read_to_string(binaries.join(name))
                .map(|t| t.trim().to_string())
                .unwrap_or_default()
        };
        (read("PACKAGE_NAME"), read("PACKAGE_VERSION"))
    } else {
        let conf = root.join("dkms_source_tree/dkms.conf");
        if !conf.is_file() {
            return Err(Error::dkms(3, tree_msg::tarball_without_conf()));
        }
        add::package_of(ctx, &conf)?
    };
    let (module, version) =
        crate::cli::require_module_version(Some(&module), Some(&version), "ldtarball")?;
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
    if ctx.tree.has_source(&module, &version) {
        if ctx.inv.force {
            ctx.out.err_line("");
            ctx.out.line(tree_msg::forcing_install(&module, &version));
        }
        return Err(Error::dkms(3, tree_msg::already_added(&module, &version)));
    }

    ctx.out.blank();
    ctx.out.line(msg::loading_tarball(&module, &version));
    if binaries.is_dir() {
        // dkms.conf in a real source/ directory; dkms 3.2.2 then fails looking for the source
        // tree copy (spec §11: fixed, the version shows as built)
        let source = ctx.tree.source_link(&module, &version);
        ctx.out.line(msg::creating(&source));
        std::fs::create_dir_all(&source).at(&source)?;
        ctx.out.line(msg::copying_conf(&source));
        let conf = binaries.join("dkms.conf");
        if conf.is_file() {
            std::fs::copy(&conf, source.join("dkms.conf")).at(&conf)?;
        }
    }
    let main_tree = root.join("dkms_main_tree");
    for kernel in sorted_dirs(&main_tree) {
        for arch in sorted_dirs(&main_tree.join(&kernel)) {
            let to = ctx.tree.kernel_arch_dir(&module, &version, &kernel, &arch);
            ctx.out.line(msg::loading_kernel(&to));
            if to.exists() {
                std::fs::remove_dir_all(&to).at(&to)?;
            }
            add::copy_tree(&main_tree.join(&kernel).join(&arch), &to)?;
        }
    }
    if binaries.is_dir() {
        return Ok(());
    }
    add::place_source(ctx, &root.join("dkms_source_tree"), &module, &version)?;
    add::add_module(ctx, &module, &version)
}

fn sorted_dirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
