//! `dkms install` (spec §4.3, §4.4, §4.7, §6.4): build when needed, check versions against what
//! the kernel already has, archive originals, copy (or link) into the install tree, mark the
//! module installed, run depmod. A failure puts back what was there before.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::commands::build::{self, PrepCache};
use crate::commands::{uninstall, Context};
use crate::conf::ModuleConf;
use crate::error::{Error, IoContext, Result};
use crate::output::build as msg;
use crate::output::faults;
use crate::runner::{self, Cmd, Framing, MakeLog, Sink};
use crate::tree::Tree;

pub const MODULE_SUFFIXES: &[&str] = &[".ko", ".ko.gz", ".ko.xz", ".ko.zst"];

pub fn run(ctx: &Context) -> Result<()> {
    let (module, version) = crate::cli::module_version(&ctx.inv, "add")?;
    let targets = crate::cli::targets(&ctx.inv)?;
    crate::settings::require_root()?;
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
    crate::commands::each_kernel(ctx, &targets, |kernel, arch| {
        crate::commands::add::ensure_added(ctx, &module, &version)?;
        // dkms prepares (headers, signing prologue) on every build it starts, even for a kernel
        // named twice
        let mut preps = PrepCache::default();
        install_kernel(ctx, &module, &version, kernel, arch, &mut preps)
    })?;
    let first = targets.first().map(|(k, a)| (k.as_str(), a.as_str()));
    post_transaction(ctx, &module, &version, first);
    Ok(())
}

/// The directory under `<install_tree>/<k>` a module record goes to (spec §4.3).
pub fn install_location(ctx: &Context, dest_location: &str) -> String {
    Tree::install_location(
        &ctx.settings.distro,
        ctx.settings.addon_modules_dir.as_deref(),
        dest_location,
    )
}

/// The built copy of a module in `<k>/<a>/module/` (whatever its compression).
pub fn built_copy(module_dir: &Path, dest_name: &str) -> Option<PathBuf> {
    MODULE_SUFFIXES
        .iter()
        .map(|s| module_dir.join(format!("{dest_name}{s}")))
        .find(|p| p.is_file())
}

fn file_suffix(path: &Path, dest_name: &str) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix(dest_name))
        .unwrap_or(".ko")
        .to_string()
}

/// Every module file named `<name>.ko[.ext]` under `<install_tree>/<k>` (not following build/source).
fn same_named_modules(kernel_dir: &Path, name: &str) -> Vec<PathBuf> {
    let names: Vec<String> = MODULE_SUFFIXES
        .iter()
        .map(|s| format!("{name}{s}"))
        .collect();
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(kernel_dir)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| {
            e.depth() != 1 || !matches!(e.file_name().to_str(), Some("build" | "source"))
        })
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter(|e| names.iter().any(|n| e.file_name().to_str() == Some(n)))
        .map(|e| e.into_path())
        .collect();
    found.sort();
    found
}

/// What was done for one record, to undo it if the install fails later.
struct Placed {
    installed: PathBuf,
    /// The file that was at `installed` before (moved aside), restored on rollback.
    displaced: Option<PathBuf>,
}

