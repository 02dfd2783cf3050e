//! `dkms add` (spec §6.2, §4.2): register `/usr/src/<m>-<v>` in the dkms tree, after copying it
//! there from a directory or a source tarball when one was given.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::commands::Context;
use crate::conf::ModuleConf;
use crate::error::{Error, IoContext, Result};
use crate::output::tree as msg;
use crate::tree::AddState;

pub fn run(ctx: &Context) -> Result<()> {
    let inv = &ctx.inv;
    let mut module = inv.module.clone();
    let mut version = inv.version.clone();

    // A directory or tarball is loaded only when neither module nor version was named.
    let needs_loading = module.is_none() && version.is_none();
    if needs_loading && (inv.archive.is_some() || inv.source_dir.is_some()) {
        // Copying into the source tree is a system change (spec §2.2); dkms checks the tree
        // first.
        crate::settings::require_writable_tree(&ctx.settings)?;
        crate::settings::require_root()?;
    }
    if needs_loading {
        if inv.archive.is_some() {
            // a source tarball or a dkms tarball: ldtarball tells them apart
            return crate::commands::ldtarball::run(ctx);
        }
        if let Some(dir) = &inv.source_dir {
            let (m, v) = load_source_dir(ctx, dir)?;
            module = Some(m);
            version = Some(v);
        }
    }
    add_loaded(ctx, module.as_deref(), version.as_deref())
}

/// The end of `add` once the source is in the source tree.
pub fn add_loaded(ctx: &Context, module: Option<&str>, version: Option<&str>) -> Result<()> {
    let inv = &ctx.inv;
    let (module, version) = crate::cli::require_module_version(module, version, "add")?;
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
    if inv.rpm_safe_upgrade {
        let tmp = &ctx.settings.tmp_location;
        crate::tree::rpm_lock::record(tmp, &module, &version).at(tmp)?;
    }
    add_module(ctx, &module, &version)
}

/// Add `/usr/src/<m>-<v>` (already in place) to the tree: the part of `add` every caller
/// shares (build and install auto-add through here too).
pub fn add_module(ctx: &Context, module: &str, version: &str) -> Result<()> {
    crate::settings::require_writable_tree(&ctx.settings)?;
    if ctx.tree.has_source(module, version) {
        return Err(Error::dkms(3, msg::already_added(module, version)));
    }
    let source_dir = ctx.tree.source_dir(module, version);
    if !source_dir.is_dir() {
        return Err(Error::dkms(2, msg::missing_source_dir(&source_dir)));
    }
    let conf_path = ctx
        .inv
        .conf_file
        .clone()
        .unwrap_or_else(|| source_dir.join("dkms.conf"));
    let kernel = first_kernel(ctx);
    let conf = read_conf_strict(ctx, &conf_path, module, version, &kernel)?;

    let link = ctx.tree.source_link(module, version);
    ctx.out.line(msg::creating_symlink(&link, &source_dir));
    ctx.tree
        .create_source_link(module, version, &source_dir)
        .at(&link)?;

    let post_add = conf.scalar("POST_ADD").to_string();
    if !post_add.is_empty() {
        run_module_script(ctx, module, version, "post_add", &post_add)?;
    }
    Ok(())
}

/// The kernel dkms.conf sees during `add`: the first `-k`, else the running kernel.
fn first_kernel(ctx: &Context) -> String {
    ctx.inv
        .kernels
        .first()
        .cloned()
        .unwrap_or_else(crate::cli::host_kernel)
}

