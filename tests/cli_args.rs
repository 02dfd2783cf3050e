//! The command line as dkms parses it: golden stdout, stderr and exit code for every argument
//! rule (checked against the reference dkms; 3.4.3 texts where the spec says they changed).

mod common;

use common::Sandbox;

const USAGE: &str = "\
Usage: <BIN> [action] [options]
  [action]  = { add | remove | build | unbuild | install | uninstall | match |
               autoinstall | mktarball | ldtarball | status | generate_mok |
               kernel_preinst | kernel_postinst | kernel_prerm }
  [options] = [-m module] [-v module-version] [-k kernel-version] [-a arch]
              [-c dkms.conf-location] [-q] [--force] [--force-version-override] [--all]
              [--templatekernel=kernel] [--directive='cli-directive=cli-value']
              [--config=kernel-include/config/auto.conf-location] [--archive=tarball-location]
              [--kernelsourcedir=source-location] [--rpm_safe_upgrade]
              [--dkmstree path] [--sourcetree path] [--installtree path]
              [--binaries-only] [--source-only] [--verbose]
              [--no-depmod] [--modprobe-on-install] [-j number] [--version] [--help]
";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn bin_path() -> String {
    assert_cmd::cargo::cargo_bin("dkms")
        .to_string_lossy()
        .into_owned()
}

fn run(sb: &Sandbox, args: &[&str]) -> Run {
    let out = sb.dkms(args).output().expect("runs");
    let mask = |b: &[u8]| {
        sb.mask(&String::from_utf8_lossy(b))
            .replace(&bin_path(), "<BIN>")
    };
    Run {
        stdout: mask(&out.stdout),
        stderr: mask(&out.stderr),
        code: out.status.code().expect("exit code"),
    }
}

/// Asserts the whole outcome of `dkms <args>` (with the sandbox's tree options appended).
fn expect(args: &[&str], stdout: &str, stderr: &str, code: i32) {
    let sb = Sandbox::new();
    let r = run(&sb, args);
    assert_eq!(r.stdout, stdout, "stdout of {args:?}");
    assert_eq!(r.stderr, stderr, "stderr of {args:?}");
    assert_eq!(r.code, code, "exit code of {args:?}");
}

fn error(lines: &str) -> String {
    format!("\nError! {lines}\n")
}

#[test]
fn no_action_prints_error_and_usage_and_exits_zero() {
    expect(&[], USAGE, &error("Unknown action specified: \"\""), 0);
}

#[test]
fn unknown_action_word_is_a_module_name() {
    expect(&["foo"], USAGE, &error("Unknown action specified: \"\""), 0);
    expect(
        &["mkrpm", "foo/1.0"],
        USAGE,
        &format!(
            "Warning: I do not know how to handle foo/1.0.\n{}",
            error("Unknown action specified: \"\"")
        ),
        0,
    );
}

#[test]
fn help_prints_usage() {
    expect(&["--help"], USAGE, "", 0);
    expect(&["status", "-h"], USAGE, "", 0);
    // scanning stops at --help
    expect(&["--help", "-k6.1"], USAGE, "", 0);
}

#[test]
fn version_prints_the_behaviour_level() {
    expect(&["--version"], "dkms-3.4.3\n", "", 0);
    expect(&["-V"], "dkms-3.4.3\n", "", 0);
    expect(&["--version", "status", "add"], "dkms-3.4.3\n", "", 0);
}

#[test]
fn verbose_version_names_this_implementation() {
    let expected = format!(
        "dkms-3.4.3\ndkms (Rust reimplementation of dkms) {}\n",
        env!("CARGO_PKG_VERSION")
    );
    expect(&["--verbose", "--version"], &expected, "", 0);
    expect(&["--version", "--verbose"], &expected, "", 0);
}

#[test]
fn unknown_options_exit_2_with_usage() {
    for word in [
        "-k6.1",
        "-k=6.1",
        "-j4",
        "-m=foo",
        "-mfoo",
        "-q1",
        "-fq",
        "-K",
        "-",
        "--",
        "--=x",
        "--verb",
        "--forceX",
        "--allX",
        "--Verbose",
        "--no-initrd=3",
        "--distro=x",
        "-d",
        "--dkmsframework",
    ] {
        expect(
            &["status", word],
            USAGE,
            &error(&format!("Unknown option: {word}")),
            2,
        );
    }
}