pub fn install_kernel(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
    preps: &mut PrepCache,
) -> Result<()> {
    let module_dir = ctx.tree.built_module_dir(module, version, kernel, arch);
    if !module_dir.is_dir() {
        build::build_if_needed(ctx, module, version, kernel, arch, preps, false)?;
    }
    // an rpm upgrade transaction reinstalls over itself
    let mut force = ctx.inv.force || ctx.inv.rpm_safe_upgrade;
    let mut version_override = ctx.inv.force_version_override;
    apply_force_lists(ctx, module, &mut force, &mut version_override);

    let kernel_dir = ctx.tree.kernel_modules_dir(kernel);
    if !kernel_dir.is_dir() {
        return Err(Error::dkms(6, msg::install_dir_missing(&kernel_dir)));
    }
    let (conf, _, _) = build::effective_conf(ctx, module, version, kernel, arch, true)?;
    for r in conf.modules.iter().filter(|r| !r.excluded) {
        if built_copy(&module_dir, &r.dest_name).is_none() {
            return Err(Error::dkms(
                6,
                msg::missing_built_module(&r.dest_name, &module_dir),
            ));
        }
    }
    if ctx.tree.is_installed(module, version, kernel, arch) {
        if !force {
            ctx.out
                .line(msg::already_installed(module, version, kernel, arch));
            return Ok(());
        }
        uninstall::uninstall_kernel(ctx, module, version, kernel, arch)?;
        ctx.out.blank();
    }

    if let Some(code) =
        run_source_script(ctx, &conf, module, version, "PRE_INSTALL", "pre_install")?
    {
        if code != 0 && !force {
            return Err(Error::dkms(101, msg::pre_install_failed()));
        }
    }

    let first_install =
        std::fs::symlink_metadata(ctx.tree.installed_link(module, kernel, arch)).is_err();
    let originals = ctx.tree.original_module_dir(module, kernel, arch);
    let mut placed: Vec<Placed> = Vec::new();
    let mut archived: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| -> Result<usize> {
        let mut copied = 0;
        for r in conf.modules.iter().filter(|r| !r.excluded) {
            let Some(src) = built_copy(&module_dir, &r.dest_name) else {
                continue;
            };
            let suffix = file_suffix(&src, &r.dest_name);
            let location = install_location(ctx, &r.dest_location);
            let dest_dir = PathBuf::from(format!("{}{}", kernel_dir.display(), location));
            let dest = dest_dir.join(format!("{}{}", r.dest_name, suffix));

            if !force && obsoleted(ctx, &conf, kernel) {
                continue;
            }
            let may_install = force
                || version_override
                || version_check(ctx, &kernel_dir, kernel, &r.dest_name, &suffix, &src);
            if !may_install {
                continue;
            }
            if first_install {
                archive_original(
                    ctx,
                    &kernel_dir,
                    &location,
                    &r.dest_name,
                    &originals,
                    &mut archived,
                )?;
            }
            ctx.out.line(msg::installing(&dest));
            make_install_dir(ctx, &dest_dir, &src, &dest)?;
            let displaced = if std::fs::symlink_metadata(&dest).is_ok() {
                let aside = dest_dir.join(format!(".{}{}.dkms-old", r.dest_name, suffix));
                if let Err(e) = std::fs::rename(&dest, &aside) {
                    ctx.out.err_line(faults::cp_cannot_remove(&dest, &e));
                    return Err(Error::dkms(6, [faults::copying_failed(&src)]));
                }
                Some(aside)
            } else {
                None
            };
            placed.push(Placed {
                installed: dest.clone(),
                displaced,
            });
            let replacing = placed.last().is_some_and(|p| p.displaced.is_some());
            place_file(ctx, &src, &dest, replacing)?;
            copied += 1;
        }
        Ok(copied)
    })();
    let copied = match result {
        Ok(n) => n,
        Err(e) => {
            rollback(&placed, &archived);
            return Err(e);
        }
    };
    if copied == 0 && !conf.modules.is_empty() {
        rollback(&placed, &archived);
        return Err(Error::dkms(6, [msg::INSTALLATION_ABORTED]));
    }
    let link = ctx.tree.installed_link(module, kernel, arch);
    if let Err(e) = ctx.tree.write_installed_link(module, version, kernel, arch) {
        rollback(&placed, &archived);
        return Err(Error::io(link, e));
    }
    for p in &placed {
        if let Some(old) = &p.displaced {
            let _ = std::fs::remove_file(old);
        }
    }

    weak_modules(ctx, &conf, kernel, &placed, true);
    run_source_script(ctx, &conf, module, version, "POST_INSTALL", "post_install")?;

    if !run_depmod(ctx, kernel)? {
        ctx.out.error(&msg::depmod_failed(kernel));
        uninstall::uninstall_kernel(ctx, module, version, kernel, arch)?;
        return Err(Error::Exit(6));
    }
    if ctx.inv.modprobe_on_install || ctx.settings.modprobe_on_install {
        modprobe_if_running(ctx, kernel, &conf);
    }
    rebuild_dependents(ctx, module, version, kernel, arch, preps)
}