/// A POST_ADD/PRE_INSTALL/POST_INSTALL/POST_REMOVE script: run from the module's source
/// directory with its output on the terminal; its non-zero exit status becomes dkms's.
pub fn run_module_script(
    ctx: &Context,
    module: &str,
    version: &str,
    which: &str,
    command_line: &str,
) -> Result<()> {
    let source = ctx.tree.source_link(module, version);
    let mut words = command_line.split_whitespace();
    let Some(script) = words.next() else {
        return Ok(());
    };
    let override_script = ctx.settings.confdir.join(module).join(script);
    let script_path = if is_executable(&override_script) {
        override_script
    } else {
        source.join(script)
    };
    if !is_executable(&script_path) {
        ctx.out.blank();
        ctx.out.warning(&[msg::script_not_executable(which)]);
        return Ok(());
    }
    ctx.out.line(msg::running_script(which));
    let status = Command::new(&script_path)
        .args(words)
        .current_dir(&source)
        // dkms `cd`s through the link, so the script's logical $PWD is the link path.
        .env("PWD", &source)
        .status()
        .at(&script_path)?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Error::Exit(code)),
        None => Err(Error::Exit(1)),
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Auto-add for build and install: a module whose source is in the source tree goes through
/// `add_module` (add's output, then the blank line that separates it from what follows); a
/// broken module stops here (exit 4).
pub fn ensure_added(ctx: &Context, module: &str, version: &str) -> Result<()> {
    let in_tree = std::fs::symlink_metadata(ctx.tree.version_dir(module, version)).is_ok();
    match ctx.tree.add_state(module, version) {
        AddState::Added | AddState::BinaryOnly => Ok(()),
        // source in /usr/src but nothing in the tree yet: simply not added
        AddState::Broken if in_tree => Err(Error::dkms(4, msg::broken_module(module, version))),
        AddState::NotAdded | AddState::Broken => {
            add_module(ctx, module, version)?;
            ctx.out.blank();
            Ok(())
        }
    }
}

// ----- loading a directory or a tarball into the source tree -----------------------------

/// `dkms add <dir>` / `add <dir>/dkms.conf`: read the conf for PACKAGE_NAME/VERSION and copy
/// the directory to `/usr/src/<m>-<v>`.
fn load_source_dir(ctx: &Context, dir: &Path) -> Result<(String, String)> {
    // dkms names the directory by its absolute path in its messages.
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let dir = dir.as_path();
    let conf_path = dir.join("dkms.conf");
    if !conf_path.exists() {
        // `add some-dkms.conf`: the directory of a file merely named like dkms.conf.
        return Err(Error::dkms(9, [msg::dir_without_conf(dir)]));
    }
    let kernel = first_kernel(ctx);
    let conf = read_conf_checked(ctx, &conf_path, "", "", &kernel, false)?;
    let (module, version) = (conf.package_name.clone(), conf.package_version.clone());
    install_source(ctx, dir, &module, &version)?;
    Ok((module, version))
}

/// Copy `from` to `/usr/src/<m>-<v>`: merged over an existing copy, or replacing it with
/// `--force`. Refuses (exit 3) before touching anything when the module is already added, so
/// that a repeated add never changes the source of a registered module.
pub fn install_source(ctx: &Context, from: &Path, module: &str, version: &str) -> Result<()> {
    refuse_escaping_names(module, version)?;
    if ctx.tree.has_source(module, version) {
        return Err(Error::dkms(3, msg::already_added(module, version)));
    }
    copy_source(ctx, from, module, version)
}

/// `install_source` without the refusal: a dkms tarball loaded with `--force` replaces the
/// source of a module already added, as dkms does.
pub fn copy_source(ctx: &Context, from: &Path, module: &str, version: &str) -> Result<()> {
    let dest = ctx.tree.source_dir(module, version);
    let same = match (std::fs::canonicalize(from), std::fs::canonicalize(&dest)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Ok(());
    }
    if dest.exists() && ctx.inv.force {
        // dkms prints an empty line on stderr here.
        ctx.out.err_line("");
        ctx.out.line(msg::forcing_install(module, version));
        std::fs::remove_dir_all(&dest).at(&dest)?;
    }
    std::fs::create_dir_all(&ctx.tree.source_tree).at(&ctx.tree.source_tree)?;
    copy_tree(from, &dest)
}

