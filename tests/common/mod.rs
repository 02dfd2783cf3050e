//! A hermetic sandbox for integration tests: its own dkms tree, source tree, install tree,
//! framework config directory and os-release, and a `dkms` command pointed at them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub struct Sandbox {
    pub root: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        for d in ["dkms", "src", "modules", "etc/dkms"] {
            std::fs::create_dir_all(root.path().join(d)).expect("mkdir");
        }
        std::fs::write(
            root.path().join("etc/os-release"),
            "ID=debian\nVERSION_ID=\"12\"\n",
        )
        .expect("os-release");
        Sandbox { root }
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }
    pub fn dkms_tree(&self) -> PathBuf {
        self.path().join("dkms")
    }
    pub fn source_tree(&self) -> PathBuf {
        self.path().join("src")
    }
    pub fn install_tree(&self) -> PathBuf {
        self.path().join("modules")
    }
    pub fn confdir(&self) -> PathBuf {
        self.path().join("etc/dkms")
    }

    /// `dkms` with the sandbox's environment, and the tree options appended after `args`.
    pub fn dkms(&self, args: &[&str]) -> Command {
        Command::from_std(self.std_dkms(args))
    }

    /// Replace the sandbox root in `text` with `<ROOT>`, for golden comparisons.
    pub fn mask(&self, text: &str) -> String {
        text.replace(&self.path().display().to_string(), "<ROOT>")
    }

    /// Copy a fixture module (`fixtures/modules/<name>`) into the source tree as `<dest>`.
    pub fn copy_fixture(&self, name: &str, dest: &str) -> PathBuf {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/modules")
            .join(name);
        let to = self.source_tree().join(dest);
        copy_dir(&from, &to);
        to
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The kernel whose headers are installed: the first `/lib/modules/*/build/include`.
pub fn headers_kernel() -> Option<String> {
    let mut kernels: Vec<String> = std::fs::read_dir("/lib/modules")
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("build/include").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    kernels.sort();
    kernels.into_iter().next()
}

// ----- tree builders (tree engineer) -------------------------------------------------------

/// The result of one run: exit code, stdout and stderr with the sandbox root masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn new(code: i32, stdout: &str, stderr: &str) -> Self {
        Run {
            code,
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
        }
    }
}

impl Sandbox {
    /// Run dkms and capture the masked result (the running kernel shows as `<KVER>`, the
    /// machine arch as `<ARCH>` when `mask_host` is used by the caller).
    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.dkms(args).output().expect("run dkms");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: self.mask(&String::from_utf8_lossy(&out.stdout)),
            stderr: self.mask(&String::from_utf8_lossy(&out.stderr)),
        }
    }

    /// Write `/usr/src/<m>-<v>/dkms.conf` with `conf` (a minimal valid one when `None`).
    pub fn write_source(&self, module: &str, version: &str, conf: Option<&str>) -> PathBuf {
        let dir = self.source_tree().join(format!("{module}-{version}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let default = simple_conf(module, version);
        std::fs::write(dir.join("dkms.conf"), conf.unwrap_or(&default)).expect("write conf");
        dir
    }

    /// What `dkms add` leaves: `<m>/<v>/build/` and an absolute `source` link.
    pub fn mark_added(&self, module: &str, version: &str) {
        let vdir = self.dkms_tree().join(module).join(version);
        std::fs::create_dir_all(vdir.join("build")).expect("mkdir");
        let src = self.source_tree().join(format!("{module}-{version}"));
        let _ = std::fs::remove_file(vdir.join("source"));
        std::os::unix::fs::symlink(src, vdir.join("source")).expect("symlink");
    }

    /// Source + added, with the default conf.
    pub fn added(&self, module: &str, version: &str) {
        self.write_source(module, version, None);
        self.mark_added(module, version);
    }

    /// What a build leaves: `<m>/<v>/<k>/<a>/module/<name>.ko` (content `bytes`) and a log.
    pub fn mark_built(
        &self,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
        name: &str,
        bytes: &[u8],
    ) {
        let base = self
            .dkms_tree()
            .join(module)
            .join(version)
            .join(kernel)
            .join(arch);
        std::fs::create_dir_all(base.join("module")).expect("mkdir");
        std::fs::create_dir_all(base.join("log")).expect("mkdir");
        std::fs::write(base.join("module").join(format!("{name}.ko")), bytes).expect("write ko");
        std::fs::write(base.join("log/make.log"), "make.log\n").expect("write log");
    }

    /// What an install leaves on Debian: the relative `kernel-<k>-<a>` link and a copy in
    /// `<install_tree>/<k>/updates/dkms/`.
    pub fn mark_installed(
        &self,
        module: &str,
        version: &str,
        kernel: &str,
        arch: &str,
        name: &str,
        bytes: &[u8],
    ) {
        let link = self
            .dkms_tree()
            .join(module)
            .join(format!("kernel-{kernel}-{arch}"));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(format!("{version}/{kernel}/{arch}"), link).expect("symlink");
        let dir = self.install_tree().join(kernel).join("updates/dkms");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join(format!("{name}.ko")), bytes).expect("write ko");
    }
}

