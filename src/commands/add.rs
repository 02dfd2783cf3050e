//! `dkms add` (spec §6.2, §4.2): register `/usr/src/<m>-<v>` in the dkms tree, after copying it
//! there from a directory or a source tarball when one was given.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::commands::Context;
use crate::conf::ModuleConf;
use crate::error::{Error, IoContext, Result};
use crate::output::tree as msg;

pub fn run(ctx: &Context) -> Result<()> {
    let inv = &ctx.inv;
    let mut module = inv.module.clone();
    let mut version = inv.version.clone();

    let needs_loading = module.is_none() || version.is_none();
    if needs_loading {
        if let Some(archive) = &inv.archive {
            let (m, v) = load_tarball(ctx, archive)?;
            module = Some(m);
            version = Some(v);
        } else if let Some(dir) = &inv.source_dir {
            let (m, v) = load_source_dir(ctx, dir)?;
            module = Some(m);
            version = Some(v);
        }
    }

    let (Some(module), Some(version)) = (module, version) else {
        return Err(Error::dkms(1, msg::module_version_required("add")));
    };
    add_module(ctx, &module, &version)
}

/// Add `/usr/src/<m>-<v>` (already in place) to the tree: the part of `add` every caller
/// shares (build and install auto-add through here too).
pub fn add_module(ctx: &Context, module: &str, version: &str) -> Result<()> {
    require_writable_tree(ctx)?;
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
        .unwrap_or_else(running_kernel)
}

/// `uname -r`, read from the kernel without starting a process.
pub fn running_kernel() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
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