/// Names read from a dkms.conf become paths below the trees: refuse those that would lead
/// outside before anything is copied (empty names are reported later, as dkms does).
pub fn refuse_escaping_names(module: &str, version: &str) -> Result<()> {
    if !module.is_empty() && (module.contains('/') || !crate::cli::stays_inside(module)) {
        return Err(crate::output::cli::unsafe_name("module name", module));
    }
    if !version.is_empty() && !crate::cli::stays_inside(version) {
        return Err(crate::output::cli::unsafe_name("module version", version));
    }
    Ok(())
}

/// `cp -a from/. dest`: modes, timestamps and symlinks kept.
/// Copy a directory as `cp -a` does (links as links, modes, modification times), following
/// `from` itself when it is a link (the tree's `source`). Fifos, sockets and devices are
/// skipped. Used for the copy into the source tree and for the fresh copy of every build.
pub fn copy_tree(from: &Path, dest: &Path) -> Result<()> {
    let meta = std::fs::metadata(from).at(from)?;
    copy_entry(from, dest, meta)
}

fn copy_entry(from: &Path, dest: &Path, meta: std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).at(from)?;
        let _ = std::fs::remove_file(dest);
        std::os::unix::fs::symlink(target, dest).at(dest)?;
        return Ok(());
    }
    if meta.is_dir() {
        std::fs::create_dir_all(dest).at(dest)?;
        for entry in std::fs::read_dir(from).at(from)? {
            let entry = entry.at(from)?;
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).at(&path)?;
            copy_entry(&path, &dest.join(entry.file_name()), meta)?;
        }
        std::fs::set_permissions(
            dest,
            std::fs::Permissions::from_mode(meta.permissions().mode()),
        )
        .at(dest)?;
    } else if !meta.is_file() {
        // fifos, sockets, device nodes: reading one would block or copy a device's contents
        return Ok(());
    } else {
        if std::fs::symlink_metadata(dest).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::remove_file(dest).at(dest)?;
        }
        std::fs::copy(from, dest).at(dest)?;
    }
    let mtime = filetime_of(&meta);
    set_mtime(dest, mtime);
    Ok(())
}

fn filetime_of(meta: &std::fs::Metadata) -> (i64, i64) {
    use std::os::unix::fs::MetadataExt;
    (meta.mtime(), meta.mtime_nsec())
}

fn set_mtime(path: &Path, (secs, nsecs): (i64, i64)) {
    use nix::sys::stat::{utimensat, UtimensatFlags};
    use nix::sys::time::TimeSpec;
    let ts = TimeSpec::new(secs, nsecs);
    let _ = utimensat(None, path, &ts, &ts, UtimensatFlags::NoFollowSymlink);
}

/// A plain source tarball already unpacked in `root`: the directory of its first dkms.conf
/// goes to `/usr/src/<m>-<v>` (spec §4.8); its module and version.
pub fn load_source_tarball(ctx: &Context, root: &Path) -> Result<(String, String)> {
    let Some(conf_path) = find_first_conf(root) else {
        return Err(Error::dkms(3, msg::tarball_without_conf()));
    };
    let dir = conf_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.to_path_buf());
    let (module, version) = package_of(ctx, &conf_path)?;
    install_source(ctx, &dir, &module, &version)?;
    Ok((module, version))
}

/// A source or dkms tarball unpacked into a scratch directory (removed on drop), with dkms's
/// errors for a missing, unreadable or unsafe archive.
pub fn unpack_tarball(ctx: &Context, archive: &Path) -> Result<tempfile::TempDir> {
    if !archive.exists() {
        return Err(Error::dkms(
            2,
            [format!("{} does not exist.", archive.display())],
        ));
    }
    let scratch = tempfile::Builder::new()
        .prefix("dkms.")
        .tempdir_in(&ctx.settings.tmp_location)
        .at(&ctx.settings.tmp_location)?;
    if let Err(failure) = extract_archive(archive, scratch.path()) {
        match failure {
            ExtractError::Unsafe(member) => {
                return Err(Error::dkms(3, msg::tarball_unsafe_member(archive, &member)))
            }
            ExtractError::Unreadable(why) => {
                ctx.out.err_line(why);
                return Err(Error::dkms(3, msg::tarball_without_conf()));
            }
        }
    }
    Ok(scratch)
}