/// A valid one-module dkms.conf whose module is named like the package.
pub fn simple_conf(module: &str, version: &str) -> String {
    format!(
        "PACKAGE_NAME=\"{module}\"\nPACKAGE_VERSION=\"{version}\"\nBUILT_MODULE_NAME[0]=\"{module}\"\nDEST_MODULE_LOCATION[0]=\"/updates/dkms\"\nAUTOINSTALL=\"yes\"\n"
    )
}

/// `uname -r` and `uname -m` of this machine, for masking.
pub fn host_kernel_arch() -> (String, String) {
    let u = nix::sys::utsname::uname().expect("uname");
    (
        u.release().to_string_lossy().into_owned(),
        u.machine().to_string_lossy().into_owned(),
    )
}

/// The reference bash dkms, when this machine has it (cross-checks are skipped otherwise).
pub fn reference_dkms() -> Option<PathBuf> {
    let p = PathBuf::from("/opt/reference-dkms/usr/sbin/dkms");
    p.is_file().then_some(p)
}

impl Sandbox {
    /// Run the reference bash dkms on this sandbox, isolated like `dkms()`.
    pub fn reference(&self, args: &[&str]) -> Option<Run> {
        let bin = reference_dkms()?;
        let out = self.isolated(bin, args).output().ok()?;
        Some(Run {
            code: out.status.code().unwrap_or(-1),
            stdout: self.mask(&String::from_utf8_lossy(&out.stdout)),
            stderr: self.mask(&String::from_utf8_lossy(&out.stderr)),
        })
    }
}

impl Sandbox {
    /// Run our dkms and, when the reference bash dkms is on this machine, check that it gives
    /// exactly the same result on the same tree (read-only commands only).
    pub fn run_same_as_reference(&self, args: &[&str]) -> Run {
        let ours = self.run(args);
        if let Some(reference) = self.reference(args) {
            assert_eq!(ours, reference, "ours vs reference for {args:?}");
        }
        ours
    }
}

/// Run `args` with our dkms in one fresh sandbox and with the reference (when present) in
/// another, both prepared by `setup`; assert the outputs and resulting trees are the same.
/// Returns our run and our sandbox for further checks.
pub fn compare_with_reference(setup: impl Fn(&Sandbox), args: &[&str]) -> (Run, Sandbox) {
    let ours_sb = Sandbox::new();
    setup(&ours_sb);
    let ours = ours_sb.run(args);
    if reference_dkms().is_some() {
        let ref_sb = Sandbox::new();
        setup(&ref_sb);
        // Both sandboxes show as <ROOT>; their tree listings must match too.
        let reference = ref_sb.reference(args).expect("reference run");
        assert_eq!(ours, reference, "ours vs reference for {args:?}");
        assert_eq!(
            listing(&ours_sb),
            listing(&ref_sb),
            "tree after {args:?}: ours vs reference"
        );
    }
    (ours, ours_sb)
}

/// Every path under the sandbox's dkms and source trees, with symlink targets, masked.
pub fn listing(sb: &Sandbox) -> Vec<String> {
    let mut out = Vec::new();
    for top in [sb.dkms_tree(), sb.source_tree()] {
        for entry in walkdir::WalkDir::new(&top).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name == "mok.key" || name == "mok.pub" {
                continue;
            }
            let mut line = sb.mask(&path.display().to_string());
            if entry.path_is_symlink() {
                if let Ok(t) = std::fs::read_link(path) {
                    line.push_str(" -> ");
                    line.push_str(&sb.mask(&t.display().to_string()));
                }
            }
            out.push(line);
        }
    }
    out
}

impl Sandbox {
    /// `dkms()` as a plain `std::process::Command`, for spawning several at once.
    pub fn std_dkms(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = self.isolated(assert_cmd::cargo::cargo_bin("dkms"), args);
        cmd.env("DKMS_CONFDIR", self.confdir())
            .env("DKMS_OS_RELEASE", self.path().join("etc/os-release"));
        cmd
    }