/// After `module` changed version on a kernel: reinstall every installed module that recorded
/// another version of it at build time (BUILD_DEPENDS_REBUILD, `.dep_<module>`).
fn rebuild_dependents(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
    preps: &mut PrepCache,
) -> Result<()> {
    for (other, other_version) in ctx.tree.module_versions() {
        if other == module || !ctx.tree.is_installed(&other, &other_version, kernel, arch) {
            continue;
        }
        let record = ctx
            .tree
            .kernel_arch_dir(&other, &other_version, kernel, arch)
            .join(format!(".dep_{module}"));
        let Ok(recorded) = std::fs::read_to_string(&record) else {
            continue;
        };
        // only an upgrade of the dependency rebuilds (reference: a downgrade keeps the record)
        if crate::conf::version_compare(version, recorded.trim()) != std::cmp::Ordering::Greater {
            continue;
        }
        let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &other, &other_version);
        ctx.out.blank();
        ctx.out
            .line(msg::rebuilding_for_dependencies(&other, &other_version));
        ctx.out.blank();
        uninstall::uninstall_kernel(ctx, &other, &other_version, kernel, arch)?;
        build::build_kernel(ctx, &other, &other_version, kernel, arch, preps)?;
        install_kernel(ctx, &other, &other_version, kernel, arch, preps)?;
    }
    Ok(())
}

/// `mkdir -p` of the install directory; when it fails, what dkms's `mkdir` and `cp` print.
fn make_install_dir(ctx: &Context, dest_dir: &Path, src: &Path, dest: &Path) -> Result<()> {
    let Err(e) = std::fs::create_dir_all(dest_dir) else {
        return Ok(());
    };
    // mkdir -p names the first directory it could not create
    let first_missing = dest_dir
        .ancestors()
        .take_while(|d| std::fs::symlink_metadata(d).is_err())
        .last()
        .unwrap_or(dest_dir);
    ctx.out.err_line(faults::mkdir_failed(first_missing, &e));
    let missing = std::io::Error::from_raw_os_error(nix::errno::Errno::ENOENT as i32);
    ctx.out.err_line(faults::cp_cannot_create(dest, &missing));
    Err(Error::dkms(6, [faults::copying_failed(src)]))
}

/// Put the built module in place: a copy written beside the target and renamed over it, or a
/// symlink into the dkms tree with `--symlink-modules`. A failed or partial copy (full file
/// system) is removed, so the install location never holds half a module.
fn place_file(ctx: &Context, src: &Path, dest: &Path, replacing: bool) -> Result<()> {
    let tmp = dest.with_file_name(format!(
        ".{}.dkms-new",
        dest.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("module")
    ));
    let _ = std::fs::remove_file(&tmp);
    // something that is not a file in the way of the temporary name: it is not ours to delete
    let obstacle = std::fs::symlink_metadata(&tmp).is_ok();
    let fail = |e: &std::io::Error, written: bool| {
        if !obstacle {
            let _ = std::fs::remove_file(&tmp);
        }
        ctx.out.err_line(if written {
            faults::cp_error_writing(dest, e)
        } else if replacing {
            // cp -f over an existing file: it could not open it, then not unlink it
            faults::cp_cannot_remove(dest, e)
        } else {
            faults::cp_cannot_create(dest, e)
        });
        Error::dkms(6, [faults::copying_failed(src)])
    };
    if ctx.inv.symlink_modules || ctx.settings.symlink_modules {
        if let Err(e) = std::os::unix::fs::symlink(src, &tmp) {
            return Err(fail(&e, false));
        }
    } else if let Err(e) = std::fs::copy(src, &tmp) {
        let written = !obstacle && std::fs::symlink_metadata(&tmp).is_ok();
        return Err(fail(&e, written));
    }
    std::fs::rename(&tmp, dest).map_err(|e| fail(&e, false))
}

