//! `dkms add`: messages, exit codes and the tree it leaves, checked against the reference
//! dkms on the same inputs when it is on the machine.
mod common;

use common::{compare_with_reference, Run, Sandbox};

fn run(code: i32, stdout: &str, stderr: &str) -> Run {
    Run {
        code,
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
    }
}

const SYMLINK_HELLO: &str =
    "Creating symlink <ROOT>/dkms/hello/1.0/source -> <ROOT>/src/hello-1.0\n";

#[test]
fn add_module_slash_version() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.copy_fixture("hello-1.0", "hello-1.0");
        },
        &["add", "hello/1.0"],
    );
    assert_eq!(out, run(0, SYMLINK_HELLO, ""));
    let link = sb.dkms_tree().join("hello/1.0/source");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        sb.source_tree().join("hello-1.0")
    );
    assert!(sb.dkms_tree().join("hello/1.0/build").is_dir());
    assert_eq!(sb.run(&["status"]), run(0, "hello/1.0: added\n", ""));
}

#[test]
fn add_with_m_and_v() {
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.copy_fixture("hello-1.0", "hello-1.0");
        },
        &["add", "-m", "hello", "-v", "1.0"],
    );
    assert_eq!(out, run(0, SYMLINK_HELLO, ""));
}

#[test]
fn repeated_add_is_exit_3() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.copy_fixture("hello-1.0", "hello-1.0");
            sb.mark_added("hello", "1.0");
        },
        &["add", "hello/1.0"],
    );
    assert_eq!(
        out,
        run(
            3,
            "",
            "\nError! DKMS tree already contains: hello/1.0\n\
             You cannot add the same module/version combo more than once.\n"
        )
    );
    assert!(sb.source_tree().join("hello-1.0/hello.c").is_file());
}

#[test]
fn missing_source_dir_is_exit_2() {
    let (out, sb) = compare_with_reference(|_| {}, &["add", "foo/1.0"]);
    assert_eq!(
        out,
        run(
            2,
            "",
            "\nError! Could not find module source directory.\n\
             Directory: <ROOT>/src/foo-1.0 does not exist.\n"
        )
    );
    assert!(!sb.dkms_tree().join("foo").exists());
}

#[test]
fn dangling_source_link_and_missing_source_is_exit_2() {
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.added("foo", "1.0");
            std::fs::remove_dir_all(sb.source_tree().join("foo-1.0")).unwrap();
        },
        &["add", "foo/1.0"],
    );
    assert_eq!(out.code, 2);
}

#[test]
fn broken_module_can_be_added_again() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.added("foo", "1.0");
            std::fs::remove_file(sb.dkms_tree().join("foo/1.0/source")).unwrap();
        },
        &["add", "foo/1.0"],
    );
    assert_eq!(
        out,
        run(
            0,
            "Creating symlink <ROOT>/dkms/foo/1.0/source -> <ROOT>/src/foo-1.0\n",
            ""
        )
    );
    assert_eq!(sb.run(&["status"]).stdout, "foo/1.0: added\n");
}

#[test]
fn missing_conf_is_exit_4() {
    let (out, sb) = compare_with_reference(
        |sb| std::fs::create_dir_all(sb.source_tree().join("bar-1.0")).unwrap(),
        &["add", "bar/1.0"],
    );
    assert_eq!(
        out,
        run(
            4,
            "",
            "\nError! Could not locate dkms.conf file.\n\
             File: <ROOT>/src/bar-1.0/dkms.conf does not exist.\n"
        )
    );
    assert!(!sb.dkms_tree().join("bar/1.0/source").exists());
}

