//! ldtarball and `add <tarball>` in the cases the comparison with the reference 3.2.2 found
//! different (spec §4.8): a plain source tarball, a module already added (with and without
//! `--force`), a kernel directory already in the tree, a dkms tarball without a dkms.conf;
//! mktarball's default name without kernels.

mod common;

use common::{compare_with_reference, simple_conf, Run, Sandbox, TarballSource};

const K: (&str, &str) = ("9.9", "x86_64");

const ALREADY_CONTAINS: &str = "\nError! DKMS tree already contains: hello/1.0\n\
                                You cannot add the same module/version combo more than once.\n";

/// `<root>/h.tar.gz` holding `hello-1.0/{dkms.conf,hello.c}`, no `dkms_main_tree/`.
fn source_tarball(sb: &Sandbox) {
    let dir = sb.path().join("in/hello-1.0");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("dkms.conf"), simple_conf("hello", "1.0")).unwrap();
    std::fs::write(dir.join("hello.c"), "int x;\n").unwrap();
    sb.tar_dir(&sb.path().join("in"), "h.tar.gz");
    std::fs::remove_dir_all(sb.path().join("in")).unwrap();
}

fn full_tarball(sb: &Sandbox) {
    let conf = simple_conf("hello", "1.0");
    sb.dkms_tarball("full.tgz", &conf, &[K], TarballSource::Source, b"new ko");
}

fn binaries_tarball(sb: &Sandbox) {
    let conf = simple_conf("hello", "1.0");
    sb.dkms_tarball("bin.tgz", &conf, &[K], TarballSource::Binaries, b"new ko");
}

fn built_ko(sb: &Sandbox) -> Vec<u8> {
    std::fs::read(sb.dkms_tree().join("hello/1.0/9.9/x86_64/module/hello.ko")).unwrap()
}

#[test]
fn a_plain_source_tarball_is_added_as_add_does() {
    let creating = "Creating symlink <ROOT>/dkms/hello/1.0/source -> <ROOT>/src/hello-1.0\n";
    for args in [
        &["ldtarball", "h.tar.gz"][..],
        &["ldtarball", "--archive=h.tar.gz"],
        &["add", "h.tar.gz"],
    ] {
        let (out, sb) = compare_with_reference(source_tarball, args);
        assert_eq!(out, Run::new(0, creating, ""), "{args:?}");
        assert_eq!(
            std::fs::read_to_string(sb.source_tree().join("hello-1.0/hello.c")).unwrap(),
            "int x;\n"
        );
    }
    let added = |sb: &Sandbox| {
        source_tarball(sb);
        sb.added("hello", "1.0");
    };
    // (bash dkms copies the source over the registered one first, and with `--force` also
    // prints `Forcing install of hello/1.0`; ours keeps the registered source, README)
    let sb = Sandbox::new();
    added(&sb);
    assert_eq!(
        sb.run(&["ldtarball", "h.tar.gz", "--force"]),
        Run::new(3, "", ALREADY_CONTAINS)
    );
    assert!(!sb.source_tree().join("hello-1.0/hello.c").exists());
    assert_eq!(
        sb.run_same_as_reference(&["ldtarball", "h.tar.gz"]),
        Run::new(3, "", ALREADY_CONTAINS)
    );
}

fn added_and_built(sb: &Sandbox) {
    full_tarball(sb);
    binaries_tarball(sb);
    sb.added("hello", "1.0");
    sb.mark_built("hello", "1.0", K.0, K.1, "hello", b"old ko");
}

fn built_not_added(sb: &Sandbox) {
    full_tarball(sb);
    sb.write_source("hello", "1.0", None);
    sb.mark_built("hello", "1.0", K.0, K.1, "hello", b"old ko");
}

/// (tree before, command, result, the built module's bytes after)
type Case<'a> = (fn(&Sandbox), &'a [&'a str], Run, &'a [u8]);

/// A dkms tarball over a module already added (refused without `--force`; with it the
/// source and the kernel directories are loaded again, then add refuses), or over a kernel
/// directory already in the tree (kept without `--force`).
#[test]
fn a_dkms_tarball_over_an_existing_module() {
    let loading = "\nLoading tarball for hello/1.0\n";
    let forcing = "Forcing install of hello/1.0\n";
    let kernel = "Loading <ROOT>/dkms/hello/1.0/9.9/x86_64...\n";
    let link = "Creating symlink <ROOT>/dkms/hello/1.0/source -> <ROOT>/src/hello-1.0\n";
    let aborting = "\nError! hello/1.0 is already added!\nAborting.\n";
    let skipping = "Warning: <ROOT>/dkms/hello/1.0/9.9/x86_64 already exists. Skipping...\n";
    let forced_again = format!("\n{ALREADY_CONTAINS}");
    let table: [Case; 6] = [
        (
            added_and_built,
            &["ldtarball", "full.tgz"],
            Run::new(8, "", aborting),
            b"old ko",
        ),
        (
            added_and_built,
            &["ldtarball", "bin.tgz"],
            Run::new(8, "", aborting),
            b"old ko",
        ),
        (
            added_and_built,
            &["ldtarball", "full.tgz", "--force"],
            Run::new(3, &format!("{loading}{forcing}{kernel}"), &forced_again),
            b"new ko",
        ),
        (
            added_and_built,
            &["ldtarball", "bin.tgz", "--force"],
            Run::new(3, &format!("{loading}{kernel}"), ALREADY_CONTAINS),
            b"new ko",
        ),
        (
            built_not_added,
            &["ldtarball", "full.tgz"],
            Run::new(0, &format!("{loading}{link}"), skipping),
            b"old ko",
        ),
        (
            built_not_added,
            &["ldtarball", "full.tgz", "--force"],
            Run::new(0, &format!("{loading}{forcing}{kernel}{link}"), "\n"),
            b"new ko",
        ),
    ];
    for (setup, args, expected, ko) in table {
        let (out, sb) = compare_with_reference(setup, args);
        assert_eq!(out, expected, "{args:?}");
        assert_eq!(built_ko(&sb), ko, "{args:?}");
    }
}