#[test]
fn unknown_option_stops_before_later_words() {
    expect(
        &["-k6.1", "--help"],
        USAGE,
        &error("Unknown option: -k6.1"),
        2,
    );
}

#[test]
fn two_actions_exit_4() {
    let e = error("Cannot specify more than one action.");
    expect(&["status", "add"], "", &e, 4);
    expect(&["status", "status"], "", &e, 4);
    expect(&["status", "add", "--version"], "", &e, 4);
}

#[test]
fn quiet_silences_everything_after_it() {
    expect(&["-q", "-k6.1"], "", "", 2);
    expect(&["-q", "status", "add"], "", "", 4);
    expect(&["-q"], "", "", 0);
    // before -q, the error is still printed
    expect(&["-k6.1", "-q"], USAGE, &error("Unknown option: -k6.1"), 2);
}

#[test]
fn deprecated_options_warn() {
    expect(
        &["--no-initrd", "--no-clean-kernel", "--no-prepare-kernel"],
        USAGE,
        &format!(
            "Deprecated feature: --no-initrd\nDeprecated feature: --no-clean-kernel\n\
             Deprecated feature: --no-prepare-kernel\n{}",
            error("Unknown action specified: \"\"")
        ),
        0,
    );
    expect(
        &["--no-initrd", "-k6.1"],
        USAGE,
        &format!(
            "Deprecated feature: --no-initrd\n{}",
            error("Unknown option: -k6.1")
        ),
        2,
    );
}

#[test]
fn debug_is_accepted() {
    expect(&["--debug", "--version"], "dkms-3.4.3\n", "", 0);
}

#[test]
fn binaries_only_with_source_only_exit_8() {
    let e =
        error("You have specified both --binaries-only and --source-only.\nYou cannot do this.");
    expect(&["--binaries-only", "--source-only"], "", &e, 8);
    expect(
        &["-a", "1", "-a", "2", "--binaries-only", "--source-only"],
        "",
        &e,
        8,
    );
    expect(
        &["--all", "-k", "1", "--binaries-only", "--source-only"],
        "",
        &e,
        8,
    );
}

const ARCH_COUNT: &str = "If more than one arch is specified on the command line, then there\n\
must be an equal number of kernel versions also specified (1:1 relationship).";

#[test]
fn arch_count_must_match_kernel_count() {
    let e = error(ARCH_COUNT);
    expect(&["-a", "1", "-a", "2"], "", &e, 1);
    expect(
        &[
            "status", "-k", "6.1", "-k", "6.2", "-a", "a", "-a", "b", "-a", "c",
        ],
        "",
        &e,
        1,
    );
    // the arch part of -k counts as an arch
    expect(
        &["status", "--kernelver=6.1/x86_64", "-a", "x86_64"],
        "",
        &e,
        1,
    );
    expect(
        &["add", "--all", "-k", "1", "-a", "1", "-a", "2"],
        "",
        &e,
        1,
    );
}

#[test]
fn all_with_kernel_or_arch() {
    let k =
        error("You cannot specify a kernel version and also specify\n--all on the command line.");
    let a = error("You cannot specify an arch and also specify\n--all on the command line.");
    expect(&["status", "--all", "-k", "6.1"], "", &k, 2);
    expect(&["add", "--all", "-k", "1", "-a", "1"], "", &k, 2);
    expect(
        &["kernel_postinst", "--all", "-k", "1", "-k", "2"],
        "",
        &k,
        2,
    );
    expect(&["status", "--all", "-a", "x"], "", &a, 3);
    expect(&["add", "--all", "-a", "1"], "", &a, 3);
}

#[test]
fn all_not_supported_by_some_actions() {
    for action in [
        "add",
        "build",
        "install",
        "autoinstall",
        "match",
        "kernel_preinst",
        "kernel_postinst",
        "kernel_prerm",
    ] {
        expect(
            &[action, "--all"],
            "",
            &error(&format!(
                "The action {action} does not support the --all parameter."
            )),
            5,
        );
    }
}

#[test]
fn all_is_ignored_without_action() {
    expect(
        &["--all"],
        USAGE,
        &error("Unknown action specified: \"\""),
        0,
    );
}

