//! `dkms uninstall` (spec §4.4, §5.2, §6.5): take a module version out of a kernel, put back the
//! originals it replaced, run depmod.

use std::path::{Path, PathBuf};

use crate::commands::build;
use crate::commands::install::{self, MODULE_SUFFIXES};
use crate::commands::Context;
use crate::conf::ModuleRecord;
use crate::error::{Error, Result};
use crate::output::build as msg;
use crate::output::faults;
use crate::tree::{AddState, Tree};

pub fn run(ctx: &Context) -> Result<()> {
    let (module, version) = crate::cli::module_version(&ctx.inv, "uninstall")?;
    let requested = crate::cli::targets(&ctx.inv)?;
    crate::settings::require_root()?;
    for_each_kernel(ctx, &module, &version, requested, uninstall_kernel)
}

/// The common course of uninstall and unbuild: under the module's lock, check the version is in
/// the tree and intact, then work on each kernel/arch with a blank line between kernels.
pub fn for_each_kernel(
    ctx: &Context,
    module: &str,
    version: &str,
    requested: Vec<(String, String)>,
    mut per_kernel: impl FnMut(&Context, &str, &str, &str, &str) -> Result<()>,
) -> Result<()> {
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, module, version);
    require_in_tree(ctx, module, version)?;
    let targets = kernel_targets(ctx, module, version, requested);
    for (i, (kernel, arch)) in targets.iter().enumerate() {
        if i > 0 {
            ctx.out.blank();
        }
        per_kernel(ctx, module, version, kernel, arch)?;
    }
    let first = targets.first().map(|(k, a)| (k.as_str(), a.as_str()));
    install::post_transaction(ctx, module, version, first);
    Ok(())
}

/// The version must be in the tree (exit 3) and not broken (exit 4): working on a broken
/// version would leave installed files nobody tracks (its dkms.conf is gone).
pub fn require_in_tree(ctx: &Context, module: &str, version: &str) -> Result<()> {
    let in_tree = ctx.tree.version_dir(module, version).is_dir();
    match ctx.tree.add_state(module, version) {
        _ if !in_tree => Err(Error::dkms(
            3,
            crate::output::tree::not_in_tree(module, version),
        )),
        AddState::NotAdded => Err(Error::dkms(
            3,
            crate::output::tree::not_in_tree(module, version),
        )),
        AddState::Broken => Err(Error::dkms(
            4,
            crate::output::tree::broken_module(module, version),
        )),
        AddState::Added | AddState::BinaryOnly => Ok(()),
    }
}

/// The kernel/arch pairs of an uninstall/unbuild: with `--all`, every kernel/arch the version
/// is built for, in `sort -V` order.
pub fn kernel_targets(
    ctx: &Context,
    module: &str,
    version: &str,
    requested: Vec<(String, String)>,
) -> Vec<(String, String)> {
    if !ctx.inv.all {
        return requested;
    }
    let mut found: Vec<(String, String)> = ctx
        .tree
        .built_kernels(module, version)
        .into_iter()
        .map(|ka| (ka.kernel, ka.arch))
        .collect();
    found.sort_by(|x, y| {
        crate::version::sort_v_cmp(&format!("{}/{}", x.0, x.1), &format!("{}/{}", y.0, y.1))
    });
    found
}

