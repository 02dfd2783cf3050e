//! Settings as dkms builds them: environment fallbacks, framework.conf and framework.conf.d in
//! order, the command line last; os-release and TMPDIR problems at start-up. The precedence was
//! checked against the reference dkms (framework files win over the environment; an empty
//! value falls back to the default).

mod common;

use std::path::PathBuf;

use common::Sandbox;
use dkms::cli::Invocation;
use dkms::settings::Settings;

/// One test function: the cases change the process environment, so they must not run in
/// parallel threads.
#[test]
fn precedence_environment_framework_command_line() {
    let sb = Sandbox::new();
    let conf = sb.confdir();
    std::env::set_var("DKMS_CONFDIR", &conf);
    std::env::set_var("DKMS_OS_RELEASE", sb.path().join("etc/os-release"));
    for var in [
        "parallel_jobs",
        "sign_file",
        "mok_signing_key",
        "mok_certificate",
        "post_transaction",
        "ADDON_MODULES_DIR",
        "verbose",
    ] {
        std::env::remove_var(var);
    }

    // defaults
    let s = Settings::startup().expect("settings");
    assert_eq!(s.dkms_tree, PathBuf::from("/var/lib/dkms"));
    assert_eq!(s.source_tree, PathBuf::from("/usr/src"));
    assert_eq!(s.install_tree, PathBuf::from("/lib/modules"));
    assert_eq!(s.tmp_location, std::env::temp_dir());
    assert_eq!(s.parallel_jobs, dkms::settings::nproc());
    assert_eq!(s.compress_xz_opts, "--check=crc32 --lzma2=dict=1MiB");
    assert_eq!(s.compress_zstd_opts, "-q --rm -T0");
    assert_eq!(s.distro.id, "debian");
    assert!(!s.verbose);

    // environment fallbacks; `verbose` is not one
    std::env::set_var("parallel_jobs", "3");
    std::env::set_var("mok_signing_key", "/env/key");
    std::env::set_var("post_transaction", "env-pt");
    std::env::set_var("ADDON_MODULES_DIR", "addon");
    std::env::set_var("verbose", "1");
    let s = Settings::startup().expect("settings");
    assert_eq!(s.parallel_jobs, 3);
    assert_eq!(s.parallel_jobs_text, "3");
    assert_eq!(s.mok_signing_key.as_deref(), Some("/env/key"));
    assert_eq!(s.post_transaction.as_deref(), Some("env-pt"));
    assert_eq!(s.addon_modules_dir.as_deref(), Some("addon"));
    assert!(!s.verbose);

    // framework.conf wins over the environment, framework.conf.d/*.conf over framework.conf
    std::fs::write(
        conf.join("framework.conf"),
        "parallel_jobs=5\nmok_signing_key=/fw/key\ndkms_tree=/fw/tree\nverbose=1\n",
    )
    .expect("write");
    std::fs::create_dir_all(conf.join("framework.conf.d")).expect("mkdir");
    std::fs::write(conf.join("framework.conf.d/a.conf"), "parallel_jobs=9\n").expect("write");
    std::fs::write(conf.join("framework.conf.d/b.conf"), "parallel_jobs=11\n").expect("write");
    std::fs::write(conf.join("framework.conf.d/c.txt"), "parallel_jobs=13\n").expect("write");
    let s = Settings::startup().expect("settings");
    assert_eq!(s.parallel_jobs, 11);
    assert_eq!(s.mok_signing_key.as_deref(), Some("/fw/key"));
    assert_eq!(s.post_transaction.as_deref(), Some("env-pt"));
    assert_eq!(s.dkms_tree, PathBuf::from("/fw/tree"));
    assert!(s.verbose);

    // the command line wins over everything; -j 0 means no limit
    let inv = Invocation {
        dkmstree: Some(sb.dkms_tree()),
        sourcetree: Some(sb.source_tree()),
        installtree: Some(sb.install_tree()),
        jobs: Some("0".into()),
        ..Invocation::default()
    };
    let s = Settings::load(&inv).expect("settings");
    assert_eq!(s.dkms_tree, sb.dkms_tree());
    assert_eq!(s.source_tree, sb.source_tree());
    assert_eq!(s.install_tree, sb.install_tree());
    assert_eq!(s.parallel_jobs, 0);
    assert_eq!(s.parallel_jobs_text, "");
    assert_eq!(s.make_jobs_arg(), "-j");

    // an empty framework value falls back to the default, not to the environment
    std::fs::remove_dir_all(conf.join("framework.conf.d")).expect("rm");
    std::fs::write(conf.join("framework.conf"), "parallel_jobs=\n").expect("write");
    let s = Settings::startup().expect("settings");
    assert_eq!(s.parallel_jobs, dkms::settings::nproc());

    // distribution id from os-release
    std::fs::write(
        sb.path().join("etc/os-release"),
        "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n",
    )
    .expect("write");
    let s = Settings::startup().expect("settings");
    assert_eq!(s.distro.id, "ubuntu debian");
    assert_eq!(s.distro.running_distribution, "ubuntu debian");
    assert_eq!(s.distro.os_id, "linuxmint");

    // permission rules
    let mut s = Settings::load(&inv).expect("settings");
    assert!(dkms::settings::require_writable_tree(&s).is_ok());
    s.dkms_tree = sb.path().join("missing");
    match dkms::settings::require_writable_tree(&s) {
        Err(dkms::error::Error::Dkms { code, lines }) => {
            assert_eq!(code, 1);
            assert_eq!(
                lines,
                [format!(
                    "No write access to DKMS tree at {}",
                    s.dkms_tree.display()
                )]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_os_release_exits_4() {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.path().join("etc/os-release")).expect("rm");
    for args in [&["status"][..], &["--version"], &[]] {
        let out = sb.dkms(args).output().expect("runs");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "\nError! System is missing os-release file.\n"
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "");
        assert_eq!(out.status.code(), Some(4));
    }
}

#[test]
fn unusable_tmpdir_exits_1_before_parsing() {
    let sb = Sandbox::new();
    let missing = sb.path().join("no-such-dir");
    let out = sb
        .dkms(&["--version"])
        .env("TMPDIR", &missing)
        .output()
        .expect("runs");
    assert_eq!(
        sb.mask(&String::from_utf8_lossy(&out.stderr)),
        "\nError! Unable to make temporary file.\n\
         Warning: dkms will not function properly without some free space in $TMPDIR (<ROOT>/no-such-dir).\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn os_release_is_checked_before_tmpdir() {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.path().join("etc/os-release")).expect("rm");
    let out = sb
        .dkms(&["--version"])
        .env("TMPDIR", sb.path().join("no-such-dir"))
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "\nError! System is missing os-release file.\n"
    );
    assert_eq!(out.status.code(), Some(4));
}