/// Interim permission rule (spec §2.2) until `settings::require_writable_tree` lands on main:
/// the dkms tree must be writable (created when missing, as dkms's `mkdir -p` does).
fn require_writable_tree(ctx: &Context) -> Result<()> {
    let tree = &ctx.tree.dkms_tree;
    if !tree.exists() {
        let _ = std::fs::create_dir_all(tree);
    }
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

// ----- loading a directory or a tarball into the source tree -----------------------------

/// `dkms add <dir>` / `add <dir>/dkms.conf`: read the conf for PACKAGE_NAME/VERSION and copy
/// the directory to `/usr/src/<m>-<v>`.
fn load_source_dir(ctx: &Context, dir: &Path) -> Result<(String, String)> {
    let conf_path = dir.join("dkms.conf");
    let kernel = first_kernel(ctx);
    let conf = read_conf_strict(ctx, &conf_path, "", "", &kernel)?;
    let (module, version) = (conf.package_name.clone(), conf.package_version.clone());
    install_source(ctx, dir, &module, &version)?;
    Ok((module, version))
}

/// Copy `from` to `/usr/src/<m>-<v>`: merged over an existing copy, or replacing it with
/// `--force`. Refuses (exit 3) before touching anything when the module is already added, so
/// that a repeated add never changes the source of a registered module.
fn install_source(ctx: &Context, from: &Path, module: &str, version: &str) -> Result<()> {
    if ctx.tree.has_source(module, version) {
        return Err(Error::dkms(3, msg::already_added(module, version)));
    }
    let dest = ctx.tree.source_dir(module, version);
    let same = match (std::fs::canonicalize(from), std::fs::canonicalize(&dest)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Ok(());
    }
    if dest.exists() && ctx.inv.force {
        ctx.out.line(msg::forcing_install(module, version));
        std::fs::remove_dir_all(&dest).at(&dest)?;
    }
    std::fs::create_dir_all(&ctx.tree.source_tree).at(&ctx.tree.source_tree)?;
    copy_tree(from, &dest)
}

/// `cp -a from/. dest`: modes, timestamps and symlinks kept.
fn copy_tree(from: &Path, dest: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(from).at(from)?;
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
            copy_tree(&entry.path(), &dest.join(entry.file_name()))?;
        }
        std::fs::set_permissions(
            dest,
            std::fs::Permissions::from_mode(meta.permissions().mode()),
        )
        .at(dest)?;
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

/// `dkms add <tarball>`: extract, find the first dkms.conf, copy its directory to
/// `/usr/src/<m>-<v>`.
fn load_tarball(ctx: &Context, archive: &Path) -> Result<(String, String)> {
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
    if scratch.path().join("dkms_main_tree").is_dir() {
        // A `mktarball` archive: that is ldtarball's format.
        return Err(Error::dkms(
            3,
            [format!(
                "{} is a dkms binary archive; load it with: dkms ldtarball {}",
                archive.display(),
                archive.display()
            )],
        ));
    }
    let Some(conf_path) = find_first_conf(scratch.path()) else {
        return Err(Error::dkms(3, msg::tarball_without_conf()));
    };
    let dir = conf_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| scratch.path().to_path_buf());
    let kernel = first_kernel(ctx);
    let conf = read_conf_strict(ctx, &conf_path, "", "", &kernel)?;
    let (module, version) = (conf.package_name.clone(), conf.package_version.clone());
    install_source(ctx, &dir, &module, &version)?;
    Ok((module, version))
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
    for entry in entries {
        let entry = entry.map_err(|e| ExtractError::Unreadable(format!("tar: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| ExtractError::Unreadable(format!("tar: {e}")))?
            .into_owned();
        if escapes(&path) {
            return Err(ExtractError::Unsafe(path.display().to_string()));
        }
        if let Ok(Some(target)) = entry.link_name() {
            let is_hard = entry.header().entry_type().is_hard_link();
            let base = if is_hard {
                PathBuf::new()
            } else {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            if target.is_absolute() || escapes(&base.join(&target)) {
                return Err(ExtractError::Unsafe(path.display().to_string()));
            }
        }
        count += 1;
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

/// Read a module's dkms.conf as dkms's `read_conf` does, without failing: status prints the
/// messages and goes on.
pub fn read_conf(
    ctx: &Context,
    path: &Path,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> ConfOutcome {
    let _ = (ctx, module, version, kernel, arch);
    interim_conf::read(path)
}

/// `read_conf_strict` for add: missing → exit 4, invalid → messages then exit 8.
pub fn read_conf_strict(
    ctx: &Context,
    path: &Path,
    module: &str,
    version: &str,
    kernel: &str,
) -> Result<ModuleConf> {
    let arch = ctx.inv.arches.first().cloned().unwrap_or_else(machine_arch);
    match read_conf(ctx, path, module, version, kernel, &arch) {
        ConfOutcome::Missing(p) => Err(Error::dkms(4, msg::missing_conf(&p))),
        ConfOutcome::Read {
            conf,
            messages,
            valid,
        } => {
            for m in &messages {
                ctx.out.err_line(m);
            }
            if valid {
                Ok(conf)
            } else {
                Err(Error::dkms(8, msg::bad_conf(path)))
            }
        }
    }
}

/// `uname -m`.
pub fn machine_arch() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.machine().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// INTERIM dkms.conf reader, until `conf::read_conf` (the real bash evaluator) lands on
/// main: plain `KEY="value"` / `KEY[i]='value'` / `KEY=value` assignments of dkms's directive
/// names, with dkms's derived values and validation messages.
pub(crate) mod interim_conf {
    use std::path::Path;

    use super::ConfOutcome;
    use crate::conf::{Directives, ModuleConf, ModuleRecord, DIRECTIVE_NAMES};

    pub fn read(path: &Path) -> ConfOutcome {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => return ConfOutcome::Missing(path.to_path_buf()),
        };
        let directives = parse(&text);
        let (conf, messages) = derive(path, directives);
        let valid = !messages.iter().any(|m| m.starts_with("dkms.conf: Error!"));
        ConfOutcome::Read {
            conf,
            messages,
            valid,
        }
    }

    fn parse(text: &str) -> Directives {
        let mut directives = Directives::new();
        for line in text.lines() {
            let line = line.trim().trim_end_matches('\r');
            if line.starts_with('#') {
                continue;
            }
            let Some((lhs, rhs)) = line.split_once('=') else {
                continue;
            };
            let (name, index) = match lhs.split_once('[') {
                Some((n, rest)) => match rest.strip_suffix(']').and_then(|i| i.parse().ok()) {
                    Some(i) => (n, i),
                    None => continue,
                },
                None => (lhs, 0usize),
            };
            if !DIRECTIVE_NAMES.contains(&name) {
                continue;
            }
            let value = unquote(rhs);
            // dkms's round trip collapses blank runs.
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            directives
                .entry(name.to_string())
                .or_default()
                .insert(index, value);
        }
        directives
    }

    fn unquote(rhs: &str) -> String {
        let rhs = rhs.trim();
        if let Some(inner) = rhs.strip_prefix('"').and_then(|r| r.split_once('"')) {
            return inner.0.to_string();
        }
        if let Some(inner) = rhs.strip_prefix('\'').and_then(|r| r.split_once('\'')) {
            return inner.0.to_string();
        }
        rhs.split_whitespace().next().unwrap_or("").to_string()
    }

    fn derive(path: &Path, directives: Directives) -> (ModuleConf, Vec<String>) {
        let mut messages = Vec::new();
        let mut conf = ModuleConf {
            path: path.to_path_buf(),
            directives,
            ..ModuleConf::default()
        };
        conf.package_name = conf.scalar("PACKAGE_NAME").to_string();
        conf.package_version = conf.scalar("PACKAGE_VERSION").to_string();
        if conf.package_name.is_empty() {
            messages.push("dkms.conf: Error! No 'PACKAGE_NAME' directive specified.".into());
        }
        if conf.package_version.is_empty() {
            messages.push("dkms.conf: Error! No 'PACKAGE_VERSION' directive specified.".into());
        }
        let families = [
            "BUILT_MODULE_NAME",
            "BUILT_MODULE_LOCATION",
            "DEST_MODULE_NAME",
            "DEST_MODULE_LOCATION",
        ];
        let count = families
            .iter()
            .filter_map(|f| {
                conf.directives
                    .get(*f)
                    .and_then(|m| m.keys().max().copied())
            })
            .max()
            .map_or(0, |i| i + 1);
        let get = |name: &str, i: usize| -> String {
            conf.directives
                .get(name)
                .and_then(|m| m.get(&i))
                .cloned()
                .unwrap_or_default()
        };
        let strip0 = get("STRIP", 0);
        let mut records = Vec::new();
        for i in 0..count {
            let mut built = get("BUILT_MODULE_NAME", i);
            if built.is_empty() && count == 1 {
                built = conf.package_name.clone();
            }
            let mut location = get("BUILT_MODULE_LOCATION", i);
            if !location.is_empty() && !location.ends_with('/') {
                location.push('/');
            }
            let mut dest = get("DEST_MODULE_NAME", i);
            if dest.is_empty() {
                dest = built.clone();
            }
            let dest_location = get("DEST_MODULE_LOCATION", i);
            let strip = {
                let s = get("STRIP", i);
                let s = if s.is_empty() { strip0.clone() } else { s };
                !(s.starts_with('n') || s.starts_with('N'))
            };
            if built.is_empty() {
                messages.push(format!(
                    "dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #{i}."
                ));
            } else if built.ends_with(".o") || built.ends_with(".ko") {
                messages.push(format!(
                    "dkms.conf: Error! 'BUILT_MODULE_NAME' directive ends in '.o' or '.ko' in record #{i}."
                ));
            }
            if !dest.is_empty() && (dest.ends_with(".o") || dest.ends_with(".ko")) {
                messages.push(format!(
                    "dkms.conf: Error! 'DEST_MODULE_NAME' directive ends in '.o' or '.ko' in record #{i}."
                ));
            }
            if dest_location.is_empty() {
                messages.push(format!(
                    "dkms.conf: Error! No 'DEST_MODULE_LOCATION' directive specified for record #{i}."
                ));
            } else if !["/kernel", "/updates", "/extra"]
                .iter()
                .any(|p| dest_location.starts_with(p))
            {
                messages.push(
                    "dkms.conf: Error! Directive 'DEST_MODULE_LOCATION' does not begin with"
                        .to_string(),
                );
                messages.push(format!(
                    "'/kernel', '/updates', or '/extra' in record #{i}."
                ));
            }
            records.push(ModuleRecord {
                built_name: built,
                built_location: location,
                dest_name: dest,
                dest_location,
                strip,
                excluded: false,
            });
        }
        for name in ["AUTOINSTALL", "BUILD_DEPENDS_REBUILD", "NO_WEAK_MODULES"] {
            let value = conf.scalar(name).to_string();
            if !["", "yes", "no"].contains(&value.to_ascii_lowercase().as_str()) {
                messages.push(format!(
                    "dkms.conf: Error! Unsupported {name} value '{value}'"
                ));
            }
        }
        if count == 0 && messages.is_empty() {
            messages.push("dkms.conf: Warning! Zero modules specified.".into());
        }
        conf.modules = records;
        (conf, messages)
    }
}

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
            (&b"link"[..], Some(&b"../../etc"[..])),
            (&b"link"[..], Some(&b"/etc"[..])),
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
