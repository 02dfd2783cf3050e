//! The install tree or the dkms tree refuses writes: read-only (a read-only bind mount) or full
//! (a small tmpfs), each in a private mount namespace (`unshare -m`) so that nothing outside the
//! test sees it. dkms's error and exit code, and nothing half-installed or half-built.
//! Skipped with a message where `unshare`/`mount` cannot be used (not root).

mod build_support;
mod common;

use std::path::{Path, PathBuf};

use build_support::{mask_dots, Kbuild};

const INSTALLING: &str = "Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\n";

/// Exit code of the namespace script when its own setup (mount) failed.
const SETUP_FAILED: i32 = 200;

struct Ns {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run `dkms args` in a private mount namespace after `setup` (sh), then `after` (sh, its
/// output discarded; for copying a tmpfs's contents out before it disappears).
/// `None` when the namespace or the mounts are not available here.
fn dkms_in_namespace(k: &Kbuild, setup: &str, args: &[&str], after: &str) -> Option<Ns> {
    let after = if after.is_empty() { "true" } else { after };
    let script = format!(
        "{{ {setup} ; }} >/dev/null 2>&1 || exit {SETUP_FAILED}\n\"$@\"\nrc=$?\n{{ {after} ; }} >/dev/null 2>&1\nexit $rc"
    );
    let inner = k.std_command(args);
    let mut cmd = std::process::Command::new("unshare");
    cmd.env_clear();
    for (key, value) in inner.get_envs() {
        if let Some(v) = value {
            cmd.env(key, v);
        }
    }
    cmd.current_dir(k.sb.path())
        .args(["-m", "sh", "-c", &script, "sh"])
        .arg(inner.get_program())
        .args(inner.get_args());
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: unshare is not available ({e})");
            return None;
        }
    };
    let code = out.status.code().unwrap_or(-1);
    if code == SETUP_FAILED {
        eprintln!(
            "skipped: no private mount namespace or mount here (not root?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(Ns {
        code,
        stdout: mask_dots(&k.mask(&String::from_utf8_lossy(&out.stdout))),
        stderr: k.mask(&String::from_utf8_lossy(&out.stderr)),
    })
}

fn sh_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// A read-only bind mount of `dir` over itself.
fn read_only(dir: &Path) -> String {
    let d = sh_quote(dir);
    format!("mount --bind {d} {d} && mount -o remount,bind,ro {d}")
}

/// A 64k tmpfs over `dir` holding what `dir` held, then filled up to the last byte.
fn full_tmpfs(k: &Kbuild, dir: &Path) -> String {
    let d = sh_quote(dir);
    let keep = sh_quote(&k.sb.path().join("before-mount"));
    format!(
        "rm -rf {keep} && cp -a {d} {keep} && mount -t tmpfs -o size=64k tmpfs {d} && \
         cp -a {keep}/. {d}/ && {{ cat /dev/zero > {d}/fill; true; }} && test -s {d}/fill"
    )
}

/// Copy what the tmpfs over `dir` holds (but the filler) to `<root>/after`.
fn copy_out(k: &Kbuild, dir: &Path) -> String {
    let d = sh_quote(dir);
    let to = sh_quote(&k.sb.path().join("after"));
    format!("rm -f {d}/fill; mkdir -p {to} && cp -a {d}/. {to}/")
}

/// hello 1.0 and a newer hello 2.0 (its MODULE_VERSION too) in the source tree.
fn two_versions(k: &Kbuild) {
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    let v2 = k.sb.copy_fixture("hello-1.0", "hello-2.0");
    for entry in std::fs::read_dir(&v2).unwrap().flatten() {
        let path = entry.path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("1.0", "2.0")).unwrap();
        }
    }
}

fn installed_link(k: &Kbuild) -> PathBuf {
    k.sb.dkms_tree()
        .join(format!("hello/kernel-{}-{}", k.kernel, k.arch))
}

fn hidden_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