/// PACKAGE_NAME and PACKAGE_VERSION of a dkms.conf outside the tree (checked as add does).
pub fn package_of(ctx: &Context, conf_path: &Path) -> Result<(String, String)> {
    let kernel = first_kernel(ctx);
    let conf = read_conf_checked(ctx, conf_path, "", "", &kernel, false)?;
    Ok((conf.package_name.clone(), conf.package_version.clone()))
}

/// The first `dkms.conf` in `find` order (directory order, depth first).
fn find_first_conf(root: &Path) -> Option<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .find(|e| e.file_type().is_file() && e.file_name() == "dkms.conf")
        .map(|e| e.into_path())
}

#[derive(Debug)]
pub enum ExtractError {
    /// A member would land outside the target directory.
    Unsafe(String),
    /// Not an archive, or a decompressor failed (its message).
    Unreadable(String),
}

/// Extract a tar archive compressed with anything tar knows (gzip in-process; bzip2, xz,
/// lzma, zstd, lzip, lzop, compress through their programs), refusing members that would
/// escape `dest` (absolute paths, `..`, or links pointing out followed by members through
/// them).
pub fn extract_archive(archive: &Path, dest: &Path) -> std::result::Result<(), ExtractError> {
    let bytes = std::fs::read(archive).map_err(|e| ExtractError::Unreadable(e.to_string()))?;
    let raw = decompress(&bytes)?;
    let mut tar = tar::Archive::new(std::io::Cursor::new(&raw));
    // First pass: check every member name before anything is written.
    let entries = tar
        .entries()
        .map_err(|e| ExtractError::Unreadable(format!("tar: {e}")))?;
    let mut count = 0usize;
    let mut symlinks: Vec<PathBuf> = Vec::new();
    let mut members: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ExtractError::Unreadable(format!("tar: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| ExtractError::Unreadable(format!("tar: {e}")))?
            .into_owned();
        if escapes(&path) {
            return Err(ExtractError::Unsafe(path.display().to_string()));
        }
        // Device nodes and fifos have no place in a module's sources.
        let kind = entry.header().entry_type();
        if kind.is_character_special() || kind.is_block_special() || kind.is_fifo() {
            return Err(ExtractError::Unsafe(path.display().to_string()));
        }
        if let Ok(Some(target)) = entry.link_name() {
            if kind.is_hard_link() {
                // a hard link shares an existing file: only one inside the archive
                if target.is_absolute() || escapes(&target) {
                    return Err(ExtractError::Unsafe(path.display().to_string()));
                }
            } else if kind.is_symlink() {
                // a symbolic link may point anywhere (as tar extracts it); nothing is written
                // through it (checked below)
                symlinks.push(normalized(&path));
            }
        }
        members.push(normalized(&path));
        count += 1;
    }
    if let Some(through) = members
        .iter()
        .find(|m| symlinks.iter().any(|l| m.starts_with(l) && *m != l))
    {
        return Err(ExtractError::Unsafe(through.display().to_string()));
    }
    if count == 0 {
        return Err(ExtractError::Unreadable(
            "tar: This does not look like a tar archive".to_string(),
        ));
    }
    let mut tar = tar::Archive::new(std::io::Cursor::new(&raw));
    tar.set_preserve_permissions(true);
    tar.set_preserve_mtime(true);
    tar.set_overwrite(true);
    // `unpack` itself also refuses members outside `dest`.
    tar.unpack(dest)
        .map_err(|e| ExtractError::Unreadable(format!("tar: {e}")))
}

/// Whether a relative member path climbs above its root.
/// A member path without `.` components or a trailing slash, for prefix comparisons.
fn normalized(path: &Path) -> PathBuf {
    use std::path::Component;
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

fn escapes(path: &Path) -> bool {
    use std::path::Component;
    let mut depth: i64 = 0;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return true,
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
        }
    }
    false
}