#[test]
fn kernel_hooks_need_exactly_one_kernel() {
    for args in [
        &["kernel_postinst"][..],
        &["kernel_postinst", "-k", "1", "-k", "2"],
        &["kernel_preinst", "-k", "", "-k", "2"],
        &["kernel_prerm", "-a", "x"],
    ] {
        expect(
            args,
            "",
            &error(&format!(
                "The action {} requires exactly one kernel version parameter on the command line.",
                args[0]
            )),
            4,
        );
    }
    expect(
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
        "",
        &error(ARCH_COUNT),
        1,
    );
    expect(
        &["kernel_preinst", "-k", "1/"],
        "",
        &error("Empty arch[0]"),
        16,
    );
}

#[test]
fn empty_kernel_or_arch_exit_16() {
    expect(&["-k", ""], "", &error("Empty kernelver[0]"), 16);
    expect(
        &["remove", "foo/1", "--kernelver="],
        "",
        &error("Empty kernelver[0]"),
        16,
    );
    expect(
        &["remove", "foo/1", "-k", "/x86_64"],
        "",
        &error("Empty kernelver[0]"),
        16,
    );
    expect(
        &["-k", "1", "-k", "", "-a", ""],
        "",
        &error("Empty kernelver[1]"),
        16,
    );
    expect(
        &["-k", "1", "-k", "2", "-a", ""],
        "",
        &error("Empty arch[0]"),
        16,
    );
    expect(
        &["-k", "1", "-k", "2", "-a", "x", "-a", ""],
        "",
        &error("Empty arch[1]"),
        16,
    );
    expect(&["-k", "1/", "-k", "2/y"], "", &error("Empty arch[0]"), 16);
    expect(&["-a", ""], "", &error("Empty arch[0]"), 16);
    expect(
        &["--no-initrd", "-k", ""],
        "",
        &format!(
            "Deprecated feature: --no-initrd\n{}",
            error("Empty kernelver[0]")
        ),
        16,
    );
}

#[test]
fn a_missing_value_is_empty() {
    // `-k` as the last word (the sandbox appends its tree options, so put them first here)
    let sb = Sandbox::new();
    let mut cmd = sb.dkms(&[]);
    cmd.args(["-k"]);
    let out = cmd.output().expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        error("Empty kernelver[0]")
    );
    assert_eq!(out.status.code(), Some(16));
}

#[test]
fn a_directory_without_dkms_conf_is_a_module_word() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path().join("plain")).expect("mkdir");
    // `plain` exists but holds no dkms.conf: it becomes the module, `bar/1` is left over
    let r = run(&sb, &["plain", "bar/1"]);
    assert_eq!(
        r.stderr,
        format!(
            "Warning: I do not know how to handle bar/1.\n{}",
            error("Unknown action specified: \"\"")
        )
    );
    assert_eq!(r.code, 0);
}

#[test]
fn a_word_that_is_not_utf8_does_not_panic() {
    use std::os::unix::ffi::OsStrExt;
    let sb = Sandbox::new();
    let mut cmd = sb.dkms(&[]);
    cmd.arg(std::ffi::OsStr::from_bytes(b"\xff"));
    let out = cmd.output().expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        error("Unknown action specified: \"\"")
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn quiet_also_silences_the_commands_dkms_runs() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let conf = format!(
        "{}POST_ADD=\"post.sh\"\n",
        common::simple_conf("loud", "1.0")
    );
    let dir = sb.write_source("loud", "1.0", Some(&conf));
    let script = dir.join("post.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho to-stdout\necho to-stderr >&2\ntouch ran\n",
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let loud = run(&sb, &["add", "loud/1.0"]);
    assert!(loud.stdout.contains("to-stdout"), "{}", loud.stdout);
    assert!(loud.stderr.contains("to-stderr"), "{}", loud.stderr);

    let sb = Sandbox::new();
    let dir = sb.write_source("loud", "1.0", Some(&conf));
    std::fs::copy(&script, dir.join("post.sh")).expect("copy");
    let quiet = run(&sb, &["add", "loud/1.0", "-q"]);
    assert_eq!(
        (quiet.stdout.as_str(), quiet.stderr.as_str(), quiet.code),
        ("", "", 0)
    );
    assert!(dir.join("ran").is_file(), "POST_ADD ran");
    assert!(sb.dkms_tree().join("loud/1.0/source").is_symlink());
}