fn status(k: &Kbuild) -> String {
    k.run(&["status", "hello"]).stdout
}

/// hello 1.0 from the fixture after a successful `dkms <action> hello/1.0 -k <kernel>`;
/// `None` where kbuild cannot be used.
fn hello_after(action: &str) -> Option<Kbuild> {
    let k = Kbuild::new()?;
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    let r = k.run(&[action, "hello/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    Some(k)
}

/// hello 1.0 installed and 2.0 built; the installed 1.0 module's bytes.
fn older_installed_newer_built(k: &Kbuild) -> Vec<u8> {
    two_versions(k);
    assert_eq!(k.run(&["install", "hello/1.0", "-k", &k.kernel]).code, 0);
    assert_eq!(k.run(&["build", "hello/2.0", "-k", &k.kernel]).code, 0);
    std::fs::read(k.kernel_dir().join("updates/dkms/hello.ko")).unwrap()
}

/// `dkms <action> hello/<version> -k <kernel>` in the namespace (see `dkms_in_namespace`),
/// which must exit with `code`.
fn hello_in_namespace(
    k: &Kbuild,
    setup: &str,
    action_version: (&str, &str),
    after: &str,
    code: i32,
) -> Option<Ns> {
    let (action, version) = action_version;
    let module = format!("hello/{version}");
    let r = dkms_in_namespace(k, setup, &[action, &module, "-k", &k.kernel], after)?;
    assert_eq!(r.code, code, "{}{}", r.stdout, r.stderr);
    Some(r)
}

/// `hello_in_namespace` with the kernel's module directory read-only: exit 6.
fn read_only_kernel_dir(k: &Kbuild, action_version: (&str, &str)) -> Option<Ns> {
    hello_in_namespace(k, &read_only(&k.kernel_dir()), action_version, "", 6)
}

/// dkms's error when the copy of hello `version` into the install tree failed.
fn copy_failed(k: &Kbuild, version: &str) -> String {
    format!(
        "\nError! Copying '<ROOT>/dkms/hello/{version}/<K>/{}/module/hello.ko' failed\n",
        k.arch
    )
}

/// The install link still names version 1.0.
fn still_links_1_0(k: &Kbuild) {
    assert_eq!(
        std::fs::read_link(installed_link(k)).unwrap(),
        Path::new("1.0").join(&k.kernel).join(&k.arch)
    );
}

#[test]
fn install_into_a_read_only_tree_fails_and_leaves_nothing() {
    let Some(k) = hello_after("build") else {
        return;
    };
    let Some(r) = read_only_kernel_dir(&k, ("install", "1.0")) else {
        return;
    };
    assert_eq!(r.stdout, INSTALLING);
    assert_eq!(
        r.stderr,
        format!(
            "mkdir: cannot create directory \u{2018}<ROOT>/modules/<K>/updates\u{2019}: Read-only file system\n\
             cp: cannot create regular file '<ROOT>/modules/<K>/updates/dkms/hello.ko': No such file or directory\n{}",
            copy_failed(&k, "1.0")
        )
    );
    assert!(std::fs::symlink_metadata(installed_link(&k)).is_err());
    assert!(k
        .built_dir("hello", "1.0")
        .join("module/hello.ko")
        .is_file());
    assert!(!k.kernel_dir().join("updates").exists());
    assert_eq!(status(&k), format!("hello/1.0, <K>, {}: built\n", k.arch));
}

#[test]
fn a_newer_version_into_a_read_only_tree_keeps_the_older_one_installed() {
    let Some(k) = Kbuild::new() else { return };
    let v1 = older_installed_newer_built(&k);
    let dir = k.kernel_dir().join("updates/dkms");

    let Some(r) = read_only_kernel_dir(&k, ("install", "2.0")) else {
        return;
    };
    assert_eq!(
        r.stderr,
        format!(
            "cp: cannot remove '<ROOT>/modules/<K>/updates/dkms/hello.ko': Read-only file system\n{}",
            copy_failed(&k, "2.0")
        )
    );
    assert_eq!(std::fs::read(dir.join("hello.ko")).unwrap(), v1);
    still_links_1_0(&k);
    assert!(k
        .built_dir("hello", "2.0")
        .join("module/hello.ko")
        .is_file());
    assert_eq!(
        status(&k),
        format!(
            "hello/1.0, <K>, {a}: installed\nhello/2.0, <K>, {a}: built\n",
            a = k.arch
        )
    );
}

#[test]
fn install_into_a_full_tree_leaves_no_partial_module_and_the_older_one_in_place() {
    let Some(k) = Kbuild::new() else { return };
    let v1 = older_installed_newer_built(&k);
    let updates = k.kernel_dir().join("updates");

    let setup = full_tmpfs(&k, &updates);
    let after = copy_out(&k, &updates);
    let Some(r) = hello_in_namespace(&k, &setup, ("install", "2.0"), &after, 6) else {
        return;
    };
    assert_eq!(r.stdout, INSTALLING);
    assert_eq!(
        r.stderr,
        format!(
            "cp: error writing '<ROOT>/modules/<K>/updates/dkms/hello.ko': No space left on device\n{}",
            copy_failed(&k, "2.0")
        )
    );
    // what the full file system held afterwards: version 1.0, whole, and no partial copy
    let seen = k.sb.path().join("after/dkms");
    assert_eq!(std::fs::read(seen.join("hello.ko")).unwrap(), v1);
    assert_eq!(hidden_names(&seen), Vec::<String>::new());
    still_links_1_0(&k);
}

#[test]
fn a_build_into_a_full_dkms_tree_fails_and_keeps_the_previous_build() {
    let Some(k) = hello_after("build") else {
        return;
    };
    let built = k.built_dir("hello", "1.0");
    let previous = std::fs::read(built.join("module/hello.ko")).unwrap();
    let kernel_dir = built.parent().unwrap().to_path_buf();

    let setup = full_tmpfs(&k, &kernel_dir);
    // the tree as another dkms sees it while the file system is still full
    let status_out = k.sb.path().join("status-in-namespace");
    let after = format!(
        "{} status hello --dkmstree {} --sourcetree {} --installtree {} > {}; {}",
        sh_quote(Path::new(env!("CARGO_BIN_EXE_dkms"))),
        sh_quote(&k.sb.dkms_tree()),
        sh_quote(&k.sb.source_tree()),
        sh_quote(&k.sb.install_tree()),
        sh_quote(&status_out),
        copy_out(&k, &kernel_dir)
    );
    let Some(r) = dkms_in_namespace(
        &k,
        &setup,
        &["build", "hello/1.0", "-k", &k.kernel, "--force"],
        &after,
    ) else {
        return;
    };
    assert_eq!(r.code, 7, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "\nError! Storing the built module(s) in <ROOT>/dkms/hello/1.0/<K>/{}/module failed: No space left on device\n",
            k.arch
        )
    );
    assert!(
        r.stdout.contains("Building module(s)... done.\n"),
        "{}",
        r.stdout
    );
    // the build area and its log stay for a look at what happened, as after a failed make
    assert!(k.sb.dkms_tree().join("hello/1.0/build/make.log").is_file());
    let seen = k.sb.path().join("after");
    assert_eq!(
        std::fs::read(seen.join(&k.arch).join("module/hello.ko")).unwrap(),
        previous
    );
    let names: Vec<String> = std::fs::read_dir(&seen)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != &k.arch && !n.starts_with(".tmp_"))
        .collect();
    assert_eq!(names, Vec::<String>::new());
    assert_eq!(
        k.mask(&std::fs::read_to_string(&status_out).unwrap()),
        format!("hello/1.0, <K>, {}: built\n", k.arch)
    );
}