fn decompress(bytes: &[u8]) -> std::result::Result<Vec<u8>, ExtractError> {
    use std::io::Read;
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| ExtractError::Unreadable(format!("gzip: {e}")))?;
        return Ok(out);
    }
    let program: Option<&[&str]> = if starts(b"BZh") {
        Some(&["bzip2", "-dc"])
    } else if starts(&[0xfd, b'7', b'z', b'X', b'Z', 0]) || starts(&[0x5d, 0, 0]) {
        Some(&["xz", "-dc"])
    } else if starts(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(&["zstd", "-dcq"])
    } else if starts(b"LZIP") {
        Some(&["lzip", "-dc"])
    } else if starts(&[0x89, b'L', b'Z', b'O']) {
        Some(&["lzop", "-dc"])
    } else if starts(&[0x1f, 0x9d]) {
        Some(&["gzip", "-dc"])
    } else {
        None
    };
    match program {
        None => Ok(bytes.to_vec()),
        Some(argv) => pipe_through(argv, bytes),
    }
}

fn pipe_through(argv: &[&str], input: &[u8]) -> std::result::Result<Vec<u8>, ExtractError> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ExtractError::Unreadable(format!("{}: {e}", argv[0])))?;
    let mut stdin = child.stdin.take();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(&data);
        }
    });
    let output = child
        .wait_with_output()
        .map_err(|e| ExtractError::Unreadable(format!("{}: {e}", argv[0])))?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(ExtractError::Unreadable(
            String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_string(),
        ));
    }
    Ok(output.stdout)
}

// ----- dkms.conf -------------------------------------------------------------------------

/// What reading a dkms.conf gave: the conf (possibly invalid) and the validation lines dkms
/// prints on stderr (`dkms.conf: Error! …`, `dkms.conf: Warning! …`).
#[derive(Debug, Clone)]
pub enum ConfOutcome {
    Missing(PathBuf),
    Read {
        conf: ModuleConf,
        messages: Vec<String>,
        valid: bool,
    },
}

