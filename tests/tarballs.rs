//! mktarball and ldtarball against the reference 3.2.2 (output, exit codes, tree after).

mod common;

use common::{compare_with_reference, Run, Sandbox, TarballSource};

fn built(sb: &Sandbox) {
    sb.added("hello", "1.0");
    sb.mark_built("hello", "1.0", "9.9", "x86_64", "hello", b"ko");
}

fn members(archive: &std::path::Path) -> Vec<String> {
    let out = std::process::Command::new("tar")
        .arg("-taf")
        .arg(archive)
        .output()
        .unwrap();
    let mut list: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    list.sort();
    list
}

#[test]
fn mktarball_of_built_kernels_and_of_the_source() {
    let (out, sb) = compare_with_reference(built, &["mktarball", "hello/1.0", "-k", "9.9/x86_64"]);
    assert_eq!(
        out,
        Run::new(
            0,
            "Marking modules for 9.9 (x86_64) for archiving...\n\
             \n\
             Marking <ROOT>/dkms/hello/1.0/source for archiving...\n\
             \n\
             Tarball location: <ROOT>/dkms/hello/1.0/tarball//hello-1.0-kernel9.9-x86_64.dkms.tar.gz\n",
            ""
        )
    );
    let archive = sb
        .dkms_tree()
        .join("hello/1.0/tarball/hello-1.0-kernel9.9-x86_64.dkms.tar.gz");
    assert_eq!(
        members(&archive),
        [
            "./",
            "./dkms_main_tree/",
            "./dkms_main_tree/9.9/",
            "./dkms_main_tree/9.9/x86_64/",
            "./dkms_main_tree/9.9/x86_64/log/",
            "./dkms_main_tree/9.9/x86_64/log/make.log",
            "./dkms_main_tree/9.9/x86_64/module/",
            "./dkms_main_tree/9.9/x86_64/module/hello.ko",
            "./dkms_source_tree/",
            "./dkms_source_tree/dkms.conf",
        ]
    );

    let (out, _) = compare_with_reference(
        built,
        &[
            "mktarball",
            "hello/1.0",
            "--source-only",
            "--archive",
            "src.tgz",
        ],
    );
    assert_eq!(
        out,
        Run::new(
            0,
            "\nMarking <ROOT>/dkms/hello/1.0/source for archiving...\n\
             \n\
             Tarball location: <ROOT>/dkms/hello/1.0/tarball//src.tgz\n",
            ""
        )
    );

    let (out, _) = compare_with_reference(built, &["mktarball", "hello/1.0", "-k", "9.8/x86_64"]);
    assert_eq!(
        out,
        Run::new(
            6,
            "",
            "\nError! No modules built for 9.8 (x86_64).\n\
             Modules must already be in the built state before using mktarball.\n"
        )
    );
}

#[test]
fn ldtarball_loads_built_modules_and_the_source() {
    let setup = |sb: &Sandbox| {
        let conf = common::simple_conf("hello", "1.0");
        sb.dkms_tarball(
            "h.dkms.tar.gz",
            &conf,
            &[("9.9", "x86_64")],
            TarballSource::Source,
            b"ko",
        );
    };
    let (out, sb) = compare_with_reference(setup, &["ldtarball", "h.dkms.tar.gz"]);
    assert_eq!(
        out,
        Run::new(
            0,
            "\nLoading tarball for hello/1.0\n\
             Loading <ROOT>/dkms/hello/1.0/9.9/x86_64...\n\
             Creating symlink <ROOT>/dkms/hello/1.0/source -> <ROOT>/src/hello-1.0\n",
            ""
        )
    );
    assert_eq!(
        sb.run(&["status"]).stdout,
        "hello/1.0, 9.9, x86_64: built\n"
    );

    // loading it again is refused (spec §4.8)
    let again = sb.run(&["ldtarball", "h.dkms.tar.gz"]);
    assert_eq!(
        again,
        Run::new(8, "", "\nError! hello/1.0 is already added!\nAborting.\n")
    );

    let (out, _) = compare_with_reference(|_| {}, &["ldtarball", "nosuch.tgz"]);
    assert_eq!(out, Run::new(2, "", "\nError!  does not exist.\n"));
}

/// A binaries-only tarball round trip: the version comes back built, without a source tree
/// copy (spec §11: it shows as built).
#[test]
fn binaries_only_round_trip() {
    let sb = Sandbox::new();
    built(&sb);
    let out = sb.run(&[
        "mktarball",
        "hello/1.0",
        "-k",
        "9.9/x86_64",
        "--binaries-only",
        "--archive",
        &sb.path().join("bin.tgz").display().to_string(),
    ]);
    assert_eq!(
        out,
        Run::new(
            0,
            "Marking modules for 9.9 (x86_64) for archiving...\n\
             \n\
             Creating tarball structure to specifically accommodate binaries.\n\
             \n\
             Tarball location: <ROOT>/bin.tgz\n",
            ""
        )
    );
    assert_eq!(sb.run(&["remove", "hello/1.0", "--all"]).code, 0);
    std::fs::remove_dir_all(sb.source_tree().join("hello-1.0")).unwrap();
    let out = sb.run(&["ldtarball", "bin.tgz"]);
    assert_eq!(
        out,
        Run::new(
            0,
            "\nLoading tarball for hello/1.0\n\
             Creating <ROOT>/dkms/hello/1.0/source\n\
             Copying dkms.conf to <ROOT>/dkms/hello/1.0/source ...\n\
             Loading <ROOT>/dkms/hello/1.0/9.9/x86_64...\n",
            ""
        )
    );
    assert_eq!(
        sb.run(&["status"]).stdout,
        "hello/1.0, 9.9, x86_64: built\n"
    );
    assert!(!sb.source_tree().join("hello-1.0").exists());
}