#[test]
fn uninstall_from_a_read_only_tree_fails_and_stays_installed() {
    let Some(k) = hello_after("install") else {
        return;
    };
    let file = k.kernel_dir().join("updates/dkms/hello.ko");
    let bytes = std::fs::read(&file).unwrap();

    let Some(r) = read_only_kernel_dir(&k, ("uninstall", "1.0")) else {
        return;
    };
    assert_eq!(
        r.stdout,
        format!(
            "Module hello/1.0 for kernel <K> (<A>):\n\
             Before uninstall, this module version was ACTIVE on this kernel.\n\
             Deleting <ROOT>/modules/<K>/updates/dkms/hello.ko\n",
        )
    );
    assert_eq!(
        r.stderr,
        format!(
            "rm: cannot remove '<ROOT>/modules/<K>/updates/dkms/hello.ko': Read-only file system\n\
             \n\
             Error! Uninstalling hello/1.0 for kernel <K> (<A>) failed.\n\
             The install tree could not be changed; the module stays installed.\n",
        )
    );
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    assert!(std::fs::symlink_metadata(installed_link(&k)).is_ok());
    assert_eq!(hidden_names(file.parent().unwrap()), Vec::<String>::new());
    assert_eq!(
        status(&k),
        format!("hello/1.0, <K>, {}: installed\n", k.arch)
    );
}