/// Read a module's dkms.conf as `dkms status` does, without failing: status prints the
/// error messages and goes on with whatever the file set.
pub fn read_conf(
    ctx: &Context,
    path: &Path,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> ConfOutcome {
    // dkms tests for existence only: a directory or unreadable file in its place is sourced,
    // fails, and leaves the directives unset.
    if !path.exists() {
        return ConfOutcome::Missing(path.to_path_buf());
    }
    let mut req = crate::conf::ConfRequest::for_module(ctx, module, version, kernel, arch);
    req.path = path.to_path_buf();
    let mut messages = Vec::new();
    let directives = match crate::conf::evaluate(&req) {
        Ok(d) => d,
        Err(e) => {
            // bash reports the file's error and dkms goes on with what was set (nothing).
            messages.push(evaluation_error_text(&e));
            Default::default()
        }
    };
    let conf = ModuleConf::from_directives(path, directives);
    // status's read prints the errors only (no "Zero modules specified." warning there).
    let (errors, _warnings) = conf.validate(false);
    let valid = errors.is_empty();
    messages.extend(errors);
    ConfOutcome::Read {
        conf,
        messages,
        valid,
    }
}

fn evaluation_error_text(e: &Error) -> String {
    match e {
        Error::Dkms { lines, .. } => lines.join("\n"),
        other => other.to_string(),
    }
}

/// `read_conf_strict` for add: missing → exit 4; deprecated directives named; invalid →
/// messages then exit 8. This is `conf::read_conf(req, true)` plus the deprecation lines, which
/// dkms prints before validating (and only when adding the module itself, not when reading a
/// directory's conf to learn its name).
pub fn read_conf_strict(
    ctx: &Context,
    path: &Path,
    module: &str,
    version: &str,
    kernel: &str,
) -> Result<ModuleConf> {
    read_conf_checked(ctx, path, module, version, kernel, true)
}

fn read_conf_checked(
    ctx: &Context,
    path: &Path,
    module: &str,
    version: &str,
    kernel: &str,
    name_deprecations: bool,
) -> Result<ModuleConf> {
    let arch = ctx
        .inv
        .arches
        .first()
        .cloned()
        .unwrap_or_else(crate::cli::host_arch);
    let mut req = crate::conf::ConfRequest::for_module(ctx, module, version, kernel, &arch);
    req.path = path.to_path_buf();
    // add's read, also when build or install adds the module first
    req.site = crate::conf::ReadSite::Add;
    if !name_deprecations {
        return crate::conf::read_conf(&req, true);
    }
    if !path.is_file() {
        return Err(Error::dkms(4, msg::missing_conf(path)));
    }
    let directives = crate::conf::evaluate(&req)?;
    let conf = ModuleConf::from_directives(path, directives);
    self::name_deprecations(ctx, &conf, path);
    let (errors, warnings) = conf.validate(true);
    for line in warnings.iter().chain(errors.iter()) {
        ctx.out.err_line(line);
    }
    if !errors.is_empty() {
        return Err(Error::dkms(8, crate::output::conf::bad_conf_file(path)));
    }
    Ok(conf)
}

/// "Deprecated feature: …" for each directive dkms 3 accepts but ignores: every strict read of a
/// dkms.conf (add, build, install) names them.
pub fn name_deprecations(ctx: &Context, conf: &ModuleConf, path: &Path) {
    for name in DEPRECATED_DIRECTIVES {
        if conf.directives.get(*name).is_some_and(|v| !v.is_empty()) {
            ctx.out.deprecated(msg::deprecated_directive(name, path));
        }
    }
}

/// Directives dkms 3 accepts but ignores, in dkms's order.
const DEPRECATED_DIRECTIVES: &[&str] = &[
    "REMAKE_INITRD",
    "MODULES_CONF",
    "MODULES_CONF_OBSOLETES",
    "MODULES_CONF_ALIAS_TYPE",
    "MODULES_CONF_OBSOLETE_ONLY",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn source_tree(root: &Path) -> PathBuf {
        let src = root.join("w/pkg-1.0");
        std::fs::create_dir_all(src.join("sub")).expect("mkdir");
        std::fs::write(src.join("dkms.conf"), "PACKAGE_NAME=pkg\n").expect("write");
        std::fs::write(src.join("sub/file.c"), "int x;\n").expect("write");
        src
    }

    fn tar_with(root: &Path, flag: &str, name: &str) -> PathBuf {
        let out = root.join(name);
        let status = Command::new("tar")
            .arg("-C")
            .arg(root.join("w"))
            .arg(flag)
            .arg("-cf")
            .arg(&out)
            .arg("pkg-1.0")
            .status()
            .expect("tar");
        assert!(status.success());
        out
    }

    #[test]
    fn extracts_every_compression() {
        let root = tempfile::tempdir().expect("tempdir");
        source_tree(root.path());
        for (flag, name) in [
            ("--no-auto-compress", "a.tar"),
            ("--gzip", "a.tar.gz"),
            ("--xz", "a.tar.xz"),
            ("--zstd", "a.tar.zst"),
            ("--bzip2", "a.tar.bz2"),
        ] {
            if flag == "--bzip2" && Command::new("bzip2").arg("--help").output().is_err() {
                continue;
            }
            let archive = tar_with(root.path(), flag, name);
            let dest = root.path().join(format!("out-{name}"));
            std::fs::create_dir_all(&dest).expect("mkdir");
            extract_archive(&archive, &dest).expect(name);
            assert_eq!(
                std::fs::read_to_string(dest.join("pkg-1.0/sub/file.c")).expect(name),
                "int x;\n"
            );
            assert_eq!(find_first_conf(&dest), Some(dest.join("pkg-1.0/dkms.conf")));
        }
    }

    fn raw_tar_with_member(name: &[u8], link: Option<&[u8]>) -> Vec<u8> {
        // Built by hand: the tar crate's builder refuses such names itself.
        let mut header = [0u8; 512];
        header[..name.len()].copy_from_slice(name);
        header[100..107].copy_from_slice(b"0000644");
        header[108..115].copy_from_slice(b"0000000");
        header[116..123].copy_from_slice(b"0000000");
        header[124..135].copy_from_slice(b"00000000000");
        header[136..147].copy_from_slice(b"00000000000");
        match link {
            // a NUL "target" asks for a character device
            Some(b"\x00") => header[156] = b'3',
            Some(target) => {
                header[156] = b'2';
                header[157..157 + target.len()].copy_from_slice(target);
            }
            None => header[156] = b'0',
        }
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        let sum = format!("{sum:06o}\0 ");
        header[148..156].copy_from_slice(sum.as_bytes());
        let mut out = header.to_vec();
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    #[test]
    fn refuses_members_that_escape() {
        let root = tempfile::tempdir().expect("tempdir");
        for (name, link) in [
            (&b"../evil"[..], None),
            (&b"a/../../evil"[..], None),
            (&b"/tmp/evil"[..], None),
            (&b"dev"[..], Some(&b"\x00"[..])),
        ] {
            let archive = root.path().join("evil.tar");
            std::fs::write(&archive, raw_tar_with_member(name, link)).expect("write");
            let dest = root.path().join("dest");
            std::fs::create_dir_all(&dest).expect("mkdir");
            match extract_archive(&archive, &dest) {
                Err(ExtractError::Unsafe(_)) => {}
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(name)),
            }
            assert_eq!(std::fs::read_dir(&dest).expect("dir").count(), 0);
        }
        assert!(!root.path().join("evil").exists());

        // a symbolic link pointing out is extracted as a link; a member written through a link
        // is refused
        for target in [&b"../../elsewhere"[..], &b"/nonexistent"[..]] {
            let archive = root.path().join("link.tar");
            std::fs::write(&archive, raw_tar_with_member(b"m-1/link", Some(target)))
                .expect("write");
            let dest = root.path().join("dest-link");
            std::fs::create_dir_all(&dest).expect("mkdir");
            extract_archive(&archive, &dest).expect("a link member");
            assert_eq!(
                std::fs::read_link(dest.join("m-1/link"))
                    .expect("link")
                    .as_os_str()
                    .as_encoded_bytes(),
                target
            );
            std::fs::remove_dir_all(&dest).expect("rm");

            let mut two = raw_tar_with_member(b"m-1/link", Some(target));
            two.truncate(512);
            two.extend_from_slice(&raw_tar_with_member(b"m-1/link/evil", None));
            std::fs::write(&archive, two).expect("write");
            std::fs::create_dir_all(&dest).expect("mkdir");
            match extract_archive(&archive, &dest) {
                Err(ExtractError::Unsafe(_)) => {}
                other => panic!("through a link: {other:?}"),
            }
            assert_eq!(std::fs::read_dir(&dest).expect("dir").count(), 0);
            std::fs::remove_dir_all(&dest).expect("rm");
        }
        assert!(!root.path().join("elsewhere").exists());
    }

    #[test]
    fn garbage_is_unreadable() {
        let root = tempfile::tempdir().expect("tempdir");
        let archive = root.path().join("junk.tgz");
        std::fs::write(&archive, "garbage\n").expect("write");
        assert!(matches!(
            extract_archive(&archive, root.path()),
            Err(ExtractError::Unreadable(_))
        ));
        let archive = root.path().join("junk2.tgz");
        std::fs::write(&archive, [0x1f, 0x8b, 0, 1, 2]).expect("write");
        assert!(matches!(
            extract_archive(&archive, root.path()),
            Err(ExtractError::Unreadable(_))
        ));
    }

    #[test]
    fn member_paths() {
        assert!(escapes(Path::new("../x")));
        assert!(escapes(Path::new("/x")));
        assert!(escapes(Path::new("a/../../x")));
        assert!(!escapes(Path::new("a/../x")));
        assert!(!escapes(Path::new("./a/b")));
    }
}
