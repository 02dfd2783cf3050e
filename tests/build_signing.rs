//! Signing decisions (spec §4.6) and `generate_mok` (§6.8).

mod build_support;
mod common;

use build_support::{modinfo_field, sign_file, Kbuild};

#[test]
fn generate_mok_creates_the_pair_once() {
    let sb = common::Sandbox::new();
    let out = sb.dkms(&["generate_mok"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        sb.mask(&String::from_utf8_lossy(&out.stdout)),
        "Signing key: <ROOT>/mok.key\nPublic certificate (MOK): <ROOT>/mok.pub\n\
         Certificate or key are missing, generating self signed certificate for MOK...\n"
    );
    let cert = sb.path().join("mok.pub");
    let info = std::process::Command::new("openssl")
        .args([
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-subject",
            "-ext",
            "extendedKeyUsage",
            "-in",
        ])
        .arg(&cert)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("CN = DKMS module signing key"), "{text}");
    assert!(text.contains("Code Signing"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(sb.path().join("mok.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0);
    let key_before = std::fs::read(sb.path().join("mok.key")).unwrap();

    let out = sb.dkms(&["generate_mok"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        sb.mask(&String::from_utf8_lossy(&out.stdout)),
        "Signing key: <ROOT>/mok.key\nPublic certificate (MOK): <ROOT>/mok.pub\n"
    );
    assert_eq!(
        std::fs::read(sb.path().join("mok.key")).unwrap(),
        key_before
    );
}

#[test]
fn generate_mok_reports_a_key_it_cannot_write() {
    let sb = common::Sandbox::new();
    let key = sb.path().join("missing-dir/mok.key");
    let out = sb
        .dkms(&["generate_mok"])
        .env("mok_signing_key", &key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        sb.mask(&String::from_utf8_lossy(&out.stdout)),
        "Signing key: <ROOT>/missing-dir/mok.key\nPublic certificate (MOK): <ROOT>/mok.pub\n\
         Certificate or key are missing, generating self signed certificate for MOK...\n\
         Key file <ROOT>/missing-dir/mok.key not found and can't be generated, modules won't be signed\n"
    );
}

#[test]
fn signing_can_be_disabled_or_impossible() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    let kernel = k.kernel.clone();
    let ko = k.built_dir("hello", "1.0").join("module/hello.ko");

    let r = k.run_env(
        &["build", "hello/1.0", "-k", &kernel],
        &[("try_sign_modules", "false")],
    );
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        "Creating symlink <ROOT>/dkms/hello/1.0/source -> <ROOT>/src/hello-1.0\n\n\
         Module signing is disabled by policy, modules won't be signed\n\n\
         Building module(s)... done.\n"
    );
    assert_eq!(modinfo_field(&ko, "signer"), "");
    assert!(!k.sb.path().join("mok.key").exists());

    let r = k.run_env(
        &["build", "hello/1.0", "-k", &kernel, "--force"],
        &[("sign_file", "/nonexistent/sign-file")],
    );
    assert_eq!(
        r.stdout,
        "Sign command: /nonexistent/sign-file\n\
         Binary /nonexistent/sign-file not found, modules won't be signed\n\n\
         Building module(s)... done.\n"
    );
    assert_eq!(modinfo_field(&ko, "signer"), "");

    let r = k.run(&[
        "build",
        "hello/1.0",
        "-k",
        &kernel,
        "--force",
        "--config",
        "/nonexistent/config",
    ]);
    assert_eq!(
        r.stdout,
        "Kernel config /nonexistent/config not found, modules won't be signed\n\n\
         Building module(s)... done.\n"
    );

    // the hash comes from CONFIG_MODULE_SIG_HASH of the kernel config
    let config = k.sb.path().join("config");
    let real = std::fs::read_to_string(
        std::path::Path::new("/lib/modules")
            .join(&kernel)
            .join("build/include/config/auto.conf"),
    )
    .unwrap();
    std::fs::write(
        &config,
        real.lines()
            .map(|l| {
                if l.starts_with("CONFIG_MODULE_SIG_HASH=") {
                    "CONFIG_MODULE_SIG_HASH=\"sha512\""
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let cfg = config.to_string_lossy().into_owned();
    let r = k.run(&[
        "build",
        "hello/1.0",
        "-k",
        &kernel,
        "--force",
        "--config",
        &cfg,
    ]);
    assert!(r
        .stdout
        .starts_with(&format!("Sign command: {}\n", sign_file(&kernel))));
    assert_eq!(
        modinfo_field(&ko, "sig_hashalgo"),
        "sha512",
        "{} {}",
        r.stdout,
        r.stderr
    );
    assert_eq!(modinfo_field(&ko, "signer"), "DKMS module signing key");
}
