//! Wording for writes into the install tree that fail (read-only or full file system): the
//! lines coreutils would print where dkms runs `mkdir`, `cp` and `rm`, and dkms's own errors.

use std::path::Path;

/// The system's text for an I/O error, without Rust's " (os error N)" tail, as coreutils
/// prints it.
pub fn strerror(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// coreutils quotes with ‘…’ in a UTF-8 locale for some messages (mkdir), '…' otherwise.
fn locale_quote(path: &Path) -> String {
    let utf8 = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .map(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
        .unwrap_or(false);
    if utf8 {
        format!("\u{2018}{}\u{2019}", path.display())
    } else {
        format!("'{}'", path.display())
    }
}

pub fn mkdir_failed(dir: &Path, err: &std::io::Error) -> String {
    format!(
        "mkdir: cannot create directory {}: {}",
        locale_quote(dir),
        strerror(err)
    )
}

pub fn cp_cannot_create(dest: &Path, err: &std::io::Error) -> String {
    format!(
        "cp: cannot create regular file '{}': {}",
        dest.display(),
        strerror(err)
    )
}

pub fn cp_cannot_remove(dest: &Path, err: &std::io::Error) -> String {
    format!("cp: cannot remove '{}': {}", dest.display(), strerror(err))
}

pub fn cp_error_writing(dest: &Path, err: &std::io::Error) -> String {
    format!("cp: error writing '{}': {}", dest.display(), strerror(err))
}

pub fn rm_cannot_remove(file: &Path, err: &std::io::Error) -> String {
    format!("rm: cannot remove '{}': {}", file.display(), strerror(err))
}

pub fn mv_cannot_remove(from: &Path, err: &std::io::Error) -> String {
    format!("mv: cannot remove '{}': {}", from.display(), strerror(err))
}

pub fn mv_failed(from: &Path, to: &Path, err: &std::io::Error) -> String {
    format!(
        "mv: cannot move '{}' to '{}': {}",
        from.display(),
        to.display(),
        strerror(err)
    )
}

/// dkms's error when the built module could not be put into the install tree (exit 6).
pub fn copying_failed(src: &Path) -> String {
    format!("Copying '{}' failed", src.display())
}

/// Ours: dkms carries on and forgets the install though the files stay; we stop, and the
/// module stays marked installed so that the state matches the files.
pub fn uninstall_failed(module: &str, version: &str, kernel: &str, arch: &str) -> [String; 2] {
    [
        format!("Uninstalling {module}/{version} for kernel {kernel} ({arch}) failed."),
        "The install tree could not be changed; the module stays installed.".to_string(),
    ]
}

/// A build whose result could not be stored in the dkms tree (full or read-only).
pub fn storing_build_failed(dir: &Path, err: &std::io::Error) -> String {
    format!(
        "Storing the built module(s) in {} failed: {}",
        dir.display(),
        strerror(err)
    )
}
