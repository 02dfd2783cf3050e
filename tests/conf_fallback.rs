//! A dkms.conf using valid bash outside the built-in subset is evaluated by real bash, the
//! way dkms does it, and gives bash's values; `--verbose` says so; a syntax error does not
//! take that path. The expected values come from `../shared/tools/conf-oracle.sh` (see
//! `fixtures/conf/README.md`).

mod common;

use common::Sandbox;

use common::{conf_fixture_dir as fixture_dir, CONF_KERNEL as KERNEL};
const NOTICE: &str = "is outside the built-in shell subset; evaluating this file with bash";

/// A sandbox with `<module>/<version>` added from `fixtures/conf/<fixture>` (or from a
/// dkms.conf text) and the fixture kernel tree.
fn sandbox(module: &str, version: &str, conf: Option<&str>) -> Sandbox {
    Sandbox::with_conf_module(module, version, |src| match conf {
        None => common::copy_dir(&fixture_dir(module), src),
        Some(text) => {
            std::fs::create_dir_all(src).expect("mkdir");
            std::fs::write(src.join("dkms.conf"), text).expect("write dkms.conf");
        }
    })
}

/// `show_conf --json`: the directives (trees mapped back to dkms's defaults), stderr, status.
fn show_conf(sb: &Sandbox, module: &str, extra: &[&str]) -> (serde_json::Value, String, bool) {
    let mut args = vec![
        "show_conf",
        "-m",
        module,
        "-v",
        "1.0",
        "-k",
        KERNEL,
        "-a",
        "x86_64",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = sb.dkms(&args).output().expect("run dkms");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = stdout
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or("{}")
        .replace(&sb.dkms_tree().display().to_string(), "/var/lib/dkms")
        .replace(&sb.source_tree().display().to_string(), "/usr/src")
        .replace(&sb.install_tree().display().to_string(), "/lib/modules");
    let v: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    (v["directives"].clone(), stderr, out.status.success())
}

fn value(d: &serde_json::Value, name: &str) -> Option<String> {
    d[name][0][1].as_str().map(str::to_string)
}

#[test]
fn a_file_outside_the_subset_gives_the_values_bash_gives() {
    let sb = sandbox("fallback", "1.0", None);
    let (d, stderr, ok) = show_conf(&sb, "fallback", &[]);
    assert!(ok, "{stderr}");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_dir("fallback").join("expected.json")).expect("read"),
    )
    .expect("expected JSON");
    assert_eq!(d, expected["directives"]);
    // the same values, spelt out: brace expansion (native), process substitution, the dkms context,
    // the blank collapse and second expansion of the round trip, `declare -u`, `$[ ]`
    assert_eq!(
        value(&d, "MAKE").as_deref(),
        Some(
            "make -C /lib/modules/6.1.0-28-amd64/build M=/var/lib/dkms/fallback \
             KVER=6.1.0-28-amd64 mod_a mod_b part1 part2 part3"
        )
    );
    assert_eq!(value(&d, "BUILT_MODULE_NAME").as_deref(), Some("mod_a"));
    assert_eq!(
        value(&d, "CLEAN").as_deref(),
        Some("make clean ARCH=X86_64 JOBS=6")
    );
    assert!(
        !stderr.contains(NOTICE),
        "notice without --verbose: {stderr}"
    );
}

#[test]
fn verbose_names_the_file_position_and_construct_once() {
    let sb = sandbox("fallback", "1.0", None);
    let (_, stderr, ok) = show_conf(&sb, "fallback", &["--verbose"]);
    assert!(ok, "{stderr}");
    let conf = sb.dkms_tree().join("fallback/1.0/source/dkms.conf");
    let line = format!("dkms.conf: {}:12:9: `declare -u' {NOTICE}", conf.display());
    let notices: Vec<&str> = stderr.lines().filter(|l| l.contains(NOTICE)).collect();
    assert_eq!(notices, [line.as_str()], "{stderr}");
}

