//! `dkms show_conf --json` on our own dkms.conf fixtures (`fixtures/conf/`), whose expected
//! directives come from real bash through the conf oracle; plus the override chain,
//! `DKMS_DIRECTIVE*` and `--directive`, and the validation messages of `read_conf`.

mod common;

use common::Sandbox;

use common::{conf_fixture_dir as fixture_dir, CONF_KERNEL as KERNEL};

/// A sandbox where `<m>/<v>` is added from `fixtures/conf/<fixture>` and the fixture kernel
/// tree is `<install_tree>/<KERNEL>/build`.
fn sandbox_with(fixture: &str, module: &str, version: &str) -> Sandbox {
    Sandbox::with_conf_module(module, version, |src| {
        common::copy_dir(&fixture_dir(fixture), src)
    })
}

/// `dkms show_conf -m <m> -v <v> -k KERNEL -a <arch> <extra…>` (`env`: extra variables).
fn run_show_conf(
    sb: &Sandbox,
    (module, version, arch): (&str, &str, &str),
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut args = vec![
        "show_conf",
        "-m",
        module,
        "-v",
        version,
        "-k",
        KERNEL,
        "-a",
        arch,
    ];
    args.extend_from_slice(extra);
    let mut cmd = sb.dkms(&args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run dkms")
}

/// stdout of a run that must have succeeded.
fn success_stdout(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The JSON document among show_conf's stdout lines.
fn json_line(stdout: &str) -> serde_json::Value {
    let line = stdout
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON line: {stdout}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// The directives `show_conf --json` gives, the sandbox's trees mapped back to dkms's
/// defaults as in the expected files.
fn directives(sb: &Sandbox, module: &str, version: &str) -> serde_json::Value {
    let out = run_show_conf(sb, (module, version, "x86_64"), &["--json"], &[]);
    let stdout = success_stdout(&out)
        .replace(&sb.dkms_tree().display().to_string(), "/var/lib/dkms")
        .replace(&sb.source_tree().display().to_string(), "/usr/src")
        .replace(&sb.install_tree().display().to_string(), "/lib/modules");
    json_line(&stdout)["directives"].clone()
}

fn expected(fixture: &str) -> serde_json::Value {
    let text =
        std::fs::read_to_string(fixture_dir(fixture).join("expected.json")).expect("expected.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("expected JSON");
    v["directives"].clone()
}

fn check(fixture: &str, module: &str, version: &str) {
    let sb = sandbox_with(fixture, module, version);
    let got = directives(&sb, module, version);
    let want = expected(fixture);
    let want = want.as_object().expect("object");
    for (k, v) in want {
        assert_eq!(
            got.get(k).unwrap_or(&serde_json::Value::Null),
            v,
            "{fixture}: {k}"
        );
    }
}

#[test]
fn basics() {
    check("basics", "basics", "1.0");
}

#[test]
fn parameter_expansion() {
    check("params", "params", "2.5.1-rc3");
}

#[test]
fn arithmetic_and_command_substitution() {
    check("arith-subst", "arith", "3.14");
}

#[test]
fn control_flow() {
    check("control", "control", "1");
}

#[test]
fn functions_and_builtins() {
    check("functions", "functions", "0.9");
}

#[test]
fn serialisation_round_trip() {
    check("roundtrip", "roundtrip", "1.0");
}

#[test]
fn kernel_config() {
    check("kernel-config", "kconfig", "1");
}

#[test]
fn build_exclusive() {
    check("exclusive", "exclusive", "1");
}

#[test]
fn exit_serialises_nothing() {
    check("exits", "exits", "1");
}

/// Arithmetic errors that fail one command or end a subshell of the file: the file goes on.
#[test]
fn expansion_errors_fail_a_command_or_a_subshell() {
    check("abandon", "abandon", "1");
}

/// An arithmetic error ends the subshell dkms sources the file in: nothing is serialised.
#[test]
fn expansion_error_ends_the_read() {
    check("arith-errors-exit", "arith-errors-exit", "1");
}

#[test]
fn crlf_line_endings() {
    check("crlf", "crlf", "1.0");
}

#[test]
fn brace_expansion() {
    check("braces", "braces", "1.0");
}

#[test]
fn override_chain_directive_env_and_cli_directive() {
    let sb = sandbox_with("basics", "basics", "1.0");
    let conf = sb.confdir();
    let write = |name: &str, text: &str| std::fs::write(conf.join(name), text).expect("write");
    write("basics.conf", "MAKE[0]=\"$MAKE extra\"\n");
    write("basics-1.0.conf", "CLEAN=\"clean-$PACKAGE_VERSION\"\n");
    write(&format!("basics-1.0-{KERNEL}.conf"), "POST_BUILD=kver\n");
    write(
        &format!("basics-1.0-{KERNEL}-x86_64.conf"),
        "POST_ADD=kva\n",
    );
    write(&format!("basics--{KERNEL}.conf"), "POST_REMOVE=mk\n");
    write(
        &format!("basics--{KERNEL}-x86_64.conf"),
        "PRE_BUILD=mka\nunset MAKE\n",
    );
    write("basics-2.0.conf", "PRE_BUILD=wrong-version\n");
    let out = run_show_conf(
        &sb,
        ("basics", "1.0", "x86_64"),
        &["--json", "--directive", "POST_INSTALL=from-cli"],
        &[("DKMS_DIRECTIVE_TEST", "PRE_INSTALL=from-env")],
    );
    let stdout = success_stdout(&out);
    let d = json_line(&stdout);
    let d = &d["directives"];
    let first = |k: &str| d[k][0][1].as_str().unwrap_or("<null>").to_string();
    assert_eq!(
        first("MAKE"),
        format!(
            "make -C {}/{KERNEL}/build extra",
            sb.install_tree().display()
        )
    );
    assert_eq!(first("CLEAN"), "clean-1.0");
    assert_eq!(first("POST_BUILD"), "kver");
    assert_eq!(first("POST_ADD"), "kva");
    assert_eq!(first("POST_REMOVE"), "mk");
    assert_eq!(first("PRE_BUILD"), "mka");
    assert_eq!(first("PRE_INSTALL"), "from-env");
    assert_eq!(first("POST_INSTALL"), "from-cli");
    assert!(
        stdout.contains("DIRECTIVE: POST_INSTALL=\"from-cli\""),
        "{stdout}"
    );
}

#[test]
fn text_view_lists_set_indices() {
    let sb = sandbox_with("basics", "basics", "1.0");
    let out = run_show_conf(&sb, ("basics", "1.0", "x86_64"), &[], &[]);
    let stdout = sb.mask(&String::from_utf8_lossy(&out.stdout));
    assert!(stdout.contains("PACKAGE_NAME[0]=\"basics\"\n"), "{stdout}");
    assert!(
        stdout.contains("PATCH[1]=\"second patch.patch\"\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("MAKE[0]=\"make -C <ROOT>/modules/6.1.0-28-amd64/build\"\n"),
        "{stdout}"
    );
}

#[test]
fn show_conf_reads_a_path() {
    let sb = Sandbox::new();
    let dir = sb.path().join("pkg");
    common::copy_dir(&fixture_dir("control"), &dir);
    let out = sb
        .dkms(&[
            "show_conf",
            dir.to_str().expect("utf8"),
            "-k",
            KERNEL,
            "-a",
            "x86_64",
            "--json",
        ])
        .output()
        .expect("run");
    let stdout = success_stdout(&out);
    assert!(
        stdout.contains("\"PACKAGE_NAME\": [[0,\"control\"]]"),
        "{stdout}"
    );
}

#[test]
fn show_conf_explains_build_exclusive() {
    let sb = sandbox_with("exclusive", "exclusive", "1");
    let out = run_show_conf(&sb, ("exclusive", "1", "x86_64"), &[], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        stdout.contains(&format!(
            "# module newer is excluded from {KERNEL} (x86_64) by BUILD_EXCLUSIVE_KERNEL_MIN\n"
        )),
        "{stdout}"
    );
    let out = run_show_conf(&sb, ("exclusive", "1", "i386"), &["--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["build_exclusive"]["excluded"], true);
    assert_eq!(v["build_exclusive"]["reasons"][0], "BUILD_EXCLUSIVE_ARCH");
}
