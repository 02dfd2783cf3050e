//! When dkms reads a dkms.conf and what it prints about it, compared with the reference
//! 3.2.2: validation messages, the variables a read sees, and a read not repeated when the
//! module, version, kernel, arch and file equal the previous read.

mod common;

use common::{compare_with_reference, Run, Sandbox};

const BAD: &str = "\nError! Bad conf file.\n\
                   File: <ROOT>/src/bad-1.0/dkms.conf does not represent a valid dkms.conf file.\n";

/// "Zero modules specified." is a warning about an otherwise valid file only.
#[test]
fn zero_modules_warning_only_without_errors() {
    let no_version = "dkms.conf: Error! No 'PACKAGE_VERSION' directive specified.\n";
    let autoinstall = "dkms.conf: Error! Unsupported AUTOINSTALL value 'maybe'\n";
    for (conf, code, stdout, stderr) in [
        ("PACKAGE_NAME=bad\n", 8, "", format!("{no_version}{BAD}")),
        (
            "PACKAGE_VERSION=1.0\n",
            8,
            "",
            format!("dkms.conf: Error! No 'PACKAGE_NAME' directive specified.\n{BAD}"),
        ),
        (
            "PACKAGE_NAME=bad\nAUTOINSTALL=maybe\n",
            8,
            "",
            format!("{no_version}{autoinstall}{BAD}"),
        ),
        (
            "PACKAGE_NAME=bad\nPACKAGE_VERSION=1.0\nAUTOINSTALL=maybe\n",
            8,
            "",
            format!("{autoinstall}{BAD}"),
        ),
        (
            "PACKAGE_NAME=bad\nPACKAGE_VERSION=1.0\n",
            0,
            "Creating symlink <ROOT>/dkms/bad/1.0/source -> <ROOT>/src/bad-1.0\n",
            "dkms.conf: Warning! Zero modules specified.\n".to_string(),
        ),
    ] {
        let (out, _) = compare_with_reference(
            |sb| {
                sb.write_source("bad", "1.0", Some(conf));
            },
            &["add", "bad/1.0"],
        );
        assert_eq!(out, Run::new(code, stdout, &stderr), "{conf:?}");
    }
}

/// At add's read the module suffix is not known yet and do_build's variables do not exist;
/// a build that adds the module first does not read the file again (its output and the
/// `--directive` echo appear once, add's values stay), though both check it.
#[test]
fn add_read_variables_and_build_after_auto_add_reads_once() {
    let conf = "PACKAGE_NAME=z\nPACKAGE_VERSION=1.0\n\
                echo \"read ms=$module_suffix us=$module_uncompressed_suffix sd=$source_dir m=$module\" >&2\n";
    let setup = |sb: &Sandbox| {
        sb.write_source("z", "1.0", Some(conf));
    };
    let (out, _) = compare_with_reference(setup, &["add", "z/1.0"]);
    assert_eq!(
        out,
        Run::new(
            0,
            "Creating symlink <ROOT>/dkms/z/1.0/source -> <ROOT>/src/z-1.0\n",
            "read ms= us= sd= m=z\ndkms.conf: Warning! Zero modules specified.\n"
        )
    );
    let (out, _) = compare_with_reference(
        setup,
        &[
            "build",
            "z/1.0",
            "-k",
            "9.9/x86_64",
            "--directive",
            "FOO=bar",
        ],
    );
    let zero = "dkms.conf: Warning! Zero modules specified.\n";
    assert_eq!(
        out,
        Run::new(
            8,
            "DIRECTIVE: FOO=\"bar\"\n\
             Creating symlink <ROOT>/dkms/z/1.0/source -> <ROOT>/src/z-1.0\n\n",
            &format!(
                "read ms= us= sd= m=z\n{zero}{zero}\n\
                 Error! The directory <ROOT>/dkms/z/1.0/source does not appear to have module source located within it.\n\
                 Build halted.\n"
            )
        )
    );
}

/// The auto-add's error block comes once per kernel, also for the same kernel twice.
#[test]
fn build_of_a_missing_module_reports_each_kernel() {
    let (out, _) =
        compare_with_reference(|_| {}, &["build", "nosuch/1.0", "-k", "9.9", "-k", "9.9"]);
    let once = "\nError! Could not find module source directory.\n\
                Directory: <ROOT>/src/nosuch-1.0 does not exist.\n";
    assert_eq!(out, Run::new(2, "", &once.repeat(2)));
}
