//! Faults: Ctrl-C during make, a second dkms on the same module, an install that fails half way.
//! No timing is asserted: the held build waits for a gate file the test creates.

mod build_support;
mod common;

use std::path::Path;
use std::process::{Child, Stdio};

use build_support::Kbuild;

fn wait_for(what: &str, cond: impl Fn() -> bool) {
    // generous bound so that a broken implementation fails instead of hanging the suite
    for _ in 0..1200 {
        if cond() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("gave up waiting for {what}");
}

fn spawn_dkms(k: &Kbuild, args: &[&str], gate: &Path, stderr_file: &Path) -> Child {
    k.std_command(args)
        .env("SLOW_GATE", gate)
        .env("SLOW_KDIR", k.kernel_dir().join("build"))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr_file).unwrap())
        .spawn()
        .unwrap()
}

/// `wait_with_output`, but a dkms (or a command it left behind holding its stdout) that does not
/// finish fails the test instead of hanging the suite.
fn wait_bounded(child: Child) -> std::process::Output {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(300)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            panic!("dkms did not finish within 300 s after the signal");
        }
    }
}

fn make_log_has_command(k: &Kbuild) -> bool {
    std::fs::read_to_string(k.sb.dkms_tree().join("slow/1.0/build/make.log"))
        .map(|t| t.contains("waiting for"))
        .unwrap_or(false)
}

const WAITING: &str = "Waiting for another dkms process working on slow/1.0...\n";

/// The slow module's build running make, which waits for `<root>/<gate>` to exist; its stderr
/// goes to `<root>/stderr-build`. `None` where kbuild cannot be used.
fn slow_build_running(gate: &str) -> Option<(Kbuild, Child)> {
    let k = Kbuild::new()?;
    k.sb.copy_fixture("slow-1.0", "slow-1.0");
    let child = spawn_dkms(
        &k,
        &["build", "slow/1.0", "-k", &k.kernel],
        &k.sb.path().join(gate),
        &k.sb.path().join("stderr-build"),
    );
    wait_for("make to start", || make_log_has_command(&k));
    Some((k, child))
}

/// A second dkms on slow/1.0, once it has said that it waits for the first.
fn spawn_waiting(k: &Kbuild, args: &[&str], stderr_file: &Path) -> Child {
    let child = spawn_dkms(k, args, &k.sb.path().join("gate"), stderr_file);
    wait_for("the second dkms to say it waits", || {
        std::fs::read_to_string(stderr_file)
            .map(|t| t.contains(WAITING))
            .unwrap_or(false)
    });
    child
}

/// Send `sig` to dkms only, as kill(1) does.
fn signal(child: &Child, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
}

fn dot_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn ctrl_c_stops_make_and_keeps_build_and_make_log() {
    let Some((k, child)) = slow_build_running("never-opened") else {
        return;
    };
    // dkms passes it on
    signal(&child, nix::sys::signal::Signal::SIGINT);
    let out = wait_bounded(child);
    assert_ne!(out.status.code(), Some(0));
    let stdout = k.mask(&String::from_utf8_lossy(&out.stdout));
    assert!(
        stdout.contains("Building module(s)...(bad exit status: "),
        "{stdout}"
    );
    let log = std::fs::read_to_string(k.sb.dkms_tree().join("slow/1.0/build/make.log")).unwrap();
    assert!(log.contains("# exit code: "), "{log}");
    assert!(!k.sb.dkms_tree().join("slow/1.0").join(&k.kernel).exists());
}

#[test]
fn a_second_dkms_waits_for_the_first_and_says_so() {
    let Some((k, first)) = slow_build_running("gate") else {
        return;
    };
    let err_b = k.sb.path().join("stderr-b");
    let second = spawn_waiting(&k, &["install", "slow/1.0", "-k", &k.kernel], &err_b);
    // the second one has done nothing yet: still no published build
    assert!(!k.built_dir("slow", "1.0").exists());
    std::fs::write(k.sb.path().join("gate"), "").unwrap();
    let a = first.wait_with_output().unwrap();
    let b = second.wait_with_output().unwrap();
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(
        b.status.code(),
        Some(0),
        "{}",
        std::fs::read_to_string(&err_b).unwrap()
    );
    // the second saw the first's finished build and only installed it
    assert_eq!(
        k.mask(&String::from_utf8_lossy(&b.stdout)),
        "Installing <ROOT>/modules/<K>/updates/dkms/slow.ko\nRunning depmod... done.\n"
    );
    assert_eq!(std::fs::read_to_string(&err_b).unwrap(), WAITING);
    // the lock leaves nothing in the tree
    assert_eq!(
        dot_names(&k.sb.dkms_tree().join("slow")),
        Vec::<String>::new()
    );
}