#[test]
fn a_dkms_tarball_without_a_conf_is_not_valid() {
    let setup = |sb: &Sandbox| {
        sb.dkms_tarball("none.tgz", "", &[K], TarballSource::Nothing, b"ko");
    };
    let invalid = "\nError! No valid dkms.conf in dkms_source_tree or dkms_binaries_only.\n\
                   none.tgz is not a valid DKMS tarball.\n";
    for args in [&["ldtarball", "none.tgz"][..], &["add", "none.tgz"]] {
        let (out, _) = compare_with_reference(setup, args);
        assert_eq!(out, Run::new(7, "", invalid), "{args:?}");
    }
    // a conf without the version: dkms's validation of the extracted file
    let sb = Sandbox::new();
    sb.dkms_tarball(
        "bad.tgz",
        "PACKAGE_NAME=hello\n",
        &[K],
        TarballSource::Source,
        b"ko",
    );
    let bad = Run::new(
        8,
        "",
        "dkms.conf: Error! No 'PACKAGE_VERSION' directive specified.\n\
         \nError! Bad conf file.\n\
         File: <ROOT>/dkms.XXXXXX/dkms_source_tree/dkms.conf does not represent a valid dkms.conf file.\n",
    );
    // (the file is named in dkms's random scratch directory)
    let scratch = |mut out: Run| {
        if let Some(i) = out.stderr.find("<ROOT>/dkms.") {
            let at = i + "<ROOT>/dkms.".len();
            out.stderr.replace_range(at..at + 6, "XXXXXX");
        }
        out
    };
    assert_eq!(scratch(sb.run(&["ldtarball", "bad.tgz"])), bad);
    if let Some(reference) = sb.reference(&["ldtarball", "bad.tgz"]) {
        assert_eq!(scratch(reference), bad);
    }
}

/// The module and version of a binaries-only tarball come from its dkms.conf, as in dkms
/// (PACKAGE_NAME and PACKAGE_VERSION files are ignored).
#[test]
fn binaries_only_names_come_from_the_conf() {
    let sb = Sandbox::new();
    binaries_tarball(&sb);
    let stage = sb.path().join("x");
    std::fs::create_dir_all(&stage).unwrap();
    let untar = std::process::Command::new("tar")
        .arg("-C")
        .arg(&stage)
        .arg("-xzf")
        .arg(sb.path().join("bin.tgz"))
        .status()
        .unwrap();
    assert!(untar.success());
    std::fs::write(stage.join("dkms_binaries_only/PACKAGE_NAME"), "other\n").unwrap();
    sb.tar_dir(&stage, "other.tgz");
    assert_eq!(
        sb.run(&["ldtarball", "other.tgz"]),
        Run::new(
            0,
            "\nLoading tarball for hello/1.0\n\
             Creating <ROOT>/dkms/hello/1.0/source\n\
             Copying dkms.conf to <ROOT>/dkms/hello/1.0/source ...\n\
             Loading <ROOT>/dkms/hello/1.0/9.9/x86_64...\n",
            ""
        )
    );
    // a source tarball loaded afterwards replaces the binaries-only dkms.conf directory
    full_tarball(&sb);
    assert_eq!(
        sb.run(&["ldtarball", "full.tgz"]),
        Run::new(
            0,
            "\nLoading tarball for hello/1.0\n\
             Creating symlink <ROOT>/dkms/hello/1.0/source -> <ROOT>/src/hello-1.0\n",
            "Warning: <ROOT>/dkms/hello/1.0/9.9/x86_64 already exists. Skipping...\n"
        )
    );
    assert!(sb.dkms_tree().join("hello/1.0/source").is_symlink());
    assert_eq!(
        sb.run(&["status"]).stdout,
        "hello/1.0, 9.9, x86_64: built\n"
    );
}

#[test]
fn mktarball_of_all_kernels_when_none_is_built() {
    let (out, sb) = compare_with_reference(
        |sb| sb.added("hello", "1.0"),
        &["mktarball", "hello/1.0", "--all"],
    );
    assert_eq!(
        out,
        Run::new(
            0,
            "\nMarking <ROOT>/dkms/hello/1.0/source for archiving...\n\
             \n\
             Tarball location: <ROOT>/dkms/hello/1.0/tarball//hello-1.0-.dkms.tar.gz\n",
            ""
        )
    );
    assert!(sb
        .dkms_tree()
        .join("hello/1.0/tarball/hello-1.0-.dkms.tar.gz")
        .is_file());
}
