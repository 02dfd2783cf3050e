//! The man page and the completions are generated from the clap table (`cli::command()`) by
//! `cargo run --bin dkms-gen-docs` and committed; this fails when they no longer match it.

#[test]
fn generated_docs_are_fresh() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = assert_cmd::Command::cargo_bin("dkms-gen-docs")
        .expect("generator binary")
        .args(["--check", root])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn man_page_documents_every_action_and_option() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let man = std::fs::read_to_string(root.join("man/dkms.8")).expect("man page");
    let roff = |s: &str| s.replace('-', "\\-");
    for (name, action) in dkms::cli::Action::ALL {
        if *action == dkms::cli::Action::Mkdriverdisk {
            continue;
        }
        assert!(
            man.contains(&format!("\\fB{}\\fR", roff(name))),
            "action {name}"
        );
    }
    for arg in dkms::cli::command().get_arguments() {
        if let Some(long) = arg.get_long() {
            assert!(man.contains(&roff(&format!("--{long}"))), "option --{long}");
        }
    }
    for section in ["ENVIRONMENT", "FILES", "EXIT STATUS", "EXTENSIONS"] {
        assert!(man.contains(&format!(".SH \"{section}\"")), "{section}");
    }
    for var in [
        "DKMS_CONFDIR",
        "DKMS_OS_RELEASE",
        "parallel_jobs",
        "mok_signing_key",
    ] {
        assert!(man.contains(&roff(var)), "{var}");
    }
}
