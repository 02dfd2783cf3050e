//! Every command-line rule, ours against the reference bash dkms (when it is installed at
//! /opt/reference-dkms): same stdout, stderr and exit code. Only command lines that stop before
//! an action runs (parse errors, checks, no action), so both binaries touch nothing. The
//! program path in the usage and the version number are the only masked differences.

mod common;

use common::{reference_dkms, Run, Sandbox};

const CASES: &[&[&str]] = &[
    &[],
    &["--help"],
    &["-h", "-V"],
    &["-V", "-h"],
    &["--version"],
    &["--version", "status", "add"],
    &["status", "add", "--version"],
    &["--help", "-k6.1"],
    &["-k6.1", "--help"],
    &["foo"],
    &["mkrpm", "foo/1.0"],
    &["foo", "bar", "baz"],
    // the sandbox root holds the directories dkms, src, modules, etc (no dkms.conf in them)
    &["etc", "src"],
    &["-m", "x", "src/", "./modules"],
    &["-m", "foo", "bar"],
    &["", "foo", "bar"],
    &["-m", "", "foo", "bar"],
    &["--module=foo", "bar"],
    &["--moduleXX", "foo", "bar"],
    &["status", "add"],
    &["status", "status"],
    &["status", "-j4"],
    &["status", "-k=6.1"],
    &["status", "-m=foo"],
    &["-mfoo"],
    &["-q1"],
    &["-fq"],
    &["--Verbose"],
    &["-v1"],
    &["-K", "1"],
    &["-"],
    &["--"],
    &["--=x"],
    &["--verb"],
    &["--forceX"],
    &["--allX"],
    &["--no-initrd=3", "status"],
    &["--distro=x", "status"],
    &["-d", "x", "status"],
    &["--media", "x"],
    &["--dkmsframework", "x"],
    &["--kernelver=6.1/x86_64", "-a", "x86_64"],
    &[
        "status", "-k", "6.1", "-k", "6.2", "-a", "a", "-a", "b", "-a", "c",
    ],
    &["-k", "1/a", "-k", "2/b", "-a", "c"],
    &["-a", "1", "-a", "2"],
    &["status", "-a", "x", "-a", "y"],
    &["status", "--all", "-k", "6.1"],
    &["status", "--all", "-a", "x"],
    &["add", "--all"],
    &["build", "--all"],
    &["install", "--all"],
    &["autoinstall", "--all"],
    &["match", "--all"],
    &["kernel_preinst", "--all"],
    &["kernel_postinst", "--all"],
    &["kernel_prerm", "--all"],
    &["--all"],
    &["--no-initrd", "--no-clean-kernel", "--no-prepare-kernel"],
    &["--no-initrd", "-k6.1"],
    &["--no-initrd", "-k", ""],
    &["-q", "-k6.1"],
    &["-k6.1", "-q"],
    &["-q", "status", "add"],
    &["--binaries-only", "--source-only"],
    &["-a", "1", "-a", "2", "--binaries-only", "--source-only"],
    &["--all", "-k", "1", "--binaries-only", "--source-only"],
    &["add", "--all", "-k", "1", "-a", "1", "-a", "2"],
    &["add", "--all", "-k", "1", "-a", "1"],
    &["add", "--all", "-a", "1"],
    &["kernel_postinst"],
    &["kernel_postinst", "-k", "1", "-k", "2"],
    &[
        "kernel_postinst",
        "-k",
        "1",
        "-k",
        "2",
        "-a",
        "1",
        "-a",
        "2",
        "-a",
        "3",
    ],
    &["kernel_postinst", "-k", "", "-k", "2"],
    &["kernel_preinst", "-k", "1/"],
    &["kernel_prerm", "-k", "1", "-a", "x", "-a", "y"],
    &["kernel_prerm", "-a", "x"],
    &["-k", ""],
    &["-k", "1", "-k", "", "-a", ""],
    &["-k", "1", "-k", "2", "-a", ""],
    &["-k", "1", "-k", "2", "-a", "x", "-a", ""],
    &["-k", "1/", "-k", "2/y"],
    &["-a", ""],
    &["remove", "foo/1", "--kernelver="],
    &["remove", "foo/1", "-k", "/x86_64"],
    &["build", "foo/1", "-k", ""],
    &[
        "generate_mok",
        "-k",
        "1",
        "-k",
        "2",
        "-a",
        "1",
        "-a",
        "2",
        "-a",
        "3",
    ],
    &[
        "-c",
        "/x",
        "--config",
        "/y",
        "--kernelsourcedir",
        "/z",
        "--templatekernel",
        "t",
        "--directive",
        "A=1",
        "--directive=B=2",
        "-j",
        "3",
        "--force",
        "--force-version-override",
        "--binaries-only",
        "--symlink-modules",
        "--no-depmod",
        "--modprobe-on-install",
        "--rpm_safe_upgrade",
        "--verbose",
    ],
];

fn normalize(run: Run, bin: &str) -> Run {
    let fix = |s: &str| s.replace(bin, "<BIN>").replace("dkms-3.2.2", "dkms-3.4.3");
    Run {
        code: run.code,
        stdout: fix(&run.stdout),
        stderr: fix(&run.stderr),
    }
}

#[test]
fn command_line_rules_match_the_reference() {
    let Some(reference) = reference_dkms() else {
        eprintln!("reference dkms not installed: skipped");
        return;
    };
    let ours_bin = assert_cmd::cargo::cargo_bin("dkms");
    let mut failures = Vec::new();
    for args in CASES {
        let sb = Sandbox::new();
        let ours = normalize(sb.run(args), &ours_bin.to_string_lossy());
        let theirs = normalize(
            sb.reference(args).expect("reference runs"),
            &reference.to_string_lossy(),
        );
        if ours != theirs {
            failures.push(format!(
                "{args:?}\n  ours: {ours:?}\n  reference: {theirs:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