/// Uninstall one module version from one kernel/arch, with dkms's messages.
pub fn uninstall_kernel(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> Result<()> {
    let link = ctx.tree.installed_link(module, kernel, arch);
    let target = std::fs::read_link(&link).ok();
    let Some(target) = target else {
        ctx.out
            .line(msg::not_installed(module, version, kernel, arch));
        return Ok(());
    };
    // the relative text dkms writes, or any link that resolves to this version's directory
    let active = target == Tree::installed_link_target(version, kernel, arch)
        || ctx.tree.is_installed(module, version, kernel, arch);
    if !active {
        ctx.out
            .line(msg::not_installed(module, version, kernel, arch));
        return Ok(());
    }
    ctx.out
        .line(msg::uninstall_header(module, version, kernel, arch));
    // dkms reads the conf here: a bad one stops the uninstall (exit 8), nothing is touched
    let (conf, _, _) = build::effective_conf(ctx, module, version, kernel, arch, false)?;
    ctx.out.line(msg::WAS_ACTIVE);

    let kernel_dir = ctx.tree.kernel_modules_dir(kernel);
    let built = ctx.tree.built_module_dir(module, version, kernel, arch);
    let mut deleted: Vec<PathBuf> = Vec::new();
    let records: Vec<ModuleRecord> = conf
        .modules
        .iter()
        .filter(|r| !r.excluded)
        .cloned()
        .collect();
    for r in &records {
        let mut locations = vec![install::install_location(ctx, &r.dest_location)];
        if !r.dest_location.is_empty() && !locations.contains(&r.dest_location) {
            locations.push(r.dest_location.clone());
        }
        // Only the dkms copy is deleted: the first file in the distribution's location, then
        // in DEST_MODULE_LOCATION, whose version and srcversion are the built copy's (as
        // dkms compares them, an unreadable file has neither).
        let identity = |p: &Path| {
            crate::modinfo::read(p)
                .map(|m| {
                    (
                        m.version().map(str::to_string),
                        m.srcversion().map(str::to_string),
                    )
                })
                .unwrap_or((None, None))
        };
        let ours = install::built_copy(&built, &r.dest_name)
            .map(|p| identity(&p))
            .unwrap_or((None, None));
        let before = deleted.len();
        let candidates = locations.iter().flat_map(|loc| {
            let dir = PathBuf::from(format!("{}{}", kernel_dir.display(), loc));
            MODULE_SUFFIXES
                .iter()
                .map(move |suffix| dir.join(format!("{}{}", r.dest_name, suffix)))
        });
        let dkms_copy = candidates
            .filter(|file| std::fs::symlink_metadata(file).is_ok())
            .find(|file| identity(file) == ours);
        if let Some(file) = dkms_copy {
            ctx.out.line(msg::deleting(&file));
            // moved aside first, deleted once every module is out: a tree that refuses the
            // change (read-only) keeps all of this version's files, and its install mark
            let aside = aside_name(&file);
            if let Err(e) = std::fs::rename(&file, &aside) {
                ctx.out.err_line(faults::rm_cannot_remove(&file, &e));
                for done in deleted.iter().rev() {
                    let _ = std::fs::rename(aside_name(done), done);
                }
                return Err(Error::dkms(
                    6,
                    faults::uninstall_failed(module, version, kernel, arch),
                ));
            }
            deleted.push(file);
        }
        if deleted.len() == before {
            let suffix = install::built_copy(&built, &r.dest_name)
                .and_then(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.strip_prefix(r.dest_name.as_str()))
                        .map(str::to_string)
                })
                .unwrap_or_else(|| ".ko".into());
            ctx.out.line(msg::module_not_found_within(
                &format!("{}{}", r.dest_name, suffix),
                &kernel_dir,
            ));
        }
    }

    for file in &deleted {
        let _ = std::fs::remove_file(aside_name(file));
        remove_empty_parents(file, &kernel_dir);
    }

    let legacy_originals = restore_originals(ctx, module, kernel, arch, &records);
    let _ = std::fs::remove_file(&link);
    install::weak_modules_files(ctx, &conf, kernel, &deleted, false);
    install::run_source_script(ctx, &conf, module, version, "POST_REMOVE", "post_remove")?;
    install::run_depmod(ctx, kernel)?;
    if legacy_originals {
        forget_originals(ctx, module, kernel, arch);
    }
    Ok(())
}

fn aside_name(file: &Path) -> PathBuf {
    file.with_file_name(format!(
        ".{}.dkms-del",
        file.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ))
}

