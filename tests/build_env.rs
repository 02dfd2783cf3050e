//! What the build sees: MAKE/MAKE_MATCH selection, the compiler from the kernel config, no
//! inherited compiler flags, and the exported variables of `build_environment`.

mod build_support;
mod common;

use build_support::Kbuild;

#[test]
fn make_match_compiler_and_build_environment() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("envprobe-1.0", "envprobe-1.0");
    let env_file = k.sb.path().join("build-env");
    std::fs::write(
        &env_file,
        "export FROM_BUILD_ENVIRONMENT=yes\nNOT_EXPORTED=1\n",
    )
    .unwrap();
    let kdir = k.kernel_dir().join("build");
    let r = k.run_env(
        &["build", "envprobe/1.0", "-k", &k.kernel],
        &[
            ("PROBE_KDIR", kdir.to_str().unwrap()),
            ("CFLAGS", "-Oops"),
            ("build_environment", env_file.to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log = std::fs::read_to_string(k.built_dir("envprobe", "1.0").join("log/make.log")).unwrap();
    assert!(
        log.contains("# command: ./probe.sh chosen\nprobe: chosen\n"),
        "{log}"
    );
    // the kernel was built by gcc-12 (CONFIG_CC_VERSION_TEXT) when it is installed
    let config = std::fs::read_to_string(kdir.join("include/config/auto.conf")).unwrap();
    let cc_text = config
        .lines()
        .find_map(|l| l.strip_prefix("CONFIG_CC_VERSION_TEXT="))
        .unwrap_or("")
        .trim_matches('"')
        .to_string();
    let cc = cc_text.split_whitespace().next().unwrap_or("").to_string();
    let cc_in_path = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {cc}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if cc_in_path {
        assert!(
            log.contains(&format!("CC={cc} KERNEL_CC={cc} LD=unset CFLAGS=unset\n")),
            "{log}"
        );
    }
    assert!(
        log.contains("FROM_BUILD_ENVIRONMENT=yes NOT_EXPORTED=unset\n"),
        "{log}"
    );
}
