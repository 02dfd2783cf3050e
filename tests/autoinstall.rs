//! autoinstall and the kernel hooks (spec §6.6): which modules, in which order, the per-module
//! report and the summary; texts as the reference 3.2.2 prints them (BUILD_EXCLUSIVE warning in
//! its 3.4.3 wording).

mod build_support;
mod common;

use build_support::Kbuild;

fn with_autoinstall(k: &Kbuild, fixture: &str) {
    let dir = k.sb.copy_fixture(fixture, fixture);
    let conf = dir.join("dkms.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    if !text.contains("AUTOINSTALL") {
        text.push_str("AUTOINSTALL=\"yes\"\n");
    }
    std::fs::write(&conf, text).unwrap();
}

/// stdout from the first per-module line on (the signing prologue before it names the
/// distribution's sign-file).
fn after_prologue(stdout: &str) -> &str {
    let at = stdout.find("Autoinstall of module").unwrap_or(0);
    &stdout[at..]
}

#[test]
fn autoinstall_dependencies_first_with_a_summary_and_the_kernel_hooks() {
    let Some(k) = Kbuild::new() else { return };
    for f in ["hello-1.0", "failing-1.0", "exclusive-1.0", "dependent-1.0"] {
        with_autoinstall(&k, f);
        let (m, v) = f.rsplit_once('-').unwrap();
        assert_eq!(k.run(&["add", &format!("{m}/{v}")]).code, 0);
    }
    let kernel = k.kernel.clone();
    let r = k.run(&["autoinstall", "-k", &kernel]);
    assert_eq!(r.code, 11);
    assert!(r.stdout.starts_with("Sign command: "), "{}", r.stdout);
    assert_eq!(
        after_prologue(&r.stdout),
        "Autoinstall of module exclusive/1.0 for kernel <K> (<A>)\n\
         \n\
         Autoinstall of module failing/1.0 for kernel <K> (<A>)\n\
         Building module(s)...(bad exit status: 2)\n\
         Failed command:\n\
         make -j1 KERNELRELEASE=<K> -C <ROOT>/modules/<K>/build M=<ROOT>/dkms/failing/1.0/build\n\
         \n\
         Autoinstall of module hello/1.0 for kernel <K> (<A>)\n\
         Building module(s)... done.\n\
         Signing module <ROOT>/dkms/hello/1.0/build/hello.ko\n\
         Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
         Running depmod... done.\n\
         \n\
         Autoinstall of module dependent/1.0 for kernel <K> (<A>)\n\
         Building module(s)... done.\n\
         Signing module <ROOT>/dkms/dependent/1.0/build/dependent.ko\n\
         Installing <ROOT>/modules/<K>/updates/dkms/dependent.ko\n\
         Running depmod... done.\n\
         \n\
         Autoinstall on <K> succeeded for module(s) hello dependent.\n\
         Autoinstall on <K> was skipped for module(s) exclusive.\n\
         Autoinstall on <K> failed for module(s) failing(10).\n"
    );
    assert_eq!(
        r.stderr,
        "Warning: The <ROOT>/dkms/exclusive/1.0/<K>/x86_64/dkms.conf\n\
         for module exclusive/1.0 includes BUILD_EXCLUSIVE directives\n\
         which do not match this kernel/arch/config for any modules.\n\
         This indicates that it should not be built.\n\
         \n\
         Error! Bad return status for module build on kernel: <K> (<A>)\n\
         Consult <ROOT>/dkms/failing/1.0/build/make.log for more information.\n\
         \n\
         Error! One or more modules failed to install during autoinstall.\n\
         Refer to previous errors for more information.\n"
            .replace("x86_64", &k.arch)
    );
    assert!(k.kernel_dir().join("updates/dkms/dependent.ko").is_file());

    // preinst: the AUTOINSTALL modules built for the kernel go (dependent and hello), depmod once
    let r = k.run(&["kernel_preinst", "-k", &kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Module dependent/1.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Deleting <ROOT>/modules/<K>/updates/dkms/dependent.ko\n\
         Module hello/1.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Deleting <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
         Running depmod... done.\n"
    );
    assert_eq!(
        r.stderr,
        "dkms: removing module dependent/1.0 for kernel <K> (<A>)\n\
         dkms: removing module hello/1.0 for kernel <K> (<A>)\n"
    );
    assert!(!k.built_dir("hello", "1.0").exists());

    // with no-autoinstall, postinst does nothing
    std::fs::write(k.sb.confdir().join("no-autoinstall"), "").unwrap();
    let r = k.run(&["kernel_postinst", "-k", &kernel]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "Automatic installation of modules has been disabled.\n")
    );
    std::fs::remove_file(k.sb.confdir().join("no-autoinstall")).unwrap();

    // prerm: every module built for the kernel, a blank line after each
    assert_eq!(k.run(&["install", "hello/1.0", "-k", &kernel]).code, 0);
    let r = k.run(&["kernel_prerm", "-k", &kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Deleting <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
         \n\
         Running depmod... done.\n"
    );
    assert_eq!(
        k.run(&["status"]).stdout,
        "dependent/1.0: added\nexclusive/1.0: added\nfailing/1.0: added\nhello/1.0: added\n"
    );
}

/// Spec §11: post_transaction runs once after an autoinstall that installed something (dkms
/// never runs it there); not when there was nothing to do.
#[test]
fn post_transaction_runs_after_an_autoinstall_that_installed() {
    let Some(k) = Kbuild::new() else { return };
    with_autoinstall(&k, "hello-1.0");
    assert_eq!(k.run(&["add", "hello/1.0"]).code, 0);
    let pt = [("post_transaction", "echo \"pt $kernelver\"")];
    let r = k.run_env(&["autoinstall", "-k", &k.kernel], &pt);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.ends_with(
        "Autoinstall on <K> succeeded for module(s) hello.\n\
         Executing post-transaction command... done.\n"
    ));
    let r = k.run_env(&["autoinstall", "-k", &k.kernel], &pt);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
}

/// match (3.4 behaviour, spec §6.7): what is installed for the template kernel is built and
/// installed for the target kernel.
#[test]
fn match_installs_what_the_template_kernel_has() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    assert_eq!(k.run(&["add", "hello/1.0"]).code, 0);
    // the template kernel 9.9 has hello/1.0 installed
    k.sb.mark_built("hello", "1.0", "9.9", &k.arch, "hello", b"ko");
    k.sb.mark_installed("hello", "1.0", "9.9", &k.arch, "hello", b"ko");
    let r = k.run(&["match", "--templatekernel=9.9", "-k", &k.kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "\nMatching modules in kernel: <K> (<A>)\n\
         to the configuration of kernel: 9.9 (<A>)\n\
         Module:  hello\n\
         Version: 1.0\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with(
            "Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\nRunning depmod... done.\n"
        ),
        "{}",
        r.stdout
    );
    assert!(k.kernel_dir().join("updates/dkms/hello.ko").is_file());
}