/// Remove directories emptied by a deletion, up to (not including) the kernel directory.
fn remove_empty_parents(file: &Path, stop: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == stop || !d.starts_with(stop) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Put back archived originals. A `.origin` record names where the file came from; a file
/// without one (trees of dkms before 3.1.7), or whose record points outside the kernel's
/// module directory, goes back to its DEST_MODULE_LOCATION as old dkms did. Returns whether
/// that old way was used: dkms then forgets the archive only after depmod, with a message
/// (`forget_originals`). A file that cannot be put back stays archived.
fn restore_originals(
    ctx: &Context,
    module: &str,
    kernel: &str,
    arch: &str,
    records: &[ModuleRecord],
) -> bool {
    let dir = ctx.tree.original_module_dir(module, kernel, arch);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return false;
    };
    let kernel_dir = ctx.tree.kernel_modules_dir(kernel);
    let mut stored: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) != Some("origin") && p.is_file())
        .collect();
    stored.sort();
    let mut legacy = false;
    let mut kept = false;
    for file in stored {
        let Some(name) = file
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            kept = true;
            continue;
        };
        let origin = dir.join(format!("{name}.origin"));
        let recorded = std::fs::read_to_string(&origin)
            .ok()
            .map(|t| PathBuf::from(t.trim_end_matches('\n')));
        let target = match recorded {
            Some(path) if inside(&path, &kernel_dir) => {
                ctx.out.line(msg::restoring_original(&path));
                Some(path)
            }
            other => {
                if let Some(bad) = other {
                    ctx.out
                        .warning(&[msg::bad_original_location(&bad, &origin)]);
                }
                if !legacy {
                    ctx.out.line(msg::RESTORING_ORIGINAL_LEGACY);
                    legacy = true;
                }
                legacy_location(&kernel_dir, records, &name)
            }
        };
        let restored = target.is_some_and(|to| move_back(&file, &to));
        if restored {
            let _ = std::fs::remove_file(&origin);
        } else {
            kept = true;
        }
    }
    if !legacy && !kept {
        remove_archive(&dir);
    }
    legacy
}

/// After depmod, when originals went back the old way: forget the archive, with dkms's message.
fn forget_originals(ctx: &Context, module: &str, kernel: &str, arch: &str) {
    let dir = ctx.tree.original_module_dir(module, kernel, arch);
    ctx.out.line(msg::removing_originals(kernel, arch));
    let still_archived = std::fs::read_dir(&dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.path().is_file() && e.path().extension().and_then(|x| x.to_str()) != Some("origin")
        })
    });
    if !still_archived {
        remove_archive(&dir);
    }
}

/// `original_module/<k>/<a>` and the parents it leaves empty.
fn remove_archive(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    if let Some(kdir) = dir.parent() {
        let _ = std::fs::remove_dir(kdir);
        if let Some(odir) = kdir.parent() {
            let _ = std::fs::remove_dir(odir);
        }
    }
}

/// A recorded original location is trusted only below the kernel's module directory.
fn inside(path: &Path, kernel_dir: &Path) -> bool {
    use std::path::Component;
    path.is_absolute()
        && path.starts_with(kernel_dir)
        && path != kernel_dir
        && !path.components().any(|c| matches!(c, Component::ParentDir))
}

/// Where an original without a usable record goes: the DEST_MODULE_LOCATION of the record
/// that installs a module of that name.
fn legacy_location(kernel_dir: &Path, records: &[ModuleRecord], name: &str) -> Option<PathBuf> {
    let record = records.iter().find(|r| {
        MODULE_SUFFIXES
            .iter()
            .any(|s| name == format!("{}{}", r.dest_name, s))
    })?;
    let location = record.dest_location.trim_start_matches('/');
    Some(kernel_dir.join(location).join(name))
}

fn move_back(from: &Path, to: &Path) -> bool {
    if let Some(parent) = to.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if std::fs::rename(from, to).is_ok() {
        return true;
    }
    std::fs::copy(from, to).is_ok() && std::fs::remove_file(from).is_ok()
}
