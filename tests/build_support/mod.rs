//! Helpers for the build/install tests: a sandbox whose install tree has the real headers linked
//! in and a `modules.dep` so that depmod runs, plus masking of timings and dates.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub use crate::common::{headers_kernel, Sandbox};

pub struct Kbuild {
    pub sb: Sandbox,
    pub kernel: String,
    pub arch: String,
}

impl Kbuild {
    /// `None` when the machine has no kernel headers (the test is then skipped).
    pub fn new() -> Option<Kbuild> {
        let kernel = headers_kernel()?;
        let sb = Sandbox::new();
        let kdir = sb.install_tree().join(&kernel);
        std::fs::create_dir_all(&kdir).expect("kernel dir");
        let real = std::fs::canonicalize(Path::new("/lib/modules").join(&kernel).join("build"))
            .expect("headers");
        std::os::unix::fs::symlink(real, kdir.join("build")).expect("build link");
        let arch = String::from_utf8(
            std::process::Command::new("uname")
                .arg("-m")
                .output()
                .expect("uname")
                .stdout,
        )
        .expect("utf8")
        .trim()
        .to_string();
        Some(Kbuild { sb, kernel, arch })
    }

    /// Make depmod run for this kernel (dkms skips it while modules.dep is missing).
    pub fn enable_depmod(&self) {
        std::fs::write(self.kernel_dir().join("modules.dep"), "").expect("modules.dep");
    }

    pub fn kernel_dir(&self) -> PathBuf {
        self.sb.install_tree().join(&self.kernel)
    }

    pub fn built_dir(&self, m: &str, v: &str) -> PathBuf {
        self.sb
            .dkms_tree()
            .join(m)
            .join(v)
            .join(&self.kernel)
            .join(&self.arch)
    }

    /// A plain `std::process::Command` with the sandbox environment (for spawning in the
    /// background), mirroring `Sandbox::dkms`.
    pub fn std_command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = self.sb.std_dkms(args);
        // as upstream's own test suite does, so that `make -j1` is predictable
        cmd.env("parallel_jobs", "1");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Run with extra environment variables (dkms reads several settings from it).
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.sb.dkms(args);
        // as upstream's own test suite does, so that `make -j1` is predictable
        cmd.env("parallel_jobs", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run dkms");
        Run::new(self, out)
    }

    /// Replace the sandbox root, the kernel and the arch by placeholders.
    pub fn mask(&self, text: &str) -> String {
        self.sb
            .mask(text)
            .replace(&self.kernel, "<K>")
            .replace(&format!("({})", self.arch), "(<A>)")
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn new(k: &Kbuild, out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: mask_dots(&k.mask(&String::from_utf8_lossy(&out.stdout))),
            stderr: k.mask(&String::from_utf8_lossy(&out.stderr)),
        }
    }
}

/// `modinfo -F <field> <file>`.
pub fn modinfo_field(file: &Path, field: &str) -> String {
    let out = std::process::Command::new("modinfo")
        .args(["-F", field])
        .arg(file)
        .output()
        .expect("modinfo");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// make.log with the date line and elapsed times masked.
pub fn masked_make_log(k: &Kbuild, path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("make.log");
    let mut lines: Vec<String> = text.lines().map(|l| k.mask(l)).collect();
    if lines.len() > 1 {
        lines[1] = "<DATE>".into();
    }
    lines
        .into_iter()
        .map(|l| {
            if l.starts_with("# elapsed time: ") {
                "# elapsed time: <T>".to_string()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Debian's sign-file for a kernel: `/usr/lib/linux-kbuild-<major.minor>/scripts/sign-file`.
pub fn sign_file(kernel: &str) -> String {
    let short = kernel.rsplit_once('.').map(|(a, _)| a).unwrap_or(kernel);
    format!("/usr/lib/linux-kbuild-{short}/scripts/sign-file")
}

/// Progress dots depend on timing: `Building module(s)..... done.` becomes `... done.`.
pub fn mask_dots(text: &str) -> String {
    let re = regex::Regex::new(r"\.\.\.+( done\.|\(bad)").expect("regex");
    re.replace_all(text, "...$1").into_owned()
}
