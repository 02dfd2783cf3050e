//! Names that would lead outside the trees are refused before anything is touched (bash dkms
//! follows them: `remove ../../victim/1.0 --all` deletes a directory outside its tree).

mod common;

use std::path::Path;

fn refused(sb: &common::Sandbox, args: &[&str], what: &str, value: &str) {
    let out = sb.dkms(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{args:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "\nError! Invalid {what} '{value}'.\n\
             It would lead outside the DKMS, source or install tree.\n"
        ),
        "{args:?}"
    );
}

#[test]
fn module_version_kernel_and_arch_may_not_leave_the_trees() {
    let sb = common::Sandbox::new();
    let victim = sb.path().join("victim/1.0");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep"), "data").unwrap();

    refused(
        &sb,
        &["remove", "../victim/1.0", "--all"],
        "module name",
        "..",
    );
    refused(
        &sb,
        &["remove", "-m", "x", "-v", "../../victim/1.0", "--all"],
        "module version",
        "../../victim/1.0",
    );
    refused(
        &sb,
        &["unbuild", "x/1.0", "-k", ".."],
        "kernel version",
        "..",
    );
    refused(
        &sb,
        &["build", "x/1.0", "-k", "6.1", "-a", "../../x"],
        "architecture",
        "../../x",
    );
    refused(
        &sb,
        &["add", "-m", "x", "-v", "/abs"],
        "module version",
        "/abs",
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("keep")).unwrap(),
        "data"
    );
}

#[test]
fn a_tarball_naming_a_package_outside_the_trees_is_refused() {
    let sb = common::Sandbox::new();
    let stage = sb.path().join("stage/evil-1.0");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(
        stage.join("dkms.conf"),
        "PACKAGE_NAME=\"x\"\nPACKAGE_VERSION=\"../../../escaped\"\n\
         BUILT_MODULE_NAME[0]=x\nDEST_MODULE_LOCATION[0]=/updates\n",
    )
    .unwrap();
    std::fs::write(stage.join("Makefile"), "obj-m := x.o\n").unwrap();
    let tarball = sb.path().join("evil.tar.gz");
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(sb.path().join("stage"))
        .arg("evil-1.0")
        .status()
        .unwrap();
    assert!(status.success());
    let out = sb
        .dkms(&["add", tarball.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("Error! Invalid module version '../../../escaped'."));
    assert!(!sb.path().join("escaped").exists());
    assert!(!Path::new(&sb.source_tree())
        .join("x-../../../escaped")
        .exists());
    assert_eq!(std::fs::read_dir(sb.dkms_tree()).unwrap().count(), 0);
}
