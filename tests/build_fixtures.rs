//! Build and install scenarios on the fixture modules, against the real headers. Expected texts
//! were checked against the reference dkms on the same scenarios (see the report for the
//! deliberate differences).

mod build_support;
mod common;

use build_support::{masked_make_log, modinfo_field, sign_file, Kbuild};

fn setup(fixture: &str) -> Option<Kbuild> {
    let k = Kbuild::new()?;
    k.sb.copy_fixture(fixture, fixture);
    Some(k)
}

fn split(fixture: &str) -> (&str, &str) {
    fixture.rsplit_once('-').expect("name-version")
}

/// The first lines of a build of a module that is not added yet, key generation included.
fn first_build_prologue(k: &Kbuild, fixture: &str) -> String {
    let (m, v) = split(fixture);
    format!(
        "Creating symlink <ROOT>/dkms/{m}/{v}/source -> <ROOT>/src/{fixture}\n\
         \n\
         Sign command: {}\n\
         Signing key: <ROOT>/mok.key\n\
         Public certificate (MOK): <ROOT>/mok.pub\n\
         Certificate or key are missing, generating self signed certificate for MOK...\n\
         \n",
        sign_file(&k.kernel)
    )
}

fn has_debug_info(path: &std::path::Path) -> bool {
    let data = std::fs::read(path).unwrap();
    dkms::modinfo::elf_section(&data, ".debug_info").is_some()
}

#[test]
fn multi_module_package_with_locations_and_renames() {
    let Some(k) = setup("multi-1.0") else { return };
    k.enable_depmod();
    let r = k.run(&["install", "multi/1.0", "-k", &k.kernel]);
    assert_eq!(
        r.stdout,
        format!(
            "{}Building module(s)... done.\n\
             Signing module <ROOT>/dkms/multi/1.0/build/alpha/alpha.ko\n\
             Signing module <ROOT>/dkms/multi/1.0/build/beta/beta.ko\n\
             Installing <ROOT>/modules/<K>/updates/dkms/alpha.ko\n\
             Installing <ROOT>/modules/<K>/updates/dkms/beta_renamed.ko\n\
             Running depmod... done.\n",
            first_build_prologue(&k, "multi-1.0")
        )
    );
    assert_eq!(r.code, 0);
    let module = k.built_dir("multi", "1.0").join("module");
    let mut names: Vec<String> = std::fs::read_dir(&module)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["Module.symvers", "alpha.ko", "beta_renamed.ko"]);
    // STRIP[1]="no" keeps the debug information of the second module only
    assert!(!has_debug_info(&module.join("alpha.ko")));
    assert!(has_debug_info(&module.join("beta_renamed.ko")));
    assert_eq!(
        modinfo_field(&module.join("beta_renamed.ko"), "signer"),
        "DKMS module signing key"
    );
    let dep = std::fs::read_to_string(k.kernel_dir().join("modules.dep")).unwrap();
    let mut lines: Vec<&str> = dep.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        ["updates/dkms/alpha.ko:", "updates/dkms/beta_renamed.ko:"]
    );
}

