//! A kernel target: its version and arch, where its headers are, its configuration, and the
//! compiler environment a module build for it needs (spec §6.3 steps 4–5). Also dkms's version
//! comparison.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where the headers of `kernel` are: `--kernelsourcedir`, else `<install_tree>/<k>/build`;
/// `Err` (with that directory) when it has no `include/`.
pub fn find_source_dir(
    install_tree: &Path,
    kernel: &str,
    override_dir: Option<&Path>,
) -> std::result::Result<PathBuf, PathBuf> {
    if let Some(dir) = override_dir {
        return if dir.join("include").is_dir() {
            Ok(dir.to_path_buf())
        } else {
            Err(dir.to_path_buf())
        };
    }
    // only `build`: dkms names `source` in its error but never builds against it
    let build = install_tree.join(kernel).join("build");
    if build.join("include").is_dir() {
        Ok(build)
    } else {
        Err(build)
    }
}

/// `CONFIG_*` values of a kernel config (quotes removed).
#[derive(Debug, Clone, Default)]
pub struct KernelConfig {
    pub found: bool,
    values: HashMap<String, String>,
}

impl KernelConfig {
    pub fn read(path: &Path) -> KernelConfig {
        let Ok(text) = std::fs::read_to_string(path) else {
            return KernelConfig::default();
        };
        let values = text
            .lines()
            .filter(|l| l.starts_with("CONFIG_"))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| {
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                (k.to_string(), v.to_string())
            })
            .collect();
        KernelConfig {
            found: true,
            values,
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// `=y` or `=m`.
    pub fn enabled(&self, key: &str) -> bool {
        matches!(self.get(key), Some("y") | Some("m"))
    }
}

/// Whether a program is found in PATH.
pub fn in_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| is_executable(&d.join(program))))
        .unwrap_or(false)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The compiler environment for a build: `CC`/`KERNEL_CC`, `LD`/`KERNEL_LD`, and whether
/// `LLVM=1` must be appended to make.
#[derive(Debug, Clone, Default)]
pub struct CompilerEnv {
    pub vars: Vec<(OsString, OsString)>,
    pub llvm: bool,
    pub clang: bool,
}

pub fn compiler_env(source_dir: &Path, config: &KernelConfig) -> CompilerEnv {
    let mut env = CompilerEnv::default();
    let mut cc: Option<String> = None;
    if let Ok(text) = std::fs::read_to_string(source_dir.join(".kernelvariables")) {
        for line in text.lines() {
            if let Some(v) = line.trim().strip_prefix("CC") {
                let v = v.trim_start().trim_start_matches([':', '?', '=']).trim();
                if !v.is_empty() {
                    cc = Some(v.to_string());
                }
            }
        }
    }
    if let Some(text) = config.get("CONFIG_CC_VERSION_TEXT") {
        if let Some(first) = text.split_whitespace().next() {
            if in_path(first) {
                cc = Some(first.to_string());
            }
        }
    }
    if config.enabled("CONFIG_CC_IS_CLANG") {
        cc = Some("clang".into());
        env.clang = true;
        env.llvm = true;
    }
    if let Some(cc) = cc {
        env.vars.push(("CC".into(), cc.clone().into()));
        env.vars.push(("KERNEL_CC".into(), cc.into()));
    }
    if config.enabled("CONFIG_LD_IS_LLD") {
        env.vars.push(("LD".into(), "ld.lld".into()));
        env.vars.push(("KERNEL_LD".into(), "ld.lld".into()));
    }
    if !env.llvm && vmlinux_built_by_clang(&source_dir.join("vmlinux")) {
        env.llvm = true;
        env.clang = true;
    }
    env
}

fn vmlinux_built_by_clang(vmlinux: &Path) -> bool {
    let Ok(data) = std::fs::read(vmlinux) else {
        return false;
    };
    crate::modinfo::elf_section(&data, ".comment")
        .map(|s| String::from_utf8_lossy(s).contains("clang"))
        .unwrap_or(false)
}

/// dkms's version comparison (as `sort -V` orders): runs of digits compare numerically, other
/// characters by byte, a missing part sorts first.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let dx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let dy = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let nx = trim_zeros(&x[..dx]);
                let ny = trim_zeros(&y[..dy]);
                let ord = nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[dx..];
                y = &y[dy..];
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return rank(*p).cmp(&rank(*q));
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|c| **c == b'0').count();
    &d[n..]
}

/// `sort -V`-like character order: `~` first, letters before other punctuation.
fn rank(c: u8) -> i32 {
    match c {
        b'~' => -1,
        c if c.is_ascii_digit() => 0,
        c if c.is_ascii_alphabetic() => c as i32,
        c => c as i32 + 256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("6.1.0", "6.10"), Ordering::Less);
        assert_eq!(compare_versions("1.0", "1.0"), Ordering::Equal);
        assert_eq!(compare_versions("2.0", "1.10"), Ordering::Greater);
        assert_eq!(
            compare_versions("6.1.0-56-amd64", "6.1.0-9-amd64"),
            Ordering::Greater
        );
        assert_eq!(compare_versions("1.0", "1.0.1"), Ordering::Less);
    }
}