fn rollback(placed: &[Placed], archived: &[(PathBuf, PathBuf)]) {
    for p in placed.iter().rev() {
        let _ = std::fs::remove_file(&p.installed);
        if let Some(old) = &p.displaced {
            let _ = std::fs::rename(old, &p.installed);
        }
    }
    for (from, to) in archived.iter().rev() {
        if let Some(dir) = from.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::rename(to, from);
        let _ = std::fs::remove_file(origin_file(to));
    }
}

fn origin_file(archived: &Path) -> PathBuf {
    PathBuf::from(format!("{}.origin", archived.display()))
}

/// The version sanity check: true when the module may be installed.
/// OBSOLETE_BY: the kernel has the module itself from that version on; dkms says so on stderr
/// and skips the module (with `--force` it installs anyway).
fn obsoleted(ctx: &Context, conf: &ModuleConf, kernel: &str) -> bool {
    let obsolete_by = conf.scalar("OBSOLETE_BY");
    if obsolete_by.is_empty()
        || crate::conf::version_compare(kernel, obsolete_by) == std::cmp::Ordering::Less
    {
        return false;
    }
    ctx.out.err_line("");
    for line in msg::obsoleted_by(obsolete_by) {
        ctx.out.err_line(line);
    }
    true
}

fn version_check(
    ctx: &Context,
    kernel_dir: &Path,
    kernel: &str,
    dest_name: &str,
    suffix: &str,
    new: &Path,
) -> bool {
    let existing = same_named_modules(kernel_dir, dest_name);
    if existing.len() != 1 {
        return true;
    }
    let old_path = &existing[0];
    let (Ok(old), Ok(new_info)) = (crate::modinfo::read(old_path), crate::modinfo::read(new))
    else {
        return true;
    };
    match (new_info.version(), old.version()) {
        (Some(nv), Some(ov)) => {
            use std::cmp::Ordering;
            match crate::kernel::compare_versions(nv, ov) {
                Ordering::Greater => true,
                Ordering::Equal if new_info.srcversion() == old.srcversion() => {
                    ctx.out.err_line(msg::same_version_installed(old_path, ov));
                    false
                }
                // the same version built from other sources: dkms installs it (the other copy
                // is archived as an original)
                Ordering::Equal => true,
                _ => {
                    ctx.out.error(&msg::not_newer(
                        &format!("{dest_name}{suffix}"),
                        nv,
                        kernel,
                        ov,
                    ));
                    false
                }
            }
        }
        _ => {
            let identical = match (new_info.srcversion(), old.srcversion()) {
                (Some(a), Some(b)) => a == b,
                // no srcversion either: compare the module bytes themselves
                _ => same_module_bytes(new, old_path),
            };
            if identical {
                ctx.out.err_line(msg::same_unversioned_installed(old_path));
                false
            } else {
                true
            }
        }
    }
}