#[test]
fn invalid_conf_is_exit_8() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.write_source(
                "bad",
                "1.0",
                Some(
                    "PACKAGE_NAME=\"bad\"\nPACKAGE_VERSION=\"1.0\"\n\
                     BUILT_MODULE_NAME[0]=\"x.ko\"\nDEST_MODULE_LOCATION[0]=\"/foo\"\n",
                ),
            );
        },
        &["add", "bad/1.0"],
    );
    assert_eq!(
        out,
        run(
            8,
            "",
            "dkms.conf: Error! 'BUILT_MODULE_NAME' directive ends in '.o' or '.ko' in record #0.\n\
             dkms.conf: Error! 'DEST_MODULE_NAME' directive ends in '.o' or '.ko' in record #0.\n\
             dkms.conf: Error! Directive 'DEST_MODULE_LOCATION' does not begin with\n\
             '/kernel', '/updates', or '/extra' in record #0.\n\
             \n\
             Error! Bad conf file.\n\
             File: <ROOT>/src/bad-1.0/dkms.conf does not represent a valid dkms.conf file.\n"
        )
    );
    assert!(!sb.dkms_tree().join("bad/1.0/source").exists());
}

#[test]
fn conf_without_package_name_is_exit_8() {
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.write_source(
                "np",
                "1.0",
                Some("PACKAGE_VERSION=\"1.0\"\nBUILT_MODULE_NAME[0]=\"np\"\nDEST_MODULE_LOCATION[0]=\"/updates\"\n"),
            );
        },
        &["add", "np/1.0"],
    );
    assert_eq!(
        out,
        run(
            8,
            "",
            "dkms.conf: Error! No 'PACKAGE_NAME' directive specified.\n\
             \n\
             Error! Bad conf file.\n\
             File: <ROOT>/src/np-1.0/dkms.conf does not represent a valid dkms.conf file.\n"
        )
    );
}

#[test]
fn module_without_version_is_exit_1() {
    let usage = "\nError! Arguments <module> and <module-version> are not specified.\n\
                 Usage: add <module>/<module-version> or\n       \
                 add -m <module>/<module-version> or\n       \
                 add -m <module> -v <module-version>\n";
    let (out, _sb) = compare_with_reference(|_| {}, &["add", "foo"]);
    assert_eq!(out, run(1, "", usage));
    let (out, _sb) = compare_with_reference(|_| {}, &["add"]);
    assert_eq!(out, run(1, "", usage));
}

fn with_post_add(sb: &Sandbox, script: Option<&str>, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let dir = sb.copy_fixture("hello-1.0", "hello-1.0");
    let mut conf = std::fs::read_to_string(dir.join("dkms.conf")).unwrap();
    conf.push_str("POST_ADD=\"post.sh\"\n");
    std::fs::write(dir.join("dkms.conf"), conf).unwrap();
    if let Some(body) = script {
        std::fs::write(dir.join("post.sh"), body).unwrap();
        std::fs::set_permissions(dir.join("post.sh"), std::fs::Permissions::from_mode(mode))
            .unwrap();
    }
}

#[test]
fn post_add_runs_in_the_source_dir_and_its_status_is_dkms_status() {
    let script = "#!/bin/sh\necho post add ran $*\npwd\necho to stderr >&2\nexit 3\n";
    let (out, sb) = compare_with_reference(
        |sb| with_post_add(sb, Some(script), 0o755),
        &["add", "hello/1.0"],
    );
    assert_eq!(
        out,
        run(
            3,
            &format!(
                "{SYMLINK_HELLO}Running the post_add script:\npost add ran\n<ROOT>/dkms/hello/1.0/source\n"
            ),
            "to stderr\n"
        )
    );
    // the add itself stands
    assert_eq!(sb.run(&["status"]).stdout, "hello/1.0: added\n");
}