#[test]
fn an_original_module_in_a_read_only_tree_is_not_archived_half_way() {
    let Some(k) = Kbuild::new() else { return };
    two_versions(&k);
    assert_eq!(k.run(&["build", "hello/1.0", "-k", &k.kernel]).code, 0);
    assert_eq!(k.run(&["build", "hello/2.0", "-k", &k.kernel]).code, 0);
    // the kernel's own (older) hello
    let original = k.kernel_dir().join("kernel/drivers/hello.ko");
    std::fs::create_dir_all(original.parent().unwrap()).unwrap();
    std::fs::copy(
        k.built_dir("hello", "1.0").join("module/hello.ko"),
        &original,
    )
    .unwrap();
    let original_bytes = std::fs::read(&original).unwrap();

    let Some(r) = read_only_kernel_dir(&k, ("install", "2.0")) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "Found pre-existing <ROOT>/modules/<K>/kernel/drivers/hello.ko, archiving for uninstallation\n\
         Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\n"
    );
    assert_eq!(
        r.stderr,
        format!(
            "mv: cannot remove '<ROOT>/modules/<K>/kernel/drivers/hello.ko': Read-only file system\n\
             mkdir: cannot create directory \u{2018}<ROOT>/modules/<K>/updates\u{2019}: Read-only file system\n\
             cp: cannot create regular file '<ROOT>/modules/<K>/updates/dkms/hello.ko': No such file or directory\n{}",
            copy_failed(&k, "2.0")
        )
    );
    assert_eq!(std::fs::read(&original).unwrap(), original_bytes);
    let archived: Vec<_> = walkdir::WalkDir::new(k.sb.dkms_tree().join("hello/original_module"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    assert_eq!(archived, Vec::<PathBuf>::new());
    assert!(std::fs::symlink_metadata(installed_link(&k)).is_err());
}

#[test]
fn staging_leftovers_of_an_interrupted_build_are_ignored_by_status_and_removed_by_remove() {
    let Some(k) = hello_after("build") else {
        return;
    };
    // what a build killed while storing its result leaves beside the published one
    let kernel_dir = k.built_dir("hello", "1.0").parent().unwrap().to_path_buf();
    let leftover = kernel_dir.join(format!(".tmp_{}_a1b2c3", k.arch));
    std::fs::create_dir_all(leftover.join("module")).unwrap();
    std::fs::write(leftover.join("module/hello.ko"), b"half").unwrap();
    assert_eq!(status(&k), format!("hello/1.0, <K>, {}: built\n", k.arch));
    let r = k.run(&["remove", "hello/1.0", "--all"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!k.sb.dkms_tree().join("hello/1.0").exists());
}

#[test]
fn remove_from_a_read_only_install_tree_keeps_the_version_and_its_install() {
    let Some(k) = hello_after("install") else {
        return;
    };
    let file = k.kernel_dir().join("updates/dkms/hello.ko");
    let setup = read_only(&k.kernel_dir());
    let Some(r) = dkms_in_namespace(&k, &setup, &["remove", "hello/1.0", "--all"], "") else {
        return;
    };
    assert_eq!(r.code, 6, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .ends_with("\nError! Uninstalling hello/1.0 for kernel <K> (<A>) failed.\nThe install tree could not be changed; the module stays installed.\n"),
        "{}",
        r.stderr
    );
    assert!(file.is_file());
    assert!(k
        .built_dir("hello", "1.0")
        .join("module/hello.ko")
        .is_file());
    assert!(std::fs::symlink_metadata(installed_link(&k)).is_ok());
    assert_eq!(
        status(&k),
        format!("hello/1.0, <K>, {}: installed\n", k.arch)
    );
}

/// A `/usr/sbin` (or an existing `/usr/lib/module-init-tools`) seen only by this namespace: links to the real
/// entries plus a fake weak-modules tool that records its arguments and the paths on its stdin.
fn shadow_dir_with_tool(k: &Kbuild, real: &str, tool: &str) -> String {
    let shadow = sh_quote(&k.sb.path().join("shadow"));
    let log = sh_quote(&k.sb.path().join("weak.log"));
    format!(
        "test -d {real} && rm -rf {shadow} && mkdir -p {shadow} && \
         for f in {real}/*; do [ -e \"$f\" ] && ln -s \"$f\" {shadow}/; done; \
         rm -f {shadow}/{tool} && \
         printf '#!/bin/sh\\necho \"{tool} $*\" >> {log}\\ncat >> {log}\\n' > {shadow}/{tool} && \
         chmod 755 {shadow}/{tool} && mount --bind {shadow} {real}"
    )
}

#[test]
fn weak_modules_are_told_of_installs_and_uninstalls_on_rhel_and_suse() {
    for (os, real, tool, add, remove, location) in [
        (
            "ID=rhel\n",
            "/usr/sbin",
            "weak-modules",
            "weak-modules --no-initramfs --add-modules",
            "weak-modules --no-initramfs --remove-modules",
            "extra",
        ),
        (
            "ID=sles\n",
            "/usr/lib/module-init-tools",
            "weak-modules2",
            "weak-modules2 --add-kernel-modules <K>",
            "weak-modules2 --remove-kernel-modules <K>",
            "updates",
        ),
    ] {
        if !Path::new(real).is_dir() {
            // nothing may be created outside the sandbox just to shadow it
            eprintln!("skipped {os:?}: no {real} on this machine");
            continue;
        }
        let Some(k) = Kbuild::new() else { return };
        k.sb.copy_fixture("hello-1.0", "hello-1.0");
        std::fs::write(k.sb.path().join("etc/os-release"), os).unwrap();
        let built = k.run(&["build", "hello/1.0", "-k", &k.kernel]);
        assert_eq!(built.code, 0, "{}{}", built.stdout, built.stderr);
        let setup = shadow_dir_with_tool(&k, real, tool);
        let Some(ns) = hello_in_namespace(&k, &setup, ("install", "1.0"), "", 0) else {
            return;
        };
        assert!(
            ns.stdout.contains("Adding linked weak modules...\n"),
            "{}",
            ns.stdout
        );
        let Some(ns) = hello_in_namespace(&k, &setup, ("uninstall", "1.0"), "", 0) else {
            return;
        };
        assert!(
            ns.stdout.contains("Removing linked weak modules...\n"),
            "{}",
            ns.stdout
        );
        let log = k.mask(&std::fs::read_to_string(k.sb.path().join("weak.log")).unwrap());
        let module = format!("<ROOT>/modules/<K>/{location}/hello.ko");
        assert_eq!(
            log,
            format!("{add}\n{module}\n{remove}\n{module}\n"),
            "{os}"
        );
    }
}