#[test]
fn per_module_build_exclusive_skips_only_that_module() {
    let Some(k) = setup("multi-1.0") else { return };
    let conf = k.sb.source_tree().join("multi-1.0/dkms.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("BUILD_EXCLUSIVE_ARCH[1]=\"^nonexistent$\"\n");
    std::fs::write(&conf, text).unwrap();
    let r = k.run(&["install", "multi/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r
        .stdout
        .contains("Installing <ROOT>/modules/<K>/updates/dkms/alpha.ko\n"));
    assert!(!r.stdout.contains("beta"));
    assert!(!k
        .built_dir("multi", "1.0")
        .join("module/beta_renamed.ko")
        .exists());
}

#[test]
fn build_exclusive_for_the_whole_package_exits_77() {
    let Some(k) = setup("exclusive-1.0") else {
        return;
    };
    let r = k.run(&["build", "exclusive/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 77);
    assert_eq!(
        r.stdout,
        "Creating symlink <ROOT>/dkms/exclusive/1.0/source -> <ROOT>/src/exclusive-1.0\n\n"
    );
    assert_eq!(
        r.stderr,
        format!(
            "Warning: The <ROOT>/dkms/exclusive/1.0/<K>/{}/dkms.conf\n\
             for module exclusive/1.0 includes BUILD_EXCLUSIVE directives\n\
             which do not match this kernel/arch/config for any modules.\n\
             This indicates that it should not be built.\n",
            k.arch
        )
    );
    assert!(!k
        .sb
        .dkms_tree()
        .join("exclusive/1.0")
        .join(&k.kernel)
        .exists());
}

#[test]
fn patches_follow_patch_match_and_are_logged() {
    let Some(k) = setup("patched-1.0") else {
        return;
    };
    let r = k.run(&["build", "patched/1.0", "-k", &k.kernel]);
    assert_eq!(
        r.stdout,
        format!(
            "{}Applying patch fix.patch... done.\n\
             Building module(s)... done.\n\
             Signing module <ROOT>/dkms/patched/1.0/build/patched.ko\n",
            first_build_prologue(&k, "patched-1.0")
        )
    );
    assert_eq!(r.code, 0);
    let built = k.built_dir("patched", "1.0");
    let ko = std::fs::read(built.join("module/patched.ko")).unwrap();
    let text = String::from_utf8_lossy(&ko);
    assert!(text.contains("patched: loaded with fix"));
    assert!(!text.contains("patched: never"));
    let log = masked_make_log(&k, &built.join("log/make.log"));
    assert!(log.contains(
        "<DATE>\n\nApplying patch fix.patch\n# command: patch -p1 < ./patches/fix.patch\npatching file patched.c\n\n# exit code: 0\n"
    ), "{log}");
    assert!(!log.contains("never.patch"));
    // the source itself is never patched
    let src = std::fs::read_to_string(k.sb.source_tree().join("patched-1.0/patched.c")).unwrap();
    assert!(!src.contains("with fix"));
}

#[test]
fn a_patch_that_does_not_apply_exits_6_and_keeps_the_build_directory() {
    let Some(k) = setup("badpatch-1.0") else {
        return;
    };
    let r = k.run(&["build", "badpatch/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 6);
    assert!(r.stdout.ends_with(
        "Applying patch broken.patch...(bad exit status: 1)\nFailed command:\npatch -p1 < ./patches/broken.patch\n"
    ), "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "\nError! Application of patch broken.patch failed.\n\
         Consult <ROOT>/dkms/badpatch/1.0/build/make.log for more information.\n"
    );
    let log = k.sb.dkms_tree().join("badpatch/1.0/build/make.log");
    assert!(masked_make_log(&k, &log).contains("# exit code: 1\n"));
}

#[test]
fn a_failing_make_exits_10_and_keeps_build_and_make_log() {
    let Some(k) = setup("failing-1.0") else {
        return;
    };
    let r = k.run(&["build", "failing/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 10);
    assert!(
        r.stdout.ends_with(
            "Building module(s)...(bad exit status: 2)\nFailed command:\n\
         make -j1 KERNELRELEASE=<K> -C <ROOT>/modules/<K>/build M=<ROOT>/dkms/failing/1.0/build\n"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        "\nError! Bad return status for module build on kernel: <K> (<A>)\n\
         Consult <ROOT>/dkms/failing/1.0/build/make.log for more information.\n"
    );
    let log = masked_make_log(&k, &k.sb.dkms_tree().join("failing/1.0/build/make.log"));
    assert!(log.contains("error"), "{log}");
    assert!(log.contains("# exit code: 2\n"));
    let vdir = k.sb.dkms_tree().join("failing/1.0");
    assert!(!vdir.join(&k.kernel).exists(), "nothing published");
}

#[test]
fn a_missing_ko_after_make_exits_7() {
    let Some(k) = setup("wrongname-1.0") else {
        return;
    };
    let r = k.run(&["build", "wrongname/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 7);
    assert_eq!(
        r.stderr,
        "\nError! Build of othername.ko failed for: <K> (<A>)\n\
         Make sure the name and location of the generated module are correct,\n\
         or consult <ROOT>/dkms/wrongname/1.0/build/make.log for more information.\n"
    );
    assert!(!k
        .sb
        .dkms_tree()
        .join("wrongname/1.0")
        .join(&k.kernel)
        .exists());
}

#[test]
fn missing_headers_exit_21() {
    let Some(k) = setup("hello-1.0") else { return };
    let r = k.run(&["build", "hello/1.0", "-k", "9.9.9-nosuch"]);
    assert_eq!(r.code, 21);
    assert_eq!(
        r.stderr,
        "\nError! Your kernel headers for kernel 9.9.9-nosuch cannot be found at \
         <ROOT>/modules/9.9.9-nosuch/build or <ROOT>/modules/9.9.9-nosuch/source.\n\
         Please install your distribution's kernel headers package matching 9.9.9-nosuch, \
         or use the --kernelsourcedir option to tell DKMS where it's located.\n"
    );

    // headers only through the `source` link: dkms does not build against it (reference: 21,
    // nothing printed on stdout, build/ left empty)
    let build_link = k.kernel_dir().join("build");
    let headers = std::fs::read_link(&build_link).unwrap();
    std::fs::remove_file(&build_link).unwrap();
    std::os::unix::fs::symlink(&headers, k.kernel_dir().join("source")).unwrap();
    let r = k.run(&["build", "hello/1.0", "-k", &k.kernel]);
    assert_eq!((r.code, r.stdout.as_str()), (21, ""));
    assert!(r.stderr.starts_with(
        "\nError! Your kernel headers for kernel <K> cannot be found at \
         <ROOT>/modules/<K>/build or <ROOT>/modules/<K>/source.\n"
    ));
    let build_dir = k.sb.dkms_tree().join("hello/1.0/build");
    assert_eq!(std::fs::read_dir(&build_dir).unwrap().count(), 0);
}

#[test]
fn build_depends_blocks_unless_forced() {
    let Some(k) = setup("hello-1.0") else { return };
    let conf = k.sb.source_tree().join("hello-1.0/dkms.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("BUILD_DEPENDS=\"nosuch\"\n");
    std::fs::write(&conf, text).unwrap();
    let r = k.run(&["build", "hello/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 13);
    assert_eq!(
        r.stderr,
        "\nError! Aborting build of module hello/1.0 for kernel <K> (<A>) due to missing BUILD_DEPENDS: nosuch.\n\
         You may override by specifying --force.\n"
    );
    let r = k.run(&["build", "hello/1.0", "-k", &k.kernel, "--force"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stderr,
        "Warning: Trying to build module hello/1.0 for kernel <K> (<A>) despite of missing BUILD_DEPENDS: nosuch.\n"
    );
}

#[test]
fn scripts_run_where_and_when_dkms_runs_them() {
    let Some(k) = setup("scripts-1.0") else {
        return;
    };
    let r = k.run(&["install", "scripts/1.0", "-k", &k.kernel]);
    assert_eq!(
        r.stdout,
        format!(
            "{}Running the pre_build script... done.\n\
             Building module(s)... done.\n\
             Signing module <ROOT>/dkms/scripts/1.0/build/scripts.ko\n\
             Running the post_build script... done.\n\
             Running the pre_install script:\n\
             pre_install script here: \n\
             Installing <ROOT>/modules/<K>/updates/dkms/scripts.ko\n\
             Running the post_install script:\n\
             post_install script here: \n\
             Running depmod... done.\n",
            first_build_prologue(&k, "scripts-1.0")
        )
    );
    assert_eq!(r.stderr, "pre_install stderr\npost_install stderr\n");
    let log = masked_make_log(&k, &k.built_dir("scripts", "1.0").join("log/make.log"));
    assert!(log.contains(
        "\nRunning the pre_build script\n# command: cd <ROOT>/dkms/scripts/1.0/build/ && <ROOT>/dkms/scripts/1.0/build/pre_build.sh first\npre_build script here: first\npre_build stderr\n\n# exit code: 0\n"
    ), "{log}");
    assert!(log.contains("\nRunning the post_build script\n"));

    let r = k.run(&["uninstall", "scripts/1.0", "-k", &k.kernel]);
    assert_eq!(
        r.stdout,
        "Module scripts/1.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Deleting <ROOT>/modules/<K>/updates/dkms/scripts.ko\n\
         Running the post_remove script:\n\
         post_remove script here: \n\
         Running depmod... done.\n"
    );

    // a failing pre_install stops the install (101) unless --force
    std::fs::write(k.sb.source_tree().join("scripts-1.0/fail-pre_install"), "3").unwrap();
    let r = k.run(&["install", "scripts/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 101);
    assert_eq!(
        r.stderr,
        "pre_install stderr\n\nError! pre_install failed, aborting install.\nYou may override by specifying --force.\n"
    );
    assert!(!k.kernel_dir().join("updates/dkms/scripts.ko").exists());
    let r = k.run(&["install", "scripts/1.0", "-k", &k.kernel, "--force"]);
    assert_eq!(r.code, 0);
    assert!(k.kernel_dir().join("updates/dkms/scripts.ko").exists());

    // a failing post_build ends dkms with the script's status
    std::fs::remove_file(k.sb.source_tree().join("scripts-1.0/fail-pre_install")).unwrap();
    std::fs::write(k.sb.source_tree().join("scripts-1.0/fail-post_build"), "4").unwrap();
    let r = k.run(&["build", "scripts/1.0", "-k", &k.kernel, "--force"]);
    assert_eq!(r.code, 4);
    assert!(
        r.stdout.ends_with(
            "Running the post_build script...(bad exit status: 4)\nFailed command:\n\
         cd <ROOT>/dkms/scripts/1.0/build/ && <ROOT>/dkms/scripts/1.0/build/post_build.sh\n\
         Consult <ROOT>/dkms/scripts/1.0/build/make.log for more information.\n"
        ),
        "{}",
        r.stdout
    );
    // the install made before stays
    assert!(k.kernel_dir().join("updates/dkms/scripts.ko").exists());
}

/// Same-length edit of the `version=` entry of a module file (keeps the ELF valid).
fn set_module_version(path: &std::path::Path, from: &str, to: &str) {
    let mut data = std::fs::read(path).unwrap();
    let needle = format!("version={from}\0");
    let at = data
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("version entry");
    data[at..at + needle.len()].copy_from_slice(format!("version={to}\0").as_bytes());
    std::fs::write(path, data).unwrap();
}

#[test]
fn originals_are_archived_restored_and_protected_by_the_version_check() {
    let Some(k) = setup("replacer-2.0") else {
        return;
    };
    k.enable_depmod();
    let r = k.run(&["build", "replacer/2.0", "-k", &k.kernel]);
    assert_eq!(r.code, 0);
    // the kernel ships an older replacer.ko
    let orig_dir = k.kernel_dir().join("kernel/drivers/misc");
    std::fs::create_dir_all(&orig_dir).unwrap();
    let original = orig_dir.join("replacer.ko");
    std::fs::copy(
        k.built_dir("replacer", "2.0").join("module/replacer.ko"),
        &original,
    )
    .unwrap();
    set_module_version(&original, "2.0", "1.0");
    let original_bytes = std::fs::read(&original).unwrap();

    let r = k.run(&["install", "replacer/2.0", "-k", &k.kernel]);
    assert_eq!(
        r.stdout,
        "Found pre-existing <ROOT>/modules/<K>/kernel/drivers/misc/replacer.ko, archiving for uninstallation\n\
         Installing <ROOT>/modules/<K>/updates/dkms/replacer.ko\n\
         Running depmod... done.\n"
    );
    assert_eq!(r.code, 0);
    assert!(!original.exists());
    let archive =
        k.sb.dkms_tree()
            .join("replacer/original_module")
            .join(&k.kernel)
            .join(&k.arch);
    assert_eq!(
        std::fs::read(archive.join("replacer.ko")).unwrap(),
        original_bytes
    );
    assert_eq!(
        std::fs::read_to_string(archive.join("replacer.ko.origin")).unwrap(),
        format!("{}\n", original.display())
    );
    let dep = std::fs::read_to_string(k.kernel_dir().join("modules.dep")).unwrap();
    assert_eq!(dep, "updates/dkms/replacer.ko:\n");

    let r = k.run(&["uninstall", "replacer/2.0", "-k", &k.kernel]);
    assert_eq!(
        r.stdout,
        "Module replacer/2.0 for kernel <K> (<A>):\n\
         Before uninstall, this module version was ACTIVE on this kernel.\n\
         Deleting <ROOT>/modules/<K>/updates/dkms/replacer.ko\n\
         Restoring archived original module <ROOT>/modules/<K>/kernel/drivers/misc/replacer.ko\n\
         Running depmod... done.\n"
    );
    assert_eq!(std::fs::read(&original).unwrap(), original_bytes);
    assert!(!k.sb.dkms_tree().join("replacer/original_module").exists());
    let dep = std::fs::read_to_string(k.kernel_dir().join("modules.dep")).unwrap();
    assert_eq!(dep, "kernel/drivers/misc/replacer.ko:\n");

    // a newer original blocks the install and stays untouched
    set_module_version(&original, "1.0", "9.0");
    let newer_bytes = std::fs::read(&original).unwrap();
    let r = k.run(&["install", "replacer/2.0", "-k", &k.kernel]);
    assert_eq!(r.code, 6);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "\nError! Module version 2.0 for replacer.ko\n\
         is not newer than what is already found in kernel <K> (9.0).\n\
         You may override by specifying --force.\n\
         \nError! Installation aborted.\n"
    );
    assert_eq!(std::fs::read(&original).unwrap(), newer_bytes);
    assert!(!k.kernel_dir().join("updates").exists());
    assert!(!k
        .sb
        .dkms_tree()
        .join(format!("replacer/kernel-{}-{}", k.kernel, k.arch))
        .exists());

    let r = k.run(&[
        "install",
        "replacer/2.0",
        "-k",
        &k.kernel,
        "--force-version-override",
    ]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("Found pre-existing"));
    assert_eq!(
        modinfo_field(&k.kernel_dir().join("updates/dkms/replacer.ko"), "version"),
        "2.0"
    );

    // the same version built from other sources (another srcversion) is installed over it
    // (reference 3.2.2), the other copy archived
    let r = k.run(&["uninstall", "replacer/2.0", "-k", &k.kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    set_module_version(&original, "9.0", "2.0");
    let mut data = std::fs::read(&original).unwrap();
    let key = b"srcversion=";
    let at = data.windows(key.len()).position(|w| w == key).unwrap() + key.len();
    data[at] = if data[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&original, data).unwrap();
    let r = k.run(&["install", "replacer/2.0", "-k", &k.kernel]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(
        r.stdout,
        "Found pre-existing <ROOT>/modules/<K>/kernel/drivers/misc/replacer.ko, archiving for uninstallation\n\
         Installing <ROOT>/modules/<K>/updates/dkms/replacer.ko\n\
         Running depmod... done.\n"
    );
}

#[test]
fn identical_unversioned_module_is_not_installed_twice() {
    let Some(k) = setup("noversion-1.0") else {
        return;
    };
    let r = k.run(&["build", "noversion/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 0);
    let ko = k.built_dir("noversion", "1.0").join("module/noversion.ko");
    assert_eq!(modinfo_field(&ko, "version"), "");
    let there = k.kernel_dir().join("kernel/x");
    std::fs::create_dir_all(&there).unwrap();
    std::fs::copy(&ko, there.join("noversion.ko")).unwrap();
    let r = k.run(&["install", "noversion/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 6);
    assert_eq!(
        r.stderr,
        "Module <ROOT>/modules/<K>/kernel/x/noversion.ko already installed (unversioned module), override by specifying --force\n\
         \nError! Installation aborted.\n"
    );
    assert!(there.join("noversion.ko").exists());
}

#[test]
fn a_leftover_kernel_directory_blocks_the_build_with_exit_3() {
    let Some(k) = setup("hello-1.0") else { return };
    assert_eq!(k.run(&["add", "hello/1.0"]).code, 0);
    let dir = k.built_dir("hello", "1.0");
    std::fs::create_dir_all(dir.join("log")).unwrap();
    for force in [false, true] {
        let mut args = vec!["build", "hello/1.0", "-k", k.kernel.as_str()];
        if force {
            args.push("--force");
        }
        let r = k.run(&args);
        assert_eq!(r.code, 3);
        assert_eq!(
            r.stderr,
            format!(
                "\nError! This module/version has already been built on: <K>\n\
                 Directory <ROOT>/dkms/hello/1.0/<K>/{}/ already exists. Use the dkms remove function before trying to build again.\n",
                k.arch
            )
            .replace("/ already", " already")
        );
    }
}

#[test]
fn install_onto_a_kernel_without_a_modules_directory_exits_6() {
    let Some(k) = setup("hello-1.0") else { return };
    let real = std::fs::read_link(k.kernel_dir().join("build")).unwrap();
    std::fs::remove_dir_all(k.kernel_dir()).unwrap();
    let ksrc = real.to_string_lossy().into_owned();
    let r = k.run(&[
        "install",
        "hello/1.0",
        "-k",
        &k.kernel,
        "--kernelsourcedir",
        &ksrc,
    ]);
    assert_eq!(r.code, 6);
    assert!(r
        .stdout
        .ends_with("Signing module <ROOT>/dkms/hello/1.0/build/hello.ko\n"));
    assert_eq!(
        r.stderr,
        "\nError! The directory <ROOT>/modules/<K> doesn't exist.\n\
         You cannot install a module onto a non-existant kernel.\n"
    );
    assert!(k
        .built_dir("hello", "1.0")
        .join("module/hello.ko")
        .is_file());
}

#[test]
fn several_kernels_in_one_run() {
    let Some(k) = setup("hello-1.0") else { return };
    // a second "kernel" using the same headers; Debian has no linux-kbuild for it, so its
    // sign-file comes from its build tree
    let other = "9.9.9-other";
    let other_dir = k.sb.install_tree().join(other);
    std::fs::create_dir_all(&other_dir).unwrap();
    let real = std::fs::read_link(k.kernel_dir().join("build")).unwrap();
    std::os::unix::fs::symlink(&real, other_dir.join("build")).unwrap();
    let r = k.run(&["install", "hello/1.0", "-k", &k.kernel, "-k", other]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "Sign command: <ROOT>/modules/{other}/build/scripts/sign-file\n\
         Signing key: <ROOT>/mok.key\n\
         Public certificate (MOK): <ROOT>/mok.pub\n\n\
         Building module(s)... done.\n"
        )),
        "{}",
        r.stdout
    );
    // each kernel is built, then installed, in turn
    assert!(r.stdout.contains(
        "Signing module <ROOT>/dkms/hello/1.0/build/hello.ko\n\
         Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\nRunning depmod... done.\nSign command: "
    ));
    assert!(r.stdout.ends_with(&format!(
        "Installing <ROOT>/modules/{other}/updates/dkms/hello.ko\nRunning depmod... done.\n"
    )));
    let r = k.run(&["uninstall", "hello/1.0", "--all"]);
    assert_eq!(
        r.stdout,
        format!(
            "Module hello/1.0 for kernel <K> (<A>):\n\
             Before uninstall, this module version was ACTIVE on this kernel.\n\
             Deleting <ROOT>/modules/<K>/updates/dkms/hello.ko\n\
             Running depmod... done.\n\
             \n\
             Module hello/1.0 for kernel {other} (<A>):\n\
             Before uninstall, this module version was ACTIVE on this kernel.\n\
             Deleting <ROOT>/modules/{other}/updates/dkms/hello.ko\n\
             Running depmod... done.\n"
        )
    );
    let r = k.run(&["unbuild", "hello/1.0", "-k", &k.kernel, "-k", other]);
    assert_eq!(
        r.stdout,
        format!(
            "Module hello/1.0 is not installed for kernel <K> (<A>). Skipping...\n\
             \n\
             Module hello/1.0 is not installed for kernel {other} (<A>). Skipping...\n"
        )
    );
    assert!(!k.sb.dkms_tree().join("hello/1.0").join(&k.kernel).exists());
    assert!(!k.sb.dkms_tree().join("hello/1.0").join(other).exists());
}

/// As dkms, each kernel is tried in turn: a failing kernel shows its error, the next is still
/// built, and the exit status is the last kernel's (reference 3.2.2).
#[test]
fn each_kernel_is_tried_and_the_last_one_decides_the_exit_status() {
    let Some(k) = setup("hello-1.0") else { return };
    let headers_error = |kernel: &str| {
        format!(
            "\nError! Your kernel headers for kernel {kernel} cannot be found at \
             <ROOT>/modules/{kernel}/build or <ROOT>/modules/{kernel}/source.\n\
             Please install your distribution's kernel headers package matching {kernel}, \
             or use the --kernelsourcedir option to tell DKMS where it's located.\n"
        )
    };
    let r = k.run(&["build", "hello/1.0", "-k", "9.8", "-k", &k.kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, headers_error("9.8"));
    assert!(
        r.stdout.contains("Building module(s)... done.\n"),
        "{}",
        r.stdout
    );
    assert!(k
        .built_dir("hello", "1.0")
        .join("module/hello.ko")
        .is_file());

    let r = k.run(&[
        "build",
        "hello/1.0",
        "-k",
        &k.kernel,
        "-k",
        "9.9",
        "--force",
    ]);
    assert_eq!(r.code, 21);
    assert_eq!(r.stderr, headers_error("9.9"));
    assert!(
        r.stdout.contains("Building module(s)... done.\n"),
        "{}",
        r.stdout
    );
}

/// build/ is a `cp -a` copy of the source: modification times are kept (sources that ship
/// generated files depend on them).
#[test]
fn the_build_copy_keeps_modification_times() {
    use std::os::unix::fs::MetadataExt;
    let Some(k) = setup("failing-1.0") else {
        return;
    };
    let src = k.sb.source_tree().join("failing-1.0");
    let file = std::fs::read_dir(&src)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "c"))
        .expect("a C source");
    let status = std::process::Command::new("touch")
        .args(["-d", "2001-02-03 04:05:06"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let r = k.run(&["build", "failing/1.0", "-k", &k.kernel]);
    assert_ne!(r.code, 0);
    let copy =
        k.sb.dkms_tree()
            .join("failing/1.0/build")
            .join(file.file_name().unwrap());
    assert_eq!(
        std::fs::metadata(&copy).unwrap().mtime(),
        std::fs::metadata(&file).unwrap().mtime()
    );
}

/// Directives dkms 3 ignores are named on every strict read: add, build and install
/// (reference 3.2.2), not on uninstall.
#[test]
fn deprecated_directives_are_named_by_add_build_and_install() {
    let Some(k) = setup("hello-1.0") else { return };
    let conf = k.sb.source_tree().join("hello-1.0/dkms.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("REMAKE_INITRD=yes\nMODULES_CONF[0]=\"alias x y\"\n");
    std::fs::write(&conf, text).unwrap();
    let named = |path: &str| {
        format!(
            "Deprecated feature: REMAKE_INITRD ({path})\n\
             Deprecated feature: MODULES_CONF ({path})\n"
        )
    };
    let r = k.run(&["add", "hello/1.0"]);
    assert_eq!(r.stderr, named("<ROOT>/src/hello-1.0/dkms.conf"));
    let in_tree = named("<ROOT>/dkms/hello/1.0/source/dkms.conf");
    let r = k.run(&["build", "hello/1.0", "-k", &k.kernel]);
    assert_eq!((r.code, r.stderr.as_str()), (0, in_tree.as_str()));
    let r = k.run(&["install", "hello/1.0", "-k", &k.kernel]);
    assert_eq!((r.code, r.stderr.as_str()), (0, in_tree.as_str()));
    let r = k.run(&["uninstall", "hello/1.0", "-k", &k.kernel]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}