#[test]
fn post_add_not_executable_is_a_warning() {
    let (out, _sb) = compare_with_reference(
        |sb| with_post_add(sb, Some("#!/bin/sh\necho never\n"), 0o644),
        &["add", "hello/1.0"],
    );
    assert_eq!(
        out,
        run(
            0,
            &format!("{SYMLINK_HELLO}\n"),
            "Warning: The post_add script is not executable.\n"
        )
    );
    let (out, _sb) = compare_with_reference(|sb| with_post_add(sb, None, 0), &["add", "hello/1.0"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stderr,
        "Warning: The post_add script is not executable.\n"
    );
}

#[test]
fn tree_written_by_us_is_read_by_the_reference() {
    let sb = Sandbox::new();
    sb.copy_fixture("hello-1.0", "hello-1.0");
    assert_eq!(sb.run(&["add", "hello/1.0"]).code, 0);
    if let Some(reference) = sb.reference(&["status"]) {
        assert_eq!(reference, run(0, "hello/1.0: added\n", ""));
        // and the reference can remove what we added
        let removed = sb.reference(&["remove", "hello/1.0", "--all"]).unwrap();
        assert_eq!(
            removed,
            run(
                0,
                "Deleting module hello/1.0 completely from the DKMS tree.\n",
                ""
            )
        );
        assert!(!sb.dkms_tree().join("hello").exists());
    }
}

#[test]
fn tree_written_by_the_reference_is_read_by_us() {
    let sb = Sandbox::new();
    sb.copy_fixture("hello-1.0", "hello-1.0");
    if sb.reference(&["add", "hello/1.0"]).is_none() {
        return;
    }
    assert_eq!(sb.run(&["status"]), run(0, "hello/1.0: added\n", ""));
    assert_eq!(
        sb.run(&["add", "hello/1.0"]).code,
        3,
        "our add sees the reference's add"
    );
}

#[test]
fn concurrent_adds_of_one_module_version_add_it_once() {
    let sb = Sandbox::new();
    sb.copy_fixture("hello-1.0", "hello-1.0");
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut cmd = sb.std_dkms(&["add", "hello/1.0"]);
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut codes: Vec<i32> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1))
        .collect();
    codes.sort();
    assert_eq!(codes, [0, 3, 3, 3]);
    assert_eq!(sb.run(&["status"]).stdout, "hello/1.0: added\n");
}

#[test]
fn deprecated_directives_are_named_before_validation() {
    let conf = "PACKAGE_NAME=ri\nPACKAGE_VERSION=1.0\nBUILT_MODULE_NAME[0]=ri\n\
                DEST_MODULE_LOCATION[0]=/updates\nMODULES_CONF_OBSOLETE_ONLY[0]=z\n\
                MODULES_CONF_ALIAS_TYPE[0]=y\nMODULES_CONF_OBSOLETES[0]=x\nMODULES_CONF[2]=w\n\
                REMAKE_INITRD=\"\"\n";
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.write_source("ri", "1.0", Some(conf));
        },
        &["add", "ri/1.0"],
    );
    let dep = |name: &str| format!("Deprecated feature: {name} (<ROOT>/src/ri-1.0/dkms.conf)\n");
    assert_eq!(
        out,
        run(
            0,
            "Creating symlink <ROOT>/dkms/ri/1.0/source -> <ROOT>/src/ri-1.0\n",
            &[
                "REMAKE_INITRD",
                "MODULES_CONF",
                "MODULES_CONF_OBSOLETES",
                "MODULES_CONF_ALIAS_TYPE",
                "MODULES_CONF_OBSOLETE_ONLY"
            ]
            .map(dep)
            .concat()
        )
    );
    let invalid = conf.replace("PACKAGE_NAME=ri\n", "");
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.write_source("ri", "1.0", Some(&invalid));
        },
        &["add", "ri/1.0"],
    );
    assert_eq!(out.code, 8);
    assert!(out.stderr.starts_with(&dep("REMAKE_INITRD")));
    assert!(out
        .stderr
        .contains("dkms.conf: Error! No 'PACKAGE_NAME' directive specified.\n"));
}

#[test]
fn post_add_override_in_the_config_directory_wins() {
    use std::os::unix::fs::PermissionsExt;
    // 3.4.0+: an executable /etc/dkms/<module>/<script> replaces the module's own script.
    let sb = Sandbox::new();
    with_post_add(&sb, Some("#!/bin/sh\necho module script\n"), 0o755);
    let dir = sb.confdir().join("hello");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("post.sh"), "#!/bin/sh\necho override from $PWD\n").unwrap();
    std::fs::set_permissions(dir.join("post.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        sb.run(&["add", "hello/1.0"]),
        run(
            0,
            &format!(
                "{SYMLINK_HELLO}Running the post_add script:\noverride from <ROOT>/dkms/hello/1.0/source\n"
            ),
            ""
        )
    );
}