#[test]
fn a_failed_install_leaves_the_previous_install_in_place() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("multi-1.0", "multi-1.0");
    k.sb.copy_fixture("multi-1.0", "multi-2.0");
    let conf2 = k.sb.source_tree().join("multi-2.0/dkms.conf");
    let text = std::fs::read_to_string(&conf2).unwrap();
    std::fs::write(
        &conf2,
        text.replace("PACKAGE_VERSION=\"1.0\"", "PACKAGE_VERSION=\"2.0\""),
    )
    .unwrap();
    k.enable_depmod();
    assert_eq!(k.run(&["install", "multi/1.0", "-k", &k.kernel]).code, 0);
    let dir = k.kernel_dir().join("updates/dkms");
    let alpha_v1 = std::fs::read(dir.join("alpha.ko")).unwrap();
    let beta_v1 = std::fs::read(dir.join("beta_renamed.ko")).unwrap();
    assert_eq!(k.run(&["build", "multi/2.0", "-k", &k.kernel]).code, 0);

    // the second module cannot be written: dkms's staging name for it is taken by a directory
    let blocker = dir.join(".beta_renamed.ko.dkms-new");
    std::fs::create_dir_all(blocker.join("x")).unwrap();
    let r = k.run(&["install", "multi/2.0", "-k", &k.kernel, "--force"]);
    assert_eq!(r.code, 6, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("\nError! Copying '<ROOT>/dkms/multi/2.0/<K>/"),
        "{}",
        r.stderr
    );
    std::fs::remove_dir_all(&blocker).unwrap();

    // version 1.0 is still the installed one, byte for byte, and still marked so
    assert_eq!(std::fs::read(dir.join("alpha.ko")).unwrap(), alpha_v1);
    assert_eq!(std::fs::read(dir.join("beta_renamed.ko")).unwrap(), beta_v1);
    assert_eq!(
        std::fs::read_link(
            k.sb.dkms_tree()
                .join(format!("multi/kernel-{}-{}", k.kernel, k.arch))
        )
        .unwrap(),
        Path::new("1.0").join(&k.kernel).join(&k.arch)
    );
    assert_eq!(dot_names(&dir), Vec::<String>::new());
}

#[test]
fn a_remove_waits_for_a_running_build_and_status_does_not() {
    let Some((k, build)) = slow_build_running("gate") else {
        return;
    };
    let err_build = k.sb.path().join("stderr-build");
    let err_remove = k.sb.path().join("stderr-remove");

    // status reads the tree while the build holds the module: it never waits
    let status_child = std::cell::RefCell::new(
        k.std_command(&["status"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    wait_for("status to finish while the build runs", || {
        matches!(status_child.borrow_mut().try_wait(), Ok(Some(_)))
    });
    let status = status_child.into_inner().wait_with_output().unwrap();
    assert_eq!(status.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&status.stdout), "slow/1.0: added\n");

    let remove = spawn_waiting(&k, &["remove", "slow/1.0", "-k", &k.kernel], &err_remove);
    // the remove has done nothing yet: the version and its build directory are still there
    assert!(k.sb.dkms_tree().join("slow/1.0/build/make.log").is_file());
    std::fs::write(k.sb.path().join("gate"), "").unwrap();
    let b = build.wait_with_output().unwrap();
    let r = remove.wait_with_output().unwrap();
    assert_eq!(
        b.status.code(),
        Some(0),
        "{}",
        std::fs::read_to_string(&err_build).unwrap()
    );
    let build_out = k.mask(&String::from_utf8_lossy(&b.stdout));
    // progress dots depend on the build's duration
    assert!(
        build_out.contains("Building module(s)...") && build_out.contains(". done.\n"),
        "{build_out}"
    );
    assert_eq!(r.status.code(), Some(0));
    // the remove ran after the build was published: it unbuilt it, then deleted the version
    assert_eq!(
        k.mask(&String::from_utf8_lossy(&r.stdout)),
        "Module slow/1.0 is not installed for kernel <K> (<A>). Skipping...\n\
         \n\
         Deleting module slow/1.0 completely from the DKMS tree.\n"
    );
    assert_eq!(std::fs::read_to_string(&err_remove).unwrap(), WAITING);
    assert!(!k.sb.dkms_tree().join("slow").exists());
    assert!(k.sb.source_tree().join("slow-1.0/dkms.conf").is_file());
}

#[test]
fn a_terminated_build_exits_143_as_dkms_killed_by_term() {
    let Some((k, child)) = slow_build_running("never-opened") else {
        return;
    };
    signal(&child, nix::sys::signal::Signal::SIGTERM);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143));
    assert!(k.sb.dkms_tree().join("slow/1.0/build/make.log").is_file());
    assert!(!k.sb.dkms_tree().join("slow/1.0").join(&k.kernel).exists());
}

#[test]
fn an_ignored_sigint_stays_ignored() {
    use std::os::unix::process::CommandExt;
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("slow-1.0", "slow-1.0");
    let gate = k.sb.path().join("gate");
    let mut cmd = k.std_command(&["build", "slow/1.0", "-k", &k.kernel]);
    cmd.env("SLOW_GATE", &gate)
        .env("SLOW_KDIR", k.kernel_dir().join("build"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // as a shell starts a background job: SIGINT ignored
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::signal::signal(
                nix::sys::signal::Signal::SIGINT,
                nix::sys::signal::SigHandler::SigIgn,
            )
            .map(|_| ())
            .map_err(std::io::Error::from)
        });
    }
    let child = cmd.spawn().unwrap();
    wait_for("make to start", || make_log_has_command(&k));
    signal(&child, nix::sys::signal::Signal::SIGINT);
    std::fs::write(&gate, "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(k.built_dir("slow", "1.0").join("module/slow.ko").is_file());
}
