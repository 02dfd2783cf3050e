//! Trees are shared with bash dkms in both directions: a real module built and installed by
//! the reference dkms against the installed kernel headers is read by our status exactly as
//! the reference reads it, and a module we add is built and installed by the reference.
//! Skipped when the reference or the kernel headers are not on the machine.
mod common;

use common::{headers_kernel, reference_dkms, Run, Sandbox};

fn prepared() -> Option<(Sandbox, String)> {
    reference_dkms()?;
    let kernel = headers_kernel()?;
    let sb = Sandbox::new();
    sb.copy_fixture("hello-1.0", "hello-1.0");
    let kdir = sb.install_tree().join(&kernel);
    std::fs::create_dir_all(&kdir).unwrap();
    std::os::unix::fs::symlink(format!("/lib/modules/{kernel}/build"), kdir.join("build")).unwrap();
    Some((sb, kernel))
}

fn ok_ref(sb: &Sandbox, args: &[&str]) -> Run {
    let run = sb.reference(args).expect("reference");
    assert_eq!(run.code, 0, "reference {args:?}: {run:?}");
    run
}

#[test]
fn status_of_a_module_built_and_installed_by_the_reference() {
    let Some((sb, kernel)) = prepared() else {
        return;
    };
    let arch = common::host_kernel_arch().1;
    ok_ref(&sb, &["add", "hello/1.0"]);
    ok_ref(&sb, &["build", "hello/1.0", "-k", &kernel, "--no-depmod"]);
    let built = format!("hello/1.0, {kernel}, {arch}: built\n");
    assert_eq!(sb.run(&["status"]).stdout, built);
    assert_eq!(sb.reference(&["status"]).unwrap().stdout, built);

    ok_ref(&sb, &["install", "hello/1.0", "-k", &kernel, "--no-depmod"]);
    let installed = format!("hello/1.0, {kernel}, {arch}: installed\n");
    assert_eq!(sb.run_same_as_reference(&["status"]).stdout, installed);
    assert_eq!(
        sb.run_same_as_reference(&["status", "-k", &kernel]).stdout,
        installed
    );
    let json: serde_json::Value =
        serde_json::from_str(&sb.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(json[0]["state"], "installed");
    assert_eq!(json[0]["kernel"], kernel.as_str());

    // the installed copy changes behind dkms's back
    let ko = sb
        .install_tree()
        .join(&kernel)
        .join("updates/dkms/hello.ko");
    let mut bytes = std::fs::read(&ko).unwrap();
    bytes.push(0);
    std::fs::write(&ko, bytes).unwrap();
    assert_eq!(
        sb.run_same_as_reference(&["status"]).stdout,
        format!("hello/1.0, {kernel}, {arch}: installed (Differences between built and installed modules)\n")
    );
}

#[test]
fn the_reference_builds_and_installs_what_we_added() {
    let Some((sb, kernel)) = prepared() else {
        return;
    };
    let arch = common::host_kernel_arch().1;
    assert_eq!(sb.run(&["add", "hello/1.0"]).code, 0);
    ok_ref(&sb, &["build", "hello/1.0", "-k", &kernel, "--no-depmod"]);
    ok_ref(&sb, &["install", "hello/1.0", "-k", &kernel, "--no-depmod"]);
    assert_eq!(
        sb.run_same_as_reference(&["status"]).stdout,
        format!("hello/1.0, {kernel}, {arch}: installed\n")
    );
    // and our remove on another kernel leaves the reference's install alone
    let run = sb.run(&["remove", "hello/1.0", "-k", "0.0.0-none"]);
    assert_eq!(run.code, 0);
    assert!(!run.stdout.contains("Deleting module"));
    assert_eq!(
        sb.run_same_as_reference(&["status"]).stdout,
        format!("hello/1.0, {kernel}, {arch}: installed\n")
    );
}