#[test]
fn an_override_file_outside_the_subset_is_read_by_bash_too() {
    let sb = sandbox(
        "plain",
        "1.0",
        Some("PACKAGE_NAME=plain\nPACKAGE_VERSION=1.0\nBUILT_MODULE_NAME[0]=plain\nMAKE=make\n"),
    );
    std::fs::create_dir_all(sb.confdir()).expect("mkdir");
    std::fs::write(
        sb.confdir().join("plain.conf"),
        "MAKE=\"$MAKE $(echo KVER={$kernelver,x})\"\ncoproc true\n",
    )
    .expect("write override");
    let (d, stderr, ok) = show_conf(&sb, "plain", &["--verbose"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        value(&d, "MAKE").as_deref(),
        Some("make KVER=6.1.0-28-amd64 KVER=x")
    );
    assert_eq!(value(&d, "BUILT_MODULE_NAME").as_deref(), Some("plain"));
    assert!(
        stderr.contains(&format!("plain.conf:2:1: `coproc' {NOTICE}")),
        "{stderr}"
    );
}

#[test]
fn a_syntax_error_keeps_the_positioned_error_and_no_fallback() {
    let sb = sandbox(
        "broken",
        "1.0",
        Some("PACKAGE_NAME=broken\nPACKAGE_VERSION=1.0\nMAKE=make\nif true; then\n  echo {a,b}\n)\nfi\n"),
    );
    let (d, stderr, _) = show_conf(&sb, "broken", &["--verbose"]);
    assert!(
        stderr.contains("dkms.conf: line 6: syntax error near unexpected token `)'"),
        "{stderr}"
    );
    assert!(!stderr.contains(NOTICE), "{stderr}");
    // as in bash, what ran before the error is kept
    assert_eq!(value(&d, "MAKE").as_deref(), Some("make"));
}

#[test]
fn a_second_expansion_outside_the_subset_is_done_by_bash() {
    // single quotes defer `$[ ]` and the brace expansion to dkms's round trip, where bash
    // expands them (values from conf-oracle.sh)
    let sb = sandbox(
        "roundtrip",
        "1.0",
        Some(
            "PACKAGE_NAME=roundtrip\nPACKAGE_VERSION=1.0\n\
             MAKE='make J=$[1+2] $kernelver'\nCLEAN='x\"; echo {a,b} \"y'\n",
        ),
    );
    let (d, stderr, ok) = show_conf(&sb, "roundtrip", &[]);
    assert!(ok, "{stderr}");
    assert_eq!(
        value(&d, "MAKE").as_deref(),
        Some("make J=3 6.1.0-28-amd64")
    );
    assert_eq!(value(&d, "CLEAN").as_deref(), Some("x"));
    assert_eq!(value(&d, "PACKAGE_NAME").as_deref(), Some("roundtrip"));
}

/// Syntax errors while dkms reads a dkms.conf: stderr is bash's, byte for byte (sourcing the
/// same path), what ran before the error is kept, and where bash exits instead (an array
/// assignment open at the end, an error inside `$( )`, a bad `${ }`) nothing is serialised
/// (values from conf-oracle.sh).
#[test]
fn syntax_errors_print_what_bash_prints() {
    for (body, kept) in [
        ("if then\nMAKE=x\n", true),
        ("if true; then\n  MAKE=x\n", true),
        ("MAKE=\"x\n", true),
        ("[[ a b ]]\nMAKE=y\n", true),
        ("echo a | | b\n", true),
        ("case x in\n a) MAKE=1;;\n", true),
        ("f() {\n:\n", true),
        ("for\n", true),
        ("x=$(\n", true),
        ("MAKE=x\r\n)\r\n", true),
        ("x=(a b\n", false),
        ("MAKE=1; echo $(fi)\n", false),
        ("echo ${a b}\nMAKE=2\n", false),
    ] {
        let text = format!("PACKAGE_NAME=broken\nPACKAGE_VERSION=1.0\n{body}");
        let sb = sandbox("broken", "1.0", Some(&text));
        let (d, stderr, _) = show_conf(&sb, "broken", &[]);
        let conf = sb.dkms_tree().join("broken/1.0/source/dkms.conf");
        let Ok(bash) = std::process::Command::new("bash")
            .args(["-c", ". \"$1\" >/dev/null", "bash"])
            .arg(&conf)
            .output()
        else {
            return; // no bash on this machine
        };
        assert_eq!(stderr, String::from_utf8_lossy(&bash.stderr), "{body:?}");
        let name = value(&d, "PACKAGE_NAME");
        assert_eq!(name.is_some(), kept, "{body:?}: {d}");
    }
}

#[test]
fn verbose_names_the_position_and_the_open_construct() {
    let sb = sandbox(
        "broken",
        "1.0",
        Some("PACKAGE_NAME=broken\nPACKAGE_VERSION=1.0\nif true; then\n  MAKE=x\n"),
    );
    let (_, stderr, _) = show_conf(&sb, "broken", &["--verbose"]);
    let conf = sb.dkms_tree().join("broken/1.0/source/dkms.conf");
    assert!(
        stderr.contains(&format!(
            "dkms.conf: {}:5:1: syntax error: unexpected end of file (`if' at 3:1 is not closed)",
            conf.display()
        )),
        "{stderr}"
    );
}
