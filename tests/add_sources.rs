//! `dkms add <dir>`, `add <dir>/dkms.conf`, `add <tarball>`, `add --archive`, `add -c`:
//! copying into the source tree, checked against the reference when it is present.
//!

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{compare_with_reference, Run, Sandbox};

fn run(code: i32, stdout: &str, stderr: &str) -> Run {
    Run {
        code,
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
    }
}

const SYMLINK_PA: &str = "Creating symlink <ROOT>/dkms/pa/2.0/source -> <ROOT>/src/pa-2.0\n";

/// `<root>/w/pa-2.0`: the hello fixture renamed pa/2.0.
fn work_copy(sb: &Sandbox) -> PathBuf {
    let dir = sb.path().join("w/pa-2.0");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/modules/hello-1.0"),
        &dir,
    );
    std::fs::write(dir.join("dkms.conf"), common::simple_conf("pa", "2.0")).unwrap();
    dir
}

fn tarball(sb: &Sandbox, flag: &str, name: &str) -> PathBuf {
    work_copy(sb);
    let out = sb.path().join(name);
    let status = Command::new("tar")
        .arg("-C")
        .arg(sb.path().join("w"))
        .arg(flag)
        .arg("-cf")
        .arg(&out)
        .arg("pa-2.0")
        .status()
        .unwrap();
    assert!(status.success());
    out
}

#[test]
fn add_directory() {
    let (out, sb) = compare_with_reference(
        |sb| {
            work_copy(sb);
        },
        &["add", "w/pa-2.0"],
    );
    assert_eq!(out, run(0, SYMLINK_PA, ""));
    assert!(sb.source_tree().join("pa-2.0/hello.c").is_file());
}

#[test]
fn add_path_to_dkms_conf() {
    let (out, _sb) = compare_with_reference(
        |sb| {
            work_copy(sb);
        },
        &["add", "w/pa-2.0/dkms.conf"],
    );
    assert_eq!(out, run(0, SYMLINK_PA, ""));
}

#[test]
fn add_directory_merges_over_existing_source_and_force_replaces_it() {
    let setup = |sb: &Sandbox| {
        work_copy(sb);
        let existing = sb.source_tree().join("pa-2.0");
        std::fs::create_dir_all(&existing).unwrap();
        std::fs::write(existing.join("extra"), "kept?").unwrap();
    };
    let (out, sb) = compare_with_reference(setup, &["add", "w/pa-2.0"]);
    assert_eq!(out, run(0, SYMLINK_PA, ""));
    assert!(sb.source_tree().join("pa-2.0/extra").is_file());
    let (out, sb) = compare_with_reference(setup, &["add", "w/pa-2.0", "--force"]);
    assert_eq!(
        out,
        run(0, &format!("Forcing install of pa/2.0\n{SYMLINK_PA}"), "\n")
    );
    assert!(!sb.source_tree().join("pa-2.0/extra").exists());
}

#[test]
fn add_directory_of_an_added_module_changes_nothing() {
    let sb = Sandbox::new();
    let dir = work_copy(&sb);
    assert_eq!(sb.run(&["add", "w/pa-2.0"]).code, 0);
    std::fs::write(dir.join("hello.c"), "changed\n").unwrap();
    let out = sb.run(&["add", "w/pa-2.0", "--force"]);
    assert_eq!(
        out,
        run(
            3,
            "",
            "\nError! DKMS tree already contains: pa/2.0\n\
             You cannot add the same module/version combo more than once.\n"
        )
    );
    // deliberate fix: bash dkms overwrites the registered source before refusing
    assert_ne!(
        std::fs::read_to_string(sb.source_tree().join("pa-2.0/hello.c")).unwrap(),
        "changed\n"
    );
}

#[test]
fn add_directory_with_invalid_conf() {
    let (out, sb) = compare_with_reference(
        |sb| {
            let dir = work_copy(sb);
            std::fs::write(dir.join("dkms.conf"), "PACKAGE_VERSION=\"1.0\"\nBUILT_MODULE_NAME[0]=\"x\"\nDEST_MODULE_LOCATION[0]=\"/updates\"\n").unwrap();
        },
        &["add", "w/pa-2.0"],
    );
    assert_eq!(
        out,
        run(
            8,
            "",
            "dkms.conf: Error! No 'PACKAGE_NAME' directive specified.\n\
             \n\
             Error! Bad conf file.\n\
             File: <ROOT>/w/pa-2.0/dkms.conf does not represent a valid dkms.conf file.\n"
        )
    );
    assert_eq!(std::fs::read_dir(sb.source_tree()).unwrap().count(), 0);
}

#[test]
fn add_tarballs_of_every_compression() {
    for (flag, name) in [
        ("--gzip", "pa.tar.gz"),
        ("--xz", "pa.tar.xz"),
        ("--zstd", "pa.tar.zst"),
        ("--no-auto-compress", "pa.tar"),
    ] {
        let (out, sb) = compare_with_reference(
            |sb| {
                tarball(sb, flag, name);
                std::fs::remove_dir_all(sb.path().join("w")).unwrap();
            },
            &["add", name],
        );
        assert_eq!(out, run(0, SYMLINK_PA, ""), "{name}");
        assert!(sb.source_tree().join("pa-2.0/hello.c").is_file(), "{name}");
    }
}