    /// `bin` with `args` on this sandbox's trees, its MOK files and temp dir, and a clean
    /// environment: what ours and the reference share.
    fn isolated(&self, bin: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .env("mok_signing_key", self.path().join("mok.key"))
            .env("mok_certificate", self.path().join("mok.pub"))
            .env("TMPDIR", self.path())
            .current_dir(self.path())
            .args(args)
            .arg("--dkmstree")
            .arg(self.dkms_tree())
            .arg("--sourcetree")
            .arg(self.source_tree())
            .arg("--installtree")
            .arg(self.install_tree());
        cmd
    }
}

/// What a dkms tarball carries besides `dkms_main_tree/` (mktarball's three forms).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TarballSource {
    /// `dkms_source_tree/` with the conf
    Source,
    /// `dkms_binaries_only/` with the conf, PACKAGE_NAME and PACKAGE_VERSION
    Binaries,
    /// neither
    Nothing,
}

impl Sandbox {
    /// A tar file `<root>/<file>` of `dir` (`tar -C dir -caf file .`).
    pub fn tar_dir(&self, dir: &Path, file: &str) -> PathBuf {
        let archive = self.path().join(file);
        let status = std::process::Command::new("tar")
            .arg("-C")
            .arg(dir)
            .arg("-caf")
            .arg(&archive)
            .arg(".")
            .status()
            .expect("tar");
        assert!(status.success());
        archive
    }

    /// A dkms tarball `<root>/<file>` as mktarball makes it: `hello.ko` (content `ko`) and a
    /// log for each kernel/arch, and `conf` as the module's dkms.conf in the `what` part.
    pub fn dkms_tarball(
        &self,
        file: &str,
        conf: &str,
        kernels: &[(&str, &str)],
        what: TarballSource,
        ko: &[u8],
    ) -> PathBuf {
        let stage = self.path().join(format!("stage-{file}"));
        std::fs::create_dir_all(stage.join("dkms_main_tree")).expect("mkdir");
        for (k, a) in kernels {
            let kdir = stage.join("dkms_main_tree").join(k).join(a);
            std::fs::create_dir_all(kdir.join("module")).expect("mkdir");
            std::fs::create_dir_all(kdir.join("log")).expect("mkdir");
            std::fs::write(kdir.join("module/hello.ko"), ko).expect("write ko");
            std::fs::write(kdir.join("log/make.log"), "log\n").expect("write log");
        }
        let conf_dir = match what {
            TarballSource::Source => Some(stage.join("dkms_source_tree")),
            TarballSource::Binaries => Some(stage.join("dkms_binaries_only")),
            TarballSource::Nothing => None,
        };
        if let Some(dir) = conf_dir {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(dir.join("dkms.conf"), conf).expect("write conf");
            if what == TarballSource::Binaries {
                std::fs::write(dir.join("PACKAGE_NAME"), "hello\n").expect("write");
                std::fs::write(dir.join("PACKAGE_VERSION"), "1.0\n").expect("write");
            }
        }
        let archive = self.tar_dir(&stage, file);
        std::fs::remove_dir_all(&stage).expect("rm stage");
        archive
    }
}

/// The kernel of the dkms.conf fixtures' kernel tree (`fixtures/conf/kernel-<it>`).
pub const CONF_KERNEL: &str = "6.1.0-28-amd64";

/// `fixtures/conf/<name>`.
pub fn conf_fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/conf")
        .join(name)
}

impl Sandbox {
    /// A sandbox where `<module>/<version>` is added from the source dir that `fill` writes,
    /// and the conf fixtures' kernel tree is `<install_tree>/<CONF_KERNEL>/build`.
    pub fn with_conf_module(module: &str, version: &str, fill: impl FnOnce(&Path)) -> Sandbox {
        let sb = Sandbox::new();
        let src = sb.source_tree().join(format!("{module}-{version}"));
        fill(&src);
        let link_dir = sb.dkms_tree().join(module).join(version);
        std::fs::create_dir_all(&link_dir).expect("mkdir");
        std::os::unix::fs::symlink(&src, link_dir.join("source")).expect("symlink");
        let kdir = sb.install_tree().join(CONF_KERNEL);
        std::fs::create_dir_all(&kdir).expect("mkdir");
        copy_dir(
            &conf_fixture_dir(&format!("kernel-{CONF_KERNEL}")),
            &kdir.join("build"),
        );
        sb
    }
}
