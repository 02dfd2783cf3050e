//! `dkms ldtarball` (and `dkms add <tarball>`), spec §4.8: a tarball without
//! `dkms_main_tree/` is a plain source tarball, added as `add` does; a dkms tarball made by
//! mktarball loads its source into the source tree (then added) and every
//! `dkms_main_tree/<k>/<a>/` as a built module. A binaries-only tarball without a source in
//! the source tree gets its dkms.conf in a real `source/` directory (the version shows as
//! built, spec §11).

use std::path::Path;

use crate::commands::{add, Context};
use crate::error::{Error, IoContext, Result};
use crate::output::tarball as msg;
use crate::tree::AddState;

pub fn run(ctx: &Context) -> Result<()> {
    let archive = ctx.inv.archive.clone().unwrap_or_default();
    crate::settings::require_writable_tree(&ctx.settings)?;
    crate::settings::require_root()?;
    let scratch = add::unpack_tarball(ctx, &archive)?;
    let root = scratch.path();
    if !root.join("dkms_main_tree").is_dir() {
        let (module, version) = add::load_source_tarball(ctx, root)?;
        return add::add_loaded(ctx, Some(&module), Some(&version));
    }

    let source_conf = root.join("dkms_source_tree/dkms.conf");
    let binaries_conf = root.join("dkms_binaries_only/dkms.conf");
    let binaries = !source_conf.is_file();
    let conf = if !binaries {
        source_conf
    } else if binaries_conf.is_file() {
        binaries_conf
    } else {
        return Err(Error::dkms(7, msg::no_valid_conf(&archive)));
    };
    let (module, version) = add::package_of(ctx, &conf)?;
    add::refuse_escaping_names(&module, &version)?;
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
    let state = ctx.tree.add_state(&module, &version);
    let added = matches!(state, AddState::Added);
    if added && !ctx.inv.force {
        return Err(Error::dkms(8, msg::already_added(&module, &version)));
    }

    ctx.out.blank();
    ctx.out.line(msg::loading_tarball(&module, &version));
    let source_dir = ctx.tree.source_dir(&module, &version);
    // dkms.conf alone in a real source/ directory, where the source tree has nothing to link
    let conf_only = binaries && !source_dir.exists();
    if !binaries {
        add::copy_source(ctx, &root.join("dkms_source_tree"), &module, &version)?;
    } else if conf_only {
        let source = ctx.tree.source_link(&module, &version);
        ctx.out.line(msg::creating(&source));
        std::fs::create_dir_all(&source).at(&source)?;
        ctx.out.line(msg::copying_conf(&source));
        std::fs::copy(&conf, source.join("dkms.conf")).at(&conf)?;
    }
    let main_tree = root.join("dkms_main_tree");
    for kernel in sorted_dirs(&main_tree) {
        for arch in sorted_dirs(&main_tree.join(&kernel)) {
            let to = ctx.tree.kernel_arch_dir(&module, &version, &kernel, &arch);
            if to.exists() {
                if !ctx.inv.force {
                    ctx.out.warning(&[msg::already_exists(&to)]);
                    continue;
                }
                std::fs::remove_dir_all(&to).at(&to)?;
            }
            ctx.out.line(msg::loading_kernel(&to));
            add::copy_tree(&main_tree.join(&kernel).join(&arch), &to)?;
        }
    }
    if conf_only {
        return Ok(());
    }
    if matches!(state, AddState::BinaryOnly) {
        // the source now in the source tree takes the place of an earlier binaries-only
        // load's dkms.conf directory (dkms links into that directory and exits 0)
        let source = ctx.tree.source_link(&module, &version);
        std::fs::remove_dir_all(&source).at(&source)?;
    }
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