#[test]
fn add_archive_option() {
    let (out, _sb) = compare_with_reference(
        |sb| {
            tarball(sb, "--gzip", "pa.tgz");
        },
        &["add", "--archive", "pa.tgz"],
    );
    assert_eq!(out, run(0, SYMLINK_PA, ""));
}

#[test]
fn add_tarball_without_conf_is_exit_3() {
    let (out, _sb) = compare_with_reference(
        |sb| {
            tarball(sb, "--gzip", "pa.tgz");
            std::fs::remove_file(sb.path().join("w/pa-2.0/dkms.conf")).unwrap();
            tarball_again(sb, "pa.tgz");
        },
        &["add", "pa.tgz"],
    );
    assert_eq!(
        out,
        run(
            3,
            "",
            "\nError! Tarball does not appear to be a correctly formed DKMS archive. No dkms.conf found within it.\n"
        )
    );
}

fn tarball_again(sb: &Sandbox, name: &str) {
    let status = Command::new("tar")
        .arg("-C")
        .arg(sb.path().join("w"))
        .arg("-czf")
        .arg(sb.path().join(name))
        .arg("pa-2.0")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn add_missing_archive_is_exit_2() {
    let (out, _sb) = compare_with_reference(|_| {}, &["add", "--archive", "nonexist.tgz"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.ends_with("nonexist.tgz does not exist.\n"));
}

#[test]
fn add_tarball_escaping_the_target_is_refused() {
    let sb = Sandbox::new();
    work_copy(&sb);
    let status = Command::new("tar")
        .arg("-C")
        .arg(sb.path().join("w"))
        .arg("-czf")
        .arg(sb.path().join("evil.tgz"))
        .arg("-P")
        .arg("--transform=s,^pa-2.0,../../escaped,")
        .arg("pa-2.0")
        .status()
        .unwrap();
    assert!(status.success());
    let out = sb.run(&["add", "evil.tgz"]);
    assert_eq!(out.code, 3);
    assert!(out
        .stderr
        .contains("would be written outside the extraction directory"));
    assert!(!sb.path().join("../escaped").exists());
    assert_eq!(std::fs::read_dir(sb.source_tree()).unwrap().count(), 0);
}

#[test]
fn add_with_alternate_conf() {
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.copy_fixture("hello-1.0", "hello-1.0");
        },
        &["add", "hello/1.0", "-c", "nonexist.conf"],
    );
    assert_eq!(
        out,
        run(
            4,
            "",
            "\nError! Could not locate dkms.conf file.\nFile: nonexist.conf does not exist.\n"
        )
    );
}

#[test]
fn file_named_like_dkms_conf_in_a_directory_without_one_is_exit_9() {
    let sb = Sandbox::new();
    let dir = sb.path().join("w");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("my-dkms.conf"), common::simple_conf("pa", "2.0")).unwrap();
    let out = sb.run(&["add", "w/my-dkms.conf"]);
    assert_eq!(out.code, 9);
    assert_eq!(out.stdout, "");
    // dkms prints the word it was given ("w/my-./"); we print the directory
    assert_eq!(
        out.stderr,
        "\nError! <ROOT>/w/ must contain a dkms.conf file!\n"
    );
    if let Some(reference) = sb.reference(&["add", "w/my-dkms.conf"]) {
        assert_eq!(reference.code, 9);
    }
}

#[test]
fn directory_with_links_and_a_fifo_is_copied_without_blocking() {
    let sb = Sandbox::new();
    let dir = work_copy(&sb);
    std::os::unix::fs::symlink("hello.c", dir.join("link.c")).unwrap();
    nix::unistd::mkfifo(
        &dir.join("fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let out = sb.run(&["add", "w/pa-2.0"]);
    assert_eq!(out, run(0, SYMLINK_PA, ""));
    let copy = sb.source_tree().join("pa-2.0");
    assert_eq!(
        std::fs::read_link(copy.join("link.c")).unwrap(),
        PathBuf::from("hello.c")
    );
    assert!(copy.join("hello.c").is_file());
    assert!(!copy.join("fifo").exists());
}

#[test]
fn add_tarball_with_links_pointing_out_keeps_them_as_links() {
    let setup = |sb: &Sandbox| {
        let dir = work_copy(sb);
        std::os::unix::fs::symlink("/nonexistent", dir.join("dangling")).unwrap();
        std::os::unix::fs::symlink("../../outside", dir.join("up")).unwrap();
        let status = Command::new("tar")
            .arg("-C")
            .arg(sb.path().join("w"))
            .arg("-czf")
            .arg(sb.path().join("links.tgz"))
            .arg("pa-2.0")
            .status()
            .unwrap();
        assert!(status.success());
    };
    let (out, sb) = compare_with_reference(setup, &["add", "links.tgz"]);
    assert_eq!(out, run(0, SYMLINK_PA, ""));
    let src = sb.source_tree().join("pa-2.0");
    assert_eq!(
        std::fs::read_link(src.join("dangling")).unwrap(),
        Path::new("/nonexistent")
    );
    assert_eq!(
        std::fs::read_link(src.join("up")).unwrap(),
        Path::new("../../outside")
    );
}
