//! The permission rules of add/remove/status (spec §2.2), run as user `nobody` through
//! `setpriv`, compared with the reference when it is present. Skipped unless the tests run as
//! root with `setpriv` available.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{reference_dkms, Run, Sandbox};

const NOBODY: &str = "65534";

fn setpriv() -> Option<PathBuf> {
    if !nix::unistd::geteuid().is_root() {
        return None;
    }
    ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Make the sandbox readable (and the dkms tree writable when asked) by `nobody`.
fn open_up(sb: &Sandbox, tree_writable: bool) {
    let _ = std::fs::create_dir_all(sb.dkms_tree());
    for entry in walkdir::WalkDir::new(sb.path())
        .into_iter()
        .filter_map(|e| e.ok())
    {
        if entry.path_is_symlink() {
            continue;
        }
        let mode = if entry.file_type().is_dir() {
            0o755
        } else {
            0o644
        };
        let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode));
    }
    let tmp = sb.path().join("tmp");
    let _ = std::fs::create_dir_all(&tmp);
    let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777));
    if tree_writable {
        for entry in walkdir::WalkDir::new(sb.dkms_tree())
            .into_iter()
            .filter_map(|e| e.ok())
        {
            let _ = std::os::unix::fs::lchown(entry.path(), Some(65534), Some(65534));
        }
    }
}

fn as_nobody(setpriv: &Path, sb: &Sandbox, binary: &Path, ours: bool, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(setpriv);
    cmd.args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"])
        .arg(binary)
        .args(args)
        .arg("--dkmstree")
        .arg(sb.dkms_tree())
        .arg("--sourcetree")
        .arg(sb.source_tree())
        .arg("--installtree")
        .arg(sb.install_tree())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LANG", "C.UTF-8")
        .env("TMPDIR", sb.path().join("tmp"))
        .env("mok_signing_key", sb.path().join("mok.key"))
        .env("mok_certificate", sb.path().join("mok.pub"))
        .current_dir(sb.path());
    if ours {
        cmd.env("DKMS_CONFDIR", sb.confdir())
            .env("DKMS_OS_RELEASE", sb.path().join("etc/os-release"));
    }
    let out = cmd.output().expect("setpriv");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: sb.mask(&String::from_utf8_lossy(&out.stdout)),
        stderr: sb.mask(&String::from_utf8_lossy(&out.stderr)),
    }
}

/// Run `args` as nobody with ours and (when present) the reference, each on a fresh sandbox
/// made by `setup`; both must agree.
fn nobody_run(setup: impl Fn(&Sandbox), tree_writable: bool, args: &[&str]) -> Option<Run> {
    let setpriv = setpriv()?;
    let ours_bin = PathBuf::from(env!("CARGO_BIN_EXE_dkms"));
    let sb = Sandbox::new();
    setup(&sb);
    open_up(&sb, tree_writable);
    let ours = as_nobody(&setpriv, &sb, &ours_bin, true, args);
    if ours.stderr.contains("Permission denied") && ours.code == 126 {
        // the test binary itself is not reachable by nobody on this machine
        return None;
    }
    if let Some(reference) = reference_dkms() {
        let rsb = Sandbox::new();
        setup(&rsb);
        open_up(&rsb, tree_writable);
        let theirs = as_nobody(&setpriv, &rsb, &reference, false, args);
        assert_eq!(ours, theirs, "ours vs reference as nobody for {args:?}");
    }
    Some(ours)
}

fn run(code: i32, stdout: &str, stderr: &str) -> Run {
    Run {
        code,
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
    }
}

const NO_WRITE: &str = "\nError! No write access to DKMS tree at <ROOT>/dkms\n";

fn hello_source(sb: &Sandbox) {
    sb.copy_fixture("hello-1.0", "hello-1.0");
}

fn work_dir(sb: &Sandbox) {
    let dir = sb.path().join("w/hi-1.0");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/modules/hello-1.0"),
        &dir,
    );
    std::fs::write(dir.join("dkms.conf"), common::simple_conf("hi", "1.0")).unwrap();
}

#[test]
fn unwritable_tree_refuses_add_and_remove_but_not_status() {
    let Some(out) = nobody_run(hello_source, false, &["add", "hello/1.0"]) else {
        return;
    };
    assert_eq!(out, run(1, "", NO_WRITE));
    // the tree is checked before the root rule of adding a directory
    let out = nobody_run(work_dir, false, &["add", "w/hi-1.0"]).unwrap();
    assert_eq!(out, run(1, "", NO_WRITE));
    let added = |sb: &Sandbox| {
        hello_source(sb);
        sb.mark_added("hello", "1.0");
    };
    let out = nobody_run(added, false, &["remove", "hello/1.0", "--all"]).unwrap();
    assert_eq!(out, run(1, "", NO_WRITE));
    let out = nobody_run(added, false, &["status"]).unwrap();
    assert_eq!(out, run(0, "hello/1.0: added\n", ""));
}

#[test]
fn writable_tree_allows_add_and_remove_but_adding_a_directory_needs_root() {
    let Some(out) = nobody_run(hello_source, true, &["add", "hello/1.0"]) else {
        return;
    };
    assert_eq!(
        out,
        run(
            0,
            "Creating symlink <ROOT>/dkms/hello/1.0/source -> <ROOT>/src/hello-1.0\n",
            ""
        )
    );
    let out = nobody_run(work_dir, true, &["add", "w/hi-1.0"]).unwrap();
    assert_eq!(
        out,
        run(1, "", "\nError! You must be root to use this command.\n")
    );
    let added = |sb: &Sandbox| {
        hello_source(sb);
        sb.mark_added("hello", "1.0");
    };
    let out = nobody_run(added, true, &["remove", "hello/1.0", "--all"]).unwrap();
    assert_eq!(
        out,
        run(
            0,
            "Deleting module hello/1.0 completely from the DKMS tree.\n",
            ""
        )
    );
}