fn same_module_bytes(a: &Path, b: &Path) -> bool {
    let read = |p: &Path| {
        std::fs::read(p)
            .ok()
            .and_then(|raw| crate::modinfo::decompress(p, raw))
    };
    match (read(a), read(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Move a module the kernel tree already has out of the way, remembering where it was.
fn archive_original(
    ctx: &Context,
    kernel_dir: &Path,
    location: &str,
    dest_name: &str,
    originals: &Path,
    archived: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<()> {
    let in_dir = |dir: PathBuf| {
        MODULE_SUFFIXES
            .iter()
            .map(|s| dir.join(format!("{dest_name}{s}")))
            .find(|p| p.is_file())
    };
    let candidate = in_dir(kernel_dir.join("extra"))
        .or_else(|| in_dir(kernel_dir.join("updates")))
        .or_else(|| {
            in_dir(PathBuf::from(format!(
                "{}{}",
                kernel_dir.display(),
                location
            )))
        });
    let (chosen, collisions) = match candidate {
        Some(c) => (Some(c), Vec::new()),
        None => {
            let all = same_named_modules(kernel_dir, dest_name);
            match all.len() {
                0 => (None, Vec::new()),
                1 => (all.into_iter().next(), Vec::new()),
                _ => (None, all),
            }
        }
    };
    if let Some(path) = chosen {
        let name = path.file_name().map(PathBuf::from).unwrap_or_default();
        let stored = originals.join(&name);
        if stored.exists() {
            ctx.out.line(msg::ORIGINAL_ALREADY_STORED);
            return Ok(());
        }
        ctx.out.line(msg::archiving_original(&path));
        std::fs::create_dir_all(originals).at(originals)?;
        if !move_file(ctx, &path, &stored) {
            return Ok(());
        }
        std::fs::write(origin_file(&stored), format!("{}\n", path.display()))
            .at(origin_file(&stored))?;
        archived.push((path, stored));
    }
    for path in collisions {
        let rel = path.strip_prefix(kernel_dir).unwrap_or(&path);
        let stored = originals.join("collisions").join(rel);
        if let Some(dir) = stored.parent() {
            std::fs::create_dir_all(dir).at(dir)?;
        }
        ctx.out.line(msg::archiving_original(&path));
        if move_file(ctx, &path, &stored) {
            archived.push((path, stored));
        }
    }
    Ok(())
}

/// `mv` of an original into the dkms tree. When the install tree will not let it go
/// (read-only), dkms's `mv` complains and dkms goes on; the original then stays where it is,
/// and, unlike dkms, no copy of it is left in the dkms tree posing as archived.
fn move_file(ctx: &Context, from: &Path, to: &Path) -> bool {
    if std::fs::rename(from, to).is_ok() {
        return true;
    }
    if let Err(e) = std::fs::copy(from, to) {
        let _ = std::fs::remove_file(to);
        ctx.out.err_line(faults::mv_failed(from, to, &e));
        return false;
    }
    match std::fs::remove_file(from) {
        Ok(()) => true,
        Err(e) => {
            let _ = std::fs::remove_file(to);
            ctx.out.err_line(faults::mv_cannot_remove(from, &e));
            false
        }
    }
}

/// `/usr/share/dkms/modules_to_force_install/*`: `<m>` forces the install, `<m>_version-override`
/// only skips the version check.
fn apply_force_lists(ctx: &Context, module: &str, force: &mut bool, version_override: &mut bool) {
    let Ok(dir) = std::fs::read_dir("/usr/share/dkms/modules_to_force_install") else {
        return;
    };
    for entry in dir.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for word in text.split_whitespace() {
            if word == module && !*force {
                ctx.out.line(msg::forcing_installation(module));
                *force = true;
            } else if word == format!("{module}_version-override") && !*version_override {
                ctx.out.line(msg::forcing_version_override(module));
                *version_override = true;
            }
        }
    }
}

/// POST_ADD / PRE_INSTALL / POST_INSTALL / POST_REMOVE: run from the source directory with the
/// output on the terminal. Returns the exit status, or `None` when there is no script.
pub fn run_source_script(
    ctx: &Context,
    conf: &ModuleConf,
    module: &str,
    version: &str,
    directive: &str,
    kind: &str,
) -> Result<Option<i32>> {
    let value = conf.scalar(directive);
    let mut words = value.split_whitespace();
    let Some(script) = words.next() else {
        return Ok(None);
    };
    let args: Vec<&str> = words.collect();
    let source = ctx.tree.source_link(module, version);
    let path = build::script_path(ctx, conf, script, &source);
    if !build::is_executable(&path) {
        ctx.out.blank();
        ctx.out.warning(&[msg::script_not_executable(kind)]);
        return Ok(None);
    }
    ctx.out.line(msg::running_script(kind));
    let mut argv: Vec<OsString> = vec![path.into_os_string()];
    argv.extend(args.iter().map(OsString::from));
    let cmd = Cmd::exec(argv).cwd(&source);
    let outcome = runner::invoke(&ctx.out, "", &cmd, Sink::Console, Framing::Silent, false)?;
    Ok(Some(outcome.code))
}

/// `Running depmod... done.` (spec §4.7). False when depmod itself failed.
pub fn run_depmod(ctx: &Context, kernel: &str) -> Result<bool> {
    let out = &ctx.out;
    let verbose = out.verbose;
    let kernel_dir = ctx.tree.kernel_modules_dir(kernel);
    let dep = kernel_dir.join("modules.dep");
    let disabled = ctx.inv.no_depmod || ctx.settings.no_depmod;
    if verbose {
        out.line(format!("do_depmod {kernel}"));
    } else {
        out.partial("Running depmod...");
    }
    if disabled || !dep.is_file() {
        if verbose && !disabled {
            out.line(msg::depmod_skipped(&dep));
        }
        out.line(" done.");
        return Ok(true);
    }
    let mut args: Vec<OsString> = vec!["depmod".into(), "-a".into()];
    // depmod only knows `<base>/lib/modules`: a private base whose lib/modules is the install
    // tree lets a sandboxed tree get a real modules.dep.
    let base = if ctx.tree.install_tree != Path::new("/lib/modules") {
        let base = tempfile::Builder::new()
            .prefix("dkms-depmod.")
            .tempdir_in(&ctx.settings.tmp_location)
            .or_else(|_| tempfile::tempdir())
            .at(&ctx.settings.tmp_location)?;
        let lib = base.path().join("lib");
        std::fs::create_dir_all(&lib).at(&lib)?;
        let target = std::fs::canonicalize(&ctx.tree.install_tree).at(&ctx.tree.install_tree)?;
        std::os::unix::fs::symlink(&target, lib.join("modules")).at(&lib)?;
        args.push("-b".into());
        args.push(base.path().as_os_str().to_owned());
        Some(base)
    } else {
        None
    };
    let system_map = PathBuf::from(format!("/boot/System.map-{kernel}"));
    if system_map.is_file() {
        args.push("-F".into());
        args.push(system_map.into_os_string());
    }
    args.push(kernel.into());
    let cmd = Cmd::exec(args);
    // depmod's own messages reach the terminal only in verbose mode
    let sink = if verbose {
        Sink::Console
    } else {
        Sink::Capture
    };
    let quiet = crate::output::Output::new(false);
    let outcome = runner::invoke(&quiet, "", &cmd, sink, Framing::Silent, false)?;
    drop(base);
    if !outcome.success() {
        out.line(format!("(bad exit status: {})", outcome.code));
        return Ok(false);
    }
    clean_empty_depmod(ctx, &kernel_dir);
    out.line(" done.");
    Ok(true)
}

/// After depmod: an empty modules.dep means no modules at all; dkms deletes the index files
/// (`rm -fv`, so verbose mode lists them) and the kernel directory when nothing else is left.
fn clean_empty_depmod(ctx: &Context, kernel_dir: &Path) {
    let dep = kernel_dir.join("modules.dep");
    if std::fs::metadata(&dep)
        .map(|m| m.len() != 0)
        .unwrap_or(true)
    {
        return;
    }
    let mut files: Vec<PathBuf> = ["alias", "dep", "devname", "softdep", "symbols", "weakdep"]
        .iter()
        .map(|n| kernel_dir.join(format!("modules.{n}")))
        .collect();
    let mut bins: Vec<String> = std::fs::read_dir(kernel_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("modules.") && n.ends_with(".bin"))
        .collect();
    bins.sort();
    files.extend(bins.into_iter().map(|n| kernel_dir.join(n)));
    for file in files {
        if std::fs::remove_file(&file).is_ok() && ctx.out.verbose {
            ctx.out.line(format!("removed '{}'", file.display()));
        }
    }
    let _ = std::fs::remove_dir(kernel_dir);
}

/// weak-modules on RHEL and SUSE families (unless NO_WEAK_MODULES=yes).
fn weak_modules(ctx: &Context, conf: &ModuleConf, kernel: &str, placed: &[Placed], add: bool) {
    let files: Vec<PathBuf> = placed.iter().map(|p| p.installed.clone()).collect();
    weak_modules_files(ctx, conf, kernel, &files, add);
}

pub fn weak_modules_files(
    ctx: &Context,
    conf: &ModuleConf,
    kernel: &str,
    files: &[PathBuf],
    add: bool,
) {
    if conf.scalar("NO_WEAK_MODULES").eq_ignore_ascii_case("yes") || files.is_empty() {
        return;
    }
    let id = ctx.settings.distro.id.as_str();
    let rhel = id.starts_with("rhel")
        || id.contains("rhel")
        || id.starts_with("centos")
        || id.starts_with("fedora");
    let suse = id.starts_with("sles") || id.starts_with("suse") || id.starts_with("opensuse");
    let (cmd, stdin_list) = if rhel && Path::new("/usr/sbin/weak-modules").is_file() {
        let op = if add {
            "--add-modules"
        } else {
            "--remove-modules"
        };
        (
            Cmd::exec(["/usr/sbin/weak-modules", "--no-initramfs", op]),
            true,
        )
    } else if suse && Path::new("/usr/lib/module-init-tools/weak-modules2").is_file() {
        let op = if add {
            "--add-kernel-modules"
        } else {
            "--remove-kernel-modules"
        };
        (
            Cmd::exec(["/usr/lib/module-init-tools/weak-modules2", op, kernel]),
            true,
        )
    } else {
        return;
    };
    ctx.out.line(if add {
        "Adding linked weak modules..."
    } else {
        "Removing linked weak modules..."
    });
    let list = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let Ok(tmp) = tempfile::NamedTempFile::new() else {
        return;
    };
    if std::fs::write(tmp.path(), format!("{list}\n")).is_err() {
        return;
    }
    let cmd = if stdin_list {
        cmd.stdin(tmp.path())
    } else {
        cmd
    };
    let _ = runner::quiet(&ctx.out, &cmd);
}

/// `--modprobe-on-install`: only when the target is the running kernel, load whatever the
/// present hardware asks for (every modalias under /sys), then let systemd-modules-load run
/// again, as dkms does. Quiet; failures change nothing.
fn modprobe_if_running(ctx: &Context, kernel: &str, conf: &ModuleConf) {
    let _ = conf;
    if kernel != crate::cli::host_kernel() {
        return;
    }
    let mut aliases: Vec<String> = walkdir::WalkDir::new("/sys/devices")
        .follow_links(false)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "modalias")
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    aliases.sort();
    aliases.dedup();
    for chunk in aliases.chunks(256) {
        let mut args: Vec<OsString> =
            vec!["modprobe".into(), "-a".into(), "-q".into(), "--".into()];
        args.extend(chunk.iter().map(OsString::from));
        let _ = runner::quiet(&ctx.out, &Cmd::exec(args));
    }
    if crate::kernel::in_path("systemctl") {
        let _ = runner::quiet(
            &ctx.out,
            &Cmd::exec(["systemctl", "restart", "systemd-modules-load.service"]),
        );
    }
}

/// `post_transaction`: a shell command run after a successful change, with `$kernelver` set,
/// logged (step format, no header) to `<dkms_tree>/post_transaction.log`.
/// framework.conf's `post_transaction`, run once at the end of an install, uninstall, unbuild
/// or remove (whatever it did), as dkms does: its text read again and expanded for the first
/// kernel/arch of the run, logged to `<dkms_tree>/post_transaction.log`.
pub fn post_transaction(ctx: &Context, module: &str, version: &str, first: Option<(&str, &str)>) {
    // dkms reads its framework files again only when the command was set at start-up
    if ctx.settings.post_transaction.is_none() {
        return;
    }
    let (kernel, arch) = first.unwrap_or(("", ""));
    let vars = crate::sign::BuildVars {
        kernel,
        arch,
        module,
        version,
    };
    let Some(command) =
        crate::sign::late_framework_value(&ctx.out, &ctx.settings, &vars, "post_transaction")
    else {
        return;
    };
    let Ok(mut log) = MakeLog::create_plain(&ctx.tree.dkms_tree.join("post_transaction.log"))
    else {
        return;
    };
    let _ = runner::invoke(
        &ctx.out,
        "Executing post-transaction command",
        // the command runs where dkms's variables are known
        &Cmd::shell(command).envs(&vars.env()),
        Sink::Log(&mut log),
        Framing::Step,
        false,
    );
}
