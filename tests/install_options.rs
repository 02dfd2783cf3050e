//! Install locations per distribution and ADDON_MODULES_DIR, --symlink-modules, post_transaction,
//! --kernelsourcedir; one build shared by all the installs.

mod build_support;
mod common;

use build_support::Kbuild;

fn set_os_release(k: &Kbuild, text: &str) {
    std::fs::write(k.sb.path().join("etc/os-release"), text).unwrap();
}

#[test]
fn install_locations_and_options() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    let conf = k.sb.source_tree().join("hello-1.0/dkms.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, text.replace("/updates/dkms", "/kernel/extra")).unwrap();
    let kernel = k.kernel.clone();

    // the headers given with --kernelsourcedir when the install tree has none
    let real_build = std::fs::read_link(k.kernel_dir().join("build")).unwrap();
    std::fs::remove_file(k.kernel_dir().join("build")).unwrap();
    let ksrc = real_build.to_string_lossy().into_owned();
    let r = k.run(&[
        "build",
        "hello/1.0",
        "-k",
        &kernel,
        "--kernelsourcedir",
        &ksrc,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log = std::fs::read_to_string(k.built_dir("hello", "1.0").join("log/make.log")).unwrap();
    assert!(log.contains(&format!(
        "# command: make -j1 KERNELRELEASE={kernel} -C {ksrc} M="
    )));

    let cases = [
        ("ID=debian\n", "/updates/dkms"),
        ("ID=ubuntu\nID_LIKE=debian\n", "/updates/dkms"),
        ("ID=rocky\nID_LIKE=\"rhel centos fedora\"\n", "/extra"),
        ("ID=fedora\n", "/extra"),
        ("ID=opensuse-leap\nID_LIKE=\"suse opensuse\"\n", "/updates"),
        ("ID=arch\n", "/updates/dkms"),
        ("ID=alpine\n", "/kernel/extra"),
    ];
    for (os_release, location) in cases {
        set_os_release(&k, os_release);
        let r = k.run(&["install", "hello/1.0", "-k", &kernel]);
        assert_eq!(
            r.stdout,
            format!("Installing <ROOT>/modules/<K>{location}/hello.ko\nRunning depmod... done.\n"),
            "{os_release}"
        );
        assert!(k
            .kernel_dir()
            .join(format!("{}/hello.ko", &location[1..]))
            .is_file());
        let r = k.run(&["uninstall", "hello/1.0", "-k", &kernel]);
        assert!(r
            .stdout
            .contains(&format!("Deleting <ROOT>/modules/<K>{location}/hello.ko\n")));
        assert!(
            !k.kernel_dir().join(&location[1..]).exists(),
            "{location} left behind"
        );
    }
    set_os_release(&k, "ID=debian\n");

    // ADDON_MODULES_DIR wins over the distribution
    let r = k.run_env(
        &["install", "hello/1.0", "-k", &kernel],
        &[("ADDON_MODULES_DIR", "addon")],
    );
    assert_eq!(
        r.stdout,
        "Installing <ROOT>/modules/<K>/addon/hello.ko\nRunning depmod... done.\n"
    );
    let r = k.run_env(
        &["uninstall", "hello/1.0", "-k", &kernel],
        &[("ADDON_MODULES_DIR", "addon")],
    );
    assert!(r
        .stdout
        .contains("Deleting <ROOT>/modules/<K>/addon/hello.ko\n"));

    // --symlink-modules links into the dkms tree
    let r = k.run(&["install", "hello/1.0", "-k", &kernel, "--symlink-modules"]);
    assert_eq!(r.code, 0);
    let installed = k.kernel_dir().join("updates/dkms/hello.ko");
    assert_eq!(
        std::fs::read_link(&installed).unwrap(),
        k.built_dir("hello", "1.0").join("module/hello.ko")
    );
    let r = k.run(&["uninstall", "hello/1.0", "-k", &kernel]);
    assert_eq!(r.code, 0);
    assert!(std::fs::symlink_metadata(&installed).is_err());
    assert!(k
        .built_dir("hello", "1.0")
        .join("module/hello.ko")
        .is_file());

    // post_transaction runs after the change, with $kernelver, logged in the dkms tree
    let pt = [("post_transaction", "echo \"post for $kernelver\"")];
    let r = k.run_env(&["install", "hello/1.0", "-k", &kernel], &pt);
    assert_eq!(
        r.stdout,
        "Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\nRunning depmod... done.\n\
         Executing post-transaction command... done.\n"
    );
    let log = std::fs::read_to_string(k.sb.dkms_tree().join("post_transaction.log")).unwrap();
    let log = log.replace(&kernel, "<K>");
    assert!(log.starts_with(
        "\nExecuting post-transaction command\n# command: echo \"post for $kernelver\"\npost for <K>\n\n# exit code: 0\n"
    ), "{log}");
}

#[test]
fn obsolete_by_stops_the_install_unless_forced() {
    let Some(k) = Kbuild::new() else { return };
    let dir = k.sb.copy_fixture("hello-1.0", "ob-1.0");
    let conf = dir.join("dkms.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    let kernel = k.kernel.clone();
    // OBSOLETE_BY also caps the build (BUILD_EXCLUSIVE_KERNEL_MAX): the kernel itself still builds
    std::fs::write(
        &conf,
        format!(
            "{}OBSOLETE_BY=\"{kernel}\"\n",
            text.replace("PACKAGE_NAME=\"hello\"", "PACKAGE_NAME=\"ob\"")
        ),
    )
    .unwrap();
    let r = k.run(&["build", "ob/1.0", "-k", &kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // reference 3.2.2: the message on stderr, then "Installation aborted." (exit 6)
    let r = k.run(&["install", "ob/1.0", "-k", &kernel]);
    assert_eq!((r.code, r.stdout.as_str()), (6, ""));
    assert_eq!(
        r.stderr,
        "\nModule has been obsoleted due to being included in kernel <K>.\n\
         We will avoid installing for future kernels above <K>.\n\
         You may override by specifying --force.\n\
         \n\
         Error! Installation aborted.\n"
    );
    assert!(!k.kernel_dir().join("updates/dkms/hello.ko").exists());
    assert!(std::fs::symlink_metadata(
        k.sb.dkms_tree()
            .join(format!("ob/kernel-{kernel}-{}", k.arch))
    )
    .is_err());

    let r = k.run(&["install", "ob/1.0", "-k", &kernel, "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\nRunning depmod... done.\n"
    );
    assert!(k.kernel_dir().join("updates/dkms/hello.ko").is_file());
}

/// uninstall deletes only the dkms copy: a module of the same name that another package put
/// in its place (another srcversion) stays, with dkms's "not found" line (reference 3.2.2).
#[test]
fn uninstall_keeps_a_module_that_is_not_the_dkms_copy() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    let kernel = k.kernel.clone();
    let r = k.run(&["install", "hello/1.0", "-k", &kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let installed = k.kernel_dir().join("updates/dkms/hello.ko");
    let mut bytes = std::fs::read(&installed).unwrap();
    let key = b"srcversion=";
    let at = bytes
        .windows(key.len())
        .position(|w| w == key)
        .expect("srcversion in .modinfo")
        + key.len();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&installed, &bytes).unwrap();

    let r = k.run(&["uninstall", "hello/1.0", "-k", &kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Module hello.ko was not found within <ROOT>/modules/<K>/\n\
         Running depmod... done.\n"
    );
    assert_eq!(std::fs::read(&installed).unwrap(), bytes);
}
