//! The hello module through build, install, uninstall and unbuild against the real headers, in
//! a sandbox install tree where depmod runs for real.

mod build_support;
mod common;

use build_support::{masked_make_log, modinfo_field, sign_file, Kbuild};

#[test]
fn hello_full_cycle() {
    let Some(k) = Kbuild::new() else {
        eprintln!("no kernel headers, skipped");
        return;
    };
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    k.enable_depmod();
    let kernel = k.kernel.as_str();

    // build: auto-add, signing prologue with key generation, build, sign
    let r = k.run(&["build", "-m", "hello", "-v", "1.0", "-k", kernel]);
    assert_eq!(r.stderr, "");
    assert_eq!(
        r.stdout,
        format!(
            "Creating symlink <ROOT>/dkms/hello/1.0/source -> <ROOT>/src/hello-1.0\n\
             \n\
             Sign command: {}\n\
             Signing key: <ROOT>/mok.key\n\
             Public certificate (MOK): <ROOT>/mok.pub\n\
             Certificate or key are missing, generating self signed certificate for MOK...\n\
             \n\
             Building module(s)... done.\n\
             Signing module <ROOT>/dkms/hello/1.0/build/hello.ko\n",
            sign_file(kernel)
        )
    );
    assert_eq!(r.code, 0);
    let built = k.built_dir("hello", "1.0");
    let ko = built.join("module/hello.ko");
    assert!(ko.is_file());
    assert!(built.join("module/Module.symvers").is_file());
    assert!(!k.sb.dkms_tree().join("hello/1.0/build").exists());
    assert!(k.sb.path().join("mok.key").is_file());
    assert!(modinfo_field(&ko, "vermagic").starts_with(&format!("{kernel} ")));
    assert_eq!(modinfo_field(&ko, "signer"), "DKMS module signing key");
    assert_eq!(modinfo_field(&ko, "version"), "1.0");
    // the published directory is 755 and no staging directory is left
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&built).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);
    let leftovers: Vec<_> = std::fs::read_dir(built.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, vec![k.arch.clone()]);

    let log = masked_make_log(&k, &built.join("log/make.log"));
    let expected_head = format!(
        "DKMS (dkms-3.4.3) make.log for hello/1.0 for kernel <K> (<A>)\n<DATE>\n\nBuilding module(s)\n\
         # command: make -j{} KERNELRELEASE=<K> -C <ROOT>/modules/<K>/build M=<ROOT>/dkms/hello/1.0/build\n",
        jobs()
    );
    assert!(log.starts_with(&expected_head), "{log}");
    assert!(log.contains("LD [M]  <ROOT>/dkms/hello/1.0/build/hello.ko"));
    assert!(log.ends_with(&format!(
        "\n# exit code: 0\n# elapsed time: <T>\n{}",
        "-".repeat(64)
    )));

    // again: skipped
    let r = k.run(&["build", "-m", "hello", "-v", "1.0", "-k", kernel]);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 already built for kernel <K> (<A>), skip. You may override by specifying --force.\n"
    );
    assert_eq!(r.code, 0);

    // install: copy, link, depmod writes a real modules.dep
    let r = k.run(&["install", "-m", "hello", "-v", "1.0", "-k", kernel]);
    assert_eq!(
        r.stdout,
        "Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\nRunning depmod... done.\n"
    );
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, 0);
    let installed = k.kernel_dir().join("updates/dkms/hello.ko");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(&ko).unwrap()
    );
    assert_eq!(
        std::fs::read_link(
            k.sb.dkms_tree()
                .join(format!("hello/kernel-{kernel}-{}", k.arch))
        )
        .unwrap(),
        std::path::PathBuf::from(format!("1.0/{kernel}/{}", k.arch))
    );
    let dep = std::fs::read_to_string(k.kernel_dir().join("modules.dep")).unwrap();
    assert_eq!(dep, "updates/dkms/hello.ko:\n");

    let r = k.run(&["install", "-m", "hello", "-v", "1.0", "-k", kernel]);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 already installed on kernel <K> (<A>), skip. You may override by specifying --force.\n"
    );

    // uninstall: delete, depmod; the empty modules.dep is cleaned up
    let r = k.run(&["uninstall", "-m", "hello", "-v", "1.0", "-k", kernel]);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Deleting <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
         Running depmod... done.\n"
    );
    assert_eq!(r.code, 0);
    assert!(!k.kernel_dir().join("updates").exists());
    assert!(!k.kernel_dir().join("modules.dep").exists());
    assert!(k.kernel_dir().join("build").exists());
    assert!(built.join("module/hello.ko").is_file());

    let r = k.run(&["uninstall", "-m", "hello", "-v", "1.0", "-k", kernel]);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 is not installed for kernel <K> (<A>). Skipping...\n"
    );

    // unbuild: the kernel directory goes, the added source stays
    let r = k.run(&["unbuild", "-m", "hello", "-v", "1.0", "-k", kernel]);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 is not installed for kernel <K> (<A>). Skipping...\n"
    );
    assert!(!k.sb.dkms_tree().join("hello/1.0").join(kernel).exists());
    assert!(k.sb.dkms_tree().join("hello/1.0/source").exists());
    let r = k.run(&["unbuild", "-m", "hello", "-v", "1.0", "-k", kernel]);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 is not installed for kernel <K> (<A>). Skipping...\n\
         Module hello/1.0 is not built for kernel <K> (<A>). Skipping...\n"
    );

    // install of a not-built module builds first (signing key now exists)
    k.enable_depmod();
    let r = k.run(&["install", "-m", "hello/1.0", "-k", kernel, "--force"]);
    assert_eq!(
        r.stdout,
        format!(
            "Sign command: {}\n\
             Signing key: <ROOT>/mok.key\n\
             Public certificate (MOK): <ROOT>/mok.pub\n\
             \n\
             Building module(s)... done.\n\
             Signing module <ROOT>/dkms/hello/1.0/build/hello.ko\n\
             Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
             Running depmod... done.\n",
            sign_file(kernel)
        )
    );
    assert_eq!(r.code, 0);
    // --force reinstalls: uninstall output, blank line, install output
    let r = k.run(&["install", "-m", "hello/1.0", "-k", kernel, "--force"]);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Deleting <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
         Running depmod... done.\n\
         \n\
         Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
         Running depmod... done.\n"
    );
    // unbuild --all uninstalls first
    let r = k.run(&["unbuild", "-m", "hello/1.0", "--all"]);
    assert_eq!(
        r.stdout,
        "Module hello/1.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Deleting <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
         Running depmod... done.\n"
    );
    assert!(!k
        .sb
        .dkms_tree()
        .join(format!("hello/kernel-{kernel}-{}", k.arch))
        .exists());
    assert!(!k.sb.dkms_tree().join("hello/1.0").join(kernel).exists());
}

fn jobs() -> String {
    "1".into()
}
