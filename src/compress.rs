//! Module compression per target kernel (spec §4.5): the suffix follows whatever compressed
//! modules the kernel already has, never the kernel config.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::output::Output;
use crate::runner::{self, Cmd};
use crate::settings::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Compression {
    Gzip,
    Xz,
    Zstd,
}

impl Compression {
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::Gzip => ".gz",
            Compression::Xz => ".xz",
            Compression::Zstd => ".zst",
        }
    }

    fn program(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }

    fn options(self, settings: &Settings) -> &str {
        match self {
            Compression::Gzip => &settings.compress_gzip_opts,
            Compression::Xz => &settings.compress_xz_opts,
            Compression::Zstd => &settings.compress_zstd_opts,
        }
    }
}

/// The suffix text for a possibly absent compression.
pub fn suffix(c: Option<Compression>) -> &'static str {
    c.map(Compression::suffix).unwrap_or("")
}

/// Look for `*.ko.gz`, `*.ko.xz`, `*.ko.zst` under `<install_tree>/<k>`; zst beats xz beats gz
/// (dkms tests them in that order and the last match wins).
pub fn detect(kernel_dir: &Path) -> Option<Compression> {
    let mut found: Option<Compression> = None;
    let walker = walkdir::WalkDir::new(kernel_dir)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| {
            e.depth() != 1 || !matches!(e.file_name().to_str(), Some("build" | "source"))
        });
    for entry in walker.flatten() {
        let name = entry.file_name().to_string_lossy();
        let this = if name.ends_with(".ko.zst") {
            Compression::Zstd
        } else if name.ends_with(".ko.xz") {
            Compression::Xz
        } else if name.ends_with(".ko.gz") {
            Compression::Gzip
        } else {
            continue;
        };
        found = found.max(Some(this));
        if found == Some(Compression::Zstd) {
            break;
        }
    }
    found
}

/// Compress `file` in place with the framework options; returns the new path, or the original
/// one when compression failed (dkms keeps the uncompressed module then).
pub fn compress(out: &Output, settings: &Settings, c: Compression, file: &Path) -> PathBuf {
    let mut args: Vec<OsString> = vec![c.program().into()];
    args.extend(c.options(settings).split_whitespace().map(OsString::from));
    args.push("-f".into());
    args.push(file.as_os_str().to_owned());
    let target = PathBuf::from(format!("{}{}", file.display(), c.suffix()));
    match runner::quiet(out, &Cmd::exec(args)) {
        Ok(o) if o.success() && target.is_file() => {
            // zstd keeps its input unless --rm is in the options
            let _ = std::fs::remove_file(file);
            target
        }
        _ => {
            let _ = std::fs::remove_file(&target);
            file.to_path_buf()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strongest_existing_suffix_wins_and_build_is_not_searched() {
        let dir = tempfile::tempdir().unwrap();
        let k = dir.path();
        assert_eq!(detect(k), None);
        std::fs::create_dir_all(k.join("build/x")).unwrap();
        std::fs::write(k.join("build/x/a.ko.zst"), "").unwrap();
        assert_eq!(detect(k), None);
        std::fs::create_dir_all(k.join("kernel/fs")).unwrap();
        std::fs::write(k.join("kernel/fs/a.ko.gz"), "").unwrap();
        assert_eq!(detect(k), Some(Compression::Gzip));
        std::fs::write(k.join("kernel/fs/b.ko.xz"), "").unwrap();
        assert_eq!(detect(k), Some(Compression::Xz));
        std::fs::write(k.join("kernel/c.ko.zst"), "").unwrap();
        assert_eq!(detect(k), Some(Compression::Zstd));
        assert_eq!(detect(&k.join("missing")), None);
    }
}
