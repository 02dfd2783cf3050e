//! `dkms status` on trees laid out as bash dkms writes them. Expected texts were taken from the
//! reference dkms run on the same trees (paths masked).
mod common;

use common::{Run, Sandbox};

const K: &str = "6.1.0-1-test";
const K2: &str = "6.1.0-2-test";
const A: &str = "x86_64";
const KO: &[u8] = b"\x7fELF pretend module";

fn ok(stdout: &str) -> Run {
    Run {
        code: 0,
        stdout: stdout.to_string(),
        stderr: String::new(),
    }
}

/// `m/v` added (with `conf`, else the default one), built for K (KO) and installed there
/// (`installed`).
fn installed(sb: &Sandbox, m: &str, v: &str, conf: Option<&str>, installed: &[u8]) {
    sb.write_source(m, v, conf);
    sb.mark_added(m, v);
    sb.mark_built(m, v, K, A, m, KO);
    sb.mark_installed(m, v, K, A, m, installed);
}

/// Each status command prints exactly this, as the reference does on the same tree.
fn statuses(sb: &Sandbox, table: &[(&[&str], &str)]) {
    for (args, stdout) in table {
        let mut argv = vec!["status"];
        argv.extend_from_slice(args);
        assert_eq!(sb.run_same_as_reference(&argv), ok(stdout), "{argv:?}");
    }
}

/// `<K2>/weak-updates/<name>.ko` linking to `target`.
fn weak_link(sb: &Sandbox, subdir: &str, target: impl AsRef<std::path::Path>) {
    let wdir = sb.install_tree().join(K2).join("weak-updates").join(subdir);
    std::fs::create_dir_all(&wdir).unwrap();
    std::os::unix::fs::symlink(target, wdir.join("weak.ko")).unwrap();
}

#[test]
fn empty_tree_prints_nothing() {
    let sb = Sandbox::new();
    assert_eq!(sb.run_same_as_reference(&["status"]), ok(""));
}

#[test]
fn added_built_installed() {
    let sb = Sandbox::new();
    sb.added("alpha", "1.0");
    sb.added("beta", "2.0");
    sb.mark_built("beta", "2.0", K, A, "beta", KO);
    sb.added("gamma", "3.0");
    sb.mark_built("gamma", "3.0", K, A, "gamma", KO);
    sb.mark_built("gamma", "3.0", K2, A, "gamma", KO);
    sb.mark_installed("gamma", "3.0", K2, A, "gamma", KO);
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        ok("alpha/1.0: added\n\
            beta/2.0, 6.1.0-1-test, x86_64: built\n\
            gamma/3.0, 6.1.0-1-test, x86_64: built\n\
            gamma/3.0, 6.1.0-2-test, x86_64: installed\n")
    );
}

#[test]
fn suffixes() {
    let sb = Sandbox::new();
    // original modules, and identical copies
    installed(&sb, "orig", "1", None, KO);
    std::fs::create_dir_all(sb.dkms_tree().join("orig/original_module").join(K).join(A)).unwrap();
    // installed copy differs
    installed(&sb, "diff", "1", None, b"something else");
    // installed copy missing counts as different
    installed(&sb, "gone", "1", None, KO);
    std::fs::remove_file(sb.install_tree().join(K).join("updates/dkms/gone.ko")).unwrap();
    // built copy missing in the dkms tree
    sb.added("miss", "1");
    sb.mark_built("miss", "1", K, A, "miss", KO);
    std::fs::remove_file(
        sb.dkms_tree()
            .join("miss/1")
            .join(K)
            .join(A)
            .join("module/miss.ko"),
    )
    .unwrap();
    // original modules of a built (not installed) module
    sb.added("obuilt", "1");
    sb.mark_built("obuilt", "1", K, A, "obuilt", KO);
    std::fs::create_dir_all(
        sb.dkms_tree()
            .join("obuilt/original_module")
            .join(K)
            .join(A),
    )
    .unwrap();
    // built-only with a differing copy in the kernel tree: no suffix (not installed)
    sb.added("stale", "1");
    sb.mark_built("stale", "1", K, A, "stale", KO);
    let dir = sb.install_tree().join(K).join("updates/dkms");
    std::fs::write(dir.join("stale.ko"), b"old").unwrap();
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        ok("diff/1, 6.1.0-1-test, x86_64: installed (Differences between built and installed modules)\n\
            gone/1, 6.1.0-1-test, x86_64: installed (Differences between built and installed modules)\n\
            miss/1, 6.1.0-1-test, x86_64: built (Built modules are missing in the kernel modules folder)\n\
            obuilt/1, 6.1.0-1-test, x86_64: built (Original modules exist)\n\
            orig/1, 6.1.0-1-test, x86_64: installed (Original modules exist)\n\
            stale/1, 6.1.0-1-test, x86_64: built\n")
    );
}

#[test]
fn dest_module_name_and_several_records() {
    let sb = Sandbox::new();
    let conf = "PACKAGE_NAME=multi\nPACKAGE_VERSION=1.0\n\
                BUILT_MODULE_NAME[0]=first\nDEST_MODULE_NAME[0]=renamed\nDEST_MODULE_LOCATION[0]=/extra\n\
                BUILT_MODULE_NAME[1]=other\nDEST_MODULE_LOCATION[1]=/extra\n";
    sb.write_source("multi", "1.0", Some(conf));
    sb.mark_added("multi", "1.0");
    sb.mark_built("multi", "1.0", K, A, "first", KO);
    sb.mark_installed("multi", "1.0", K, A, "first", KO);
    let line = "multi/1.0, 6.1.0-1-test, x86_64: installed";
    // the built copy is looked up by DEST_MODULE_NAME: renamed.ko is missing
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        ok(&format!(
            "{line} (Built modules are missing in the kernel modules folder)\n"
        ))
    );
    let module_dir = sb
        .dkms_tree()
        .join("multi/1.0")
        .join(K)
        .join(A)
        .join("module");
    std::fs::write(module_dir.join("renamed.ko"), KO).unwrap();
    std::fs::write(module_dir.join("other.ko"), KO).unwrap();
    // on Debian the installed copies live in /updates/dkms whatever DEST_MODULE_LOCATION says
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        ok(&format!(
            "{line} (Differences between built and installed modules)\n"
        ))
    );
    let inst = sb.install_tree().join(K).join("updates/dkms");
    std::fs::write(inst.join("renamed.ko"), KO).unwrap();
    std::fs::write(inst.join("other.ko"), KO).unwrap();
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        ok(&format!("{line}\n"))
    );
}

#[test]
fn order_is_bash_glob_order() {
    let sb = Sandbox::new();
    for (m, v) in [
        ("Zeta", "1.0"),
        ("alpha", "1.0"),
        ("a-b", "1.0"),
        ("a.b", "1.0"),
        ("a_b", "1.0"),
        ("a", "1.0"),
        ("a", "1.10"),
        ("a", "1.9"),
        ("a", "1.0-b"),
        ("a", "1A"),
        ("a", "1a"),
        ("9x", "1.0"),
        ("10x", "1.0"),
    ] {
        sb.added(m, v);
    }
    sb.mark_built("a", "1.0", "10.0", A, "a", KO);
    sb.mark_built("a", "1.0", "9.0", A, "a", KO);
    sb.mark_built("a", "1.0", "9.0", "i386", "a", KO);
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        ok("10x/1.0: added\n\
            9x/1.0: added\n\
            Zeta/1.0: added\n\
            a-b/1.0: added\n\
            a.b/1.0: added\n\
            a/1.0, 10.0, x86_64: built\n\
            a/1.0, 9.0, i386: built\n\
            a/1.0, 9.0, x86_64: built\n\
            a/1.0-b: added\n\
            a/1.10: added\n\
            a/1.9: added\n\
            a/1A: added\n\
            a/1a: added\n\
            a_b/1.0: added\n\
            alpha/1.0: added\n")
    );
}

#[test]
fn filters_by_module_version_and_kernel() {
    let sb = Sandbox::new();
    installed(&sb, "hello", "1.0", None, KO);
    sb.added("hello", "2.0");
    sb.mark_built("hello", "2.0", "6.0", A, "hello", KO);
    sb.mark_built("hello", "2.0", "7.0", A, "hello", KO);
    sb.added("other", "1.0");

    let both_kernels = "hello/2.0, 6.0, x86_64: built\nhello/2.0, 7.0, x86_64: built\n";
    let all_hello = format!("hello/1.0, 6.1.0-1-test, x86_64: installed\n{both_kernels}");
    statuses(
        &sb,
        &[
            (&["-m", "hello"], &all_hello),
            (&["hello/2.0"], both_kernels),
            (&["-m", "hello", "-v", "2.0"], both_kernels),
            (
                &["-v", "1.0"],
                "hello/1.0, 6.1.0-1-test, x86_64: installed\nother/1.0: added\n",
            ),
            // a module version with nothing for the kernel is shown as added
            (
                &["-k", "7.0"],
                "hello/1.0: added\nhello/2.0, 7.0, x86_64: built\nother/1.0: added\n",
            ),
            (
                &["-k", "9.9"],
                "hello/1.0: added\nhello/2.0: added\nother/1.0: added\n",
            ),
            // every -k is its own pass over all modules
            (
                &["hello/2.0", "-k", "7.0", "-k", "6.0"],
                "hello/2.0, 7.0, x86_64: built\nhello/2.0, 6.0, x86_64: built\n",
            ),
            (&["-m", "nosuch"], ""),
            (&["hello/9.9"], ""),
        ],
    );
}

#[test]
fn broken_modules_report_on_stderr_and_the_rest_is_printed() {
    let sb = Sandbox::new();
    sb.added("aaa", "1.0");
    // dangling source link
    sb.added("bbb", "1.0");
    std::fs::remove_dir_all(sb.source_tree().join("bbb-1.0")).unwrap();
    // source link missing while /usr/src/<m>-<v> exists; kernel dirs are then not shown
    sb.added("ccc", "1.0");
    sb.mark_built("ccc", "1.0", K, A, "ccc", KO);
    std::fs::remove_file(sb.dkms_tree().join("ccc/1.0/source")).unwrap();
    // neither link nor source: not a module version at all
    std::fs::create_dir_all(
        sb.dkms_tree()
            .join("ddd/1.0")
            .join(K)
            .join(A)
            .join("module"),
    )
    .unwrap();
    sb.added("eee", "1.0");
    let block = |m: &str| {
        format!(
            "\nError! {m}/1.0: Missing the module source directory or the symbolic link pointing to it.\n\
             Manual intervention is required!\n"
        )
    };
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        Run {
            code: 0,
            stdout: "aaa/1.0: added\nbbb/1.0: broken\nccc/1.0: broken\neee/1.0: added\n".into(),
            stderr: format!("{}{}", block("bbb"), block("ccc")),
        }
    );
}

#[test]
fn foreign_files_dangling_links_and_tmp_dirs_are_ignored() {
    let sb = Sandbox::new();
    installed(&sb, "hello", "1.0", None, KO);
    let t = sb.dkms_tree();
    std::fs::write(t.join("README"), "foreign\n").unwrap();
    std::fs::write(t.join("hello/notes.txt"), "foreign\n").unwrap();
    std::fs::write(t.join("hello/1.0/foo"), "foreign\n").unwrap();
    std::os::unix::fs::symlink("nowhere/6.0/x86_64", t.join("hello/kernel-6.0-x86_64")).unwrap();
    std::os::unix::fs::symlink("/nonexistent", t.join("dangling")).unwrap();
    // half-written build output and kernel dirs dkms does not consider
    std::fs::create_dir_all(
        t.join("hello/1.0")
            .join(K)
            .join(".tmp_x86_64_AbC123/module"),
    )
    .unwrap();
    std::fs::create_dir_all(t.join("hello/1.0/abc/x86_64/module")).unwrap();
    std::fs::create_dir_all(t.join("hello/1.0/7.0/x86_64")).unwrap();
    std::fs::create_dir_all(t.join(".hidden/1.0")).unwrap();
    std::fs::create_dir_all(t.join("hello/.tmp_junk")).unwrap();
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        ok("hello/1.0, 6.1.0-1-test, x86_64: installed\n")
    );
}

#[test]
fn missing_and_malformed_conf_are_reported_per_line() {
    let sb = Sandbox::new();
    sb.added("noconf", "1.0");
    sb.mark_built("noconf", "1.0", K, A, "noconf", KO);
    sb.mark_built("noconf", "1.0", K2, A, "noconf", KO);
    std::fs::remove_file(sb.source_tree().join("noconf-1.0/dkms.conf")).unwrap();
    sb.write_source("badconf", "1.0", Some("PACKAGE_NAME=\n"));
    sb.mark_added("badconf", "1.0");
    sb.mark_built("badconf", "1.0", K, A, "badconf", KO);
    sb.added("fine", "1.0");
    let missing = "\nError! Could not locate dkms.conf file.\n\
                   File: <ROOT>/dkms/noconf/1.0/source/dkms.conf does not exist.\n";
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        Run {
            code: 0,
            stdout: "badconf/1.0, 6.1.0-1-test, x86_64: built\n\
                     fine/1.0: added\n\
                     noconf/1.0, 6.1.0-1-test, x86_64: built\n\
                     noconf/1.0, 6.1.0-2-test, x86_64: built\n"
                .into(),
            stderr: format!(
                "dkms.conf: Error! No 'PACKAGE_NAME' directive specified.\n\
                 dkms.conf: Error! No 'PACKAGE_VERSION' directive specified.\n\
                 {missing}{missing}"
            ),
        }
    );
}

#[test]
fn installed_weak() {
    let sb = Sandbox::new();
    installed(&sb, "weak", "1.0", None, KO);
    weak_link(&sb, "", format!("../../{K}/updates/dkms/weak.ko"));
    assert_eq!(
        sb.run(&["status"]),
        ok("weak/1.0, 6.1.0-1-test, x86_64: installed\n\
            weak, 1.0, 6.1.0-2-test, x86_64: installed-weak from 6.1.0-1-test\n")
    );
    assert_eq!(
        sb.run(&["status", "-k", K2]),
        ok("weak, 1.0, 6.1.0-2-test, x86_64: installed-weak from 6.1.0-1-test\n")
    );
    let json: serde_json::Value =
        serde_json::from_str(&sb.run(&["status", "--json", "-k", K2]).stdout).unwrap();
    assert_eq!(json[0]["state"], "installed-weak");
    assert_eq!(json[0]["weak_from"], K);
}

#[test]
fn json_view() {
    let sb = Sandbox::new();
    sb.added("aaa", "1.0");
    sb.added("bbb", "1.0");
    std::fs::remove_dir_all(sb.source_tree().join("bbb-1.0")).unwrap();
    installed(&sb, "ccc", "2.0", None, b"other bytes");
    std::fs::create_dir_all(sb.dkms_tree().join("ccc/original_module").join(K).join(A)).unwrap();
    let run = sb.run(&["status", "--json"]);
    assert_eq!(run.code, 0);
    assert!(run
        .stderr
        .contains("Error! bbb/1.0: Missing the module source directory"));
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        value,
        serde_json::json!([
            {"module": "aaa", "version": "1.0", "kernel": null, "arch": null, "state": "added",
             "original_modules_exist": false, "built_modules_missing": false,
             "differs_from_installed": false, "weak_from": null},
            {"module": "bbb", "version": "1.0", "kernel": null, "arch": null, "state": "broken",
             "original_modules_exist": false, "built_modules_missing": false,
             "differs_from_installed": false, "weak_from": null},
            {"module": "ccc", "version": "2.0", "kernel": K, "arch": A, "state": "installed",
             "original_modules_exist": true, "built_modules_missing": false,
             "differs_from_installed": true, "weak_from": null},
        ])
    );
    assert_eq!(sb.run(&["status", "--json", "-m", "nosuch"]).stdout, "[]\n");
}

#[test]
fn compressed_modules_are_compared() {
    let sb = Sandbox::new();
    sb.added("zmod", "1.0");
    let base = sb
        .dkms_tree()
        .join("zmod/1.0")
        .join(K)
        .join(A)
        .join("module");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::write(base.join("zmod.ko.xz"), KO).unwrap();
    std::os::unix::fs::symlink(
        format!("1.0/{K}/{A}"),
        sb.dkms_tree().join(format!("zmod/kernel-{K}-{A}")),
    )
    .unwrap();
    let inst = sb.install_tree().join(K).join("updates/dkms");
    std::fs::create_dir_all(&inst).unwrap();
    std::fs::write(inst.join("zmod.ko.xz"), KO).unwrap();
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        ok("zmod/1.0, 6.1.0-1-test, x86_64: installed\n")
    );
}

#[test]
fn filters_by_arch() {
    let sb = Sandbox::new();
    sb.added("hello", "1.0");
    sb.mark_built("hello", "1.0", "7.0", A, "hello", KO);
    sb.mark_built("hello", "1.0", "7.0", "i386", "hello", KO);
    sb.mark_built("hello", "1.0", "6.0", A, "hello", KO);
    statuses(
        &sb,
        &[
            (&["-a", "i386"], "hello/1.0, 7.0, i386: built\n"),
            (&["-a", "arm64"], "hello/1.0: added\n"),
            (&["-k", "7.0/i386"], "hello/1.0, 7.0, i386: built\n"),
            // one arch applies to every -k
            (
                &["-k", "7.0/i386", "-k", "6.0"],
                "hello/1.0, 7.0, i386: built\nhello/1.0: added\n",
            ),
            (
                &["-k", "7.0", "-k", "6.0", "-a", A, "-a", "i386"],
                "hello/1.0, 7.0, x86_64: built\nhello/1.0: added\n",
            ),
        ],
    );
}

#[test]
fn conf_that_runs_commands_is_read_per_line() {
    let sb = Sandbox::new();
    let conf = "PACKAGE_NAME=dyn\nPACKAGE_VERSION=1.0\n\
                echo \"reading dkms.conf for $kernelver\" >&2\n\
                BUILT_MODULE_NAME[0]=dyn\nDEST_MODULE_NAME[0]=\"dyn-$kernelver\"\n\
                DEST_MODULE_LOCATION[0]=/updates\n";
    sb.write_source("dyn", "1.0", Some(conf));
    sb.mark_added("dyn", "1.0");
    sb.mark_built("dyn", "1.0", K, A, "dyn-6.1.0-1-test", KO);
    sb.mark_built("dyn", "1.0", K2, A, "dyn", KO);
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        Run {
            code: 0,
            stdout: "dyn/1.0, 6.1.0-1-test, x86_64: built\n\
                     dyn/1.0, 6.1.0-2-test, x86_64: built (Built modules are missing in the kernel modules folder)\n"
                .into(),
            stderr: "reading dkms.conf for 6.1.0-1-test\nreading dkms.conf for 6.1.0-2-test\n".into(),
        }
    );
}

#[test]
fn per_module_override_file_is_read() {
    let sb = Sandbox::new();
    sb.added("ovr", "1.0");
    sb.mark_built("ovr", "1.0", K, A, "renamed", KO);
    std::fs::write(
        sb.confdir().join("ovr.conf"),
        "DEST_MODULE_NAME[0]=renamed\n",
    )
    .unwrap();
    assert_eq!(
        sb.run(&["status"]),
        ok("ovr/1.0, 6.1.0-1-test, x86_64: built\n")
    );
    std::fs::remove_file(sb.confdir().join("ovr.conf")).unwrap();
    assert_eq!(
        sb.run(&["status"]),
        ok("ovr/1.0, 6.1.0-1-test, x86_64: built (Built modules are missing in the kernel modules folder)\n")
    );
}

#[test]
fn foreign_files_in_place_of_versions_and_links() {
    let sb = Sandbox::new();
    // a file where the source link should be, sources present: broken
    sb.write_source("hello", "1.0", None);
    std::fs::create_dir_all(sb.dkms_tree().join("hello/1.0")).unwrap();
    std::fs::write(sb.dkms_tree().join("hello/1.0/source"), "x").unwrap();
    // the same without sources: not a module version
    std::fs::create_dir_all(sb.dkms_tree().join("hello/2.0")).unwrap();
    std::fs::write(sb.dkms_tree().join("hello/2.0/source"), "x").unwrap();
    // a file where the version directory should be
    sb.write_source("foo", "1.0", None);
    std::fs::create_dir_all(sb.dkms_tree().join("foo")).unwrap();
    std::fs::write(sb.dkms_tree().join("foo/1.0"), "x").unwrap();
    assert_eq!(
        sb.run_same_as_reference(&["status"]),
        Run {
            code: 0,
            stdout: "hello/1.0: broken\n".into(),
            stderr: "\nError! hello/1.0: Missing the module source directory or the symbolic link pointing to it.\n\
                     Manual intervention is required!\n"
                .into(),
        }
    );
}

/// The installed copy is looked for where this distribution installs (spec §4.3).
fn installed_where(os_release: &str, location: &str, addon: Option<&str>) -> String {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("etc/os-release"), os_release).unwrap();
    let conf = "PACKAGE_NAME=loc\nPACKAGE_VERSION=1.0\nBUILT_MODULE_NAME[0]=loc\n\
                DEST_MODULE_LOCATION[0]=/kernel/drivers/misc\n";
    installed(&sb, "loc", "1.0", Some(conf), b"elsewhere");
    let dir = sb.install_tree().join(K).join(location);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("loc.ko"), KO).unwrap();
    let mut cmd = sb.dkms(&["status"]);
    if let Some(addon) = addon {
        cmd.env("ADDON_MODULES_DIR", addon);
    }
    String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
}

#[test]
fn installed_copy_location_follows_the_distribution() {
    let clean = "loc/1.0, 6.1.0-1-test, x86_64: installed\n";
    for (os_release, location, addon) in [
        ("ID=fedora\n", "extra", None),
        (
            "ID=almalinux\nID_LIKE=\"rhel centos fedora\"\n",
            "extra",
            None,
        ),
        (
            "ID=opensuse-leap\nID_LIKE=\"suse opensuse\"\n",
            "updates",
            None,
        ),
        (
            "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n",
            "updates/dkms",
            None,
        ),
        ("ID=alpine\n", "kernel/drivers/misc", None),
        ("ID=debian\n", "addon/dir", Some("addon/dir")),
    ] {
        assert_eq!(
            installed_where(os_release, location, addon),
            clean,
            "{os_release:?}"
        );
    }
    // and not where another distribution would put it
    assert_eq!(
        installed_where("ID=debian\n", "extra", None),
        "loc/1.0, 6.1.0-1-test, x86_64: installed (Differences between built and installed modules)\n"
    );
}

#[test]
fn no_weak_modules_means_no_weak_lines() {
    let sb = Sandbox::new();
    let mut conf = common::simple_conf("weak", "1.0");
    conf.push_str("NO_WEAK_MODULES=\"yes\"\n");
    installed(&sb, "weak", "1.0", Some(&conf), KO);
    weak_link(&sb, "", format!("../../{K}/updates/dkms/weak.ko"));
    assert_eq!(
        sb.run(&["status"]),
        ok("weak/1.0, 6.1.0-1-test, x86_64: installed\n")
    );
}

#[test]
fn unreadable_or_garbage_conf_still_prints_every_line() {
    let sb = Sandbox::new();
    // a directory where dkms.conf should be
    sb.added("adir", "1.0");
    let conf = sb.source_tree().join("adir-1.0/dkms.conf");
    std::fs::remove_file(&conf).unwrap();
    std::fs::create_dir(&conf).unwrap();
    sb.mark_built("adir", "1.0", K, A, "adir", KO);
    // binary garbage
    sb.write_source("bin", "1.0", Some("\u{1}\u{2}"));
    std::fs::write(
        sb.source_tree().join("bin-1.0/dkms.conf"),
        b"\xff\xfe\x00garbage\n\x00PACKAGE_NAME=\"",
    )
    .unwrap();
    sb.mark_added("bin", "1.0");
    sb.mark_built("bin", "1.0", K, A, "bin", KO);
    sb.added("zzz", "1.0");
    let run = sb.run(&["status"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "adir/1.0, 6.1.0-1-test, x86_64: built\n\
         bin/1.0, 6.1.0-1-test, x86_64: built\n\
         zzz/1.0: added\n"
    );
    assert_eq!(
        run.stderr
            .matches("dkms.conf: Error! No 'PACKAGE_NAME' directive specified.\n")
            .count(),
        2,
        "{}",
        run.stderr
    );
}

#[test]
fn binary_only_load_is_shown_as_built() {
    // ldtarball of a binaries-only archive without sources: `source` is a real directory
    // holding only dkms.conf. Upstream hides such a module from status (spec §11: fixed).
    let sb = Sandbox::new();
    let source = sb.dkms_tree().join("binmod/1.0/source");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::write(
        source.join("dkms.conf"),
        common::simple_conf("binmod", "1.0"),
    )
    .unwrap();
    sb.mark_built("binmod", "1.0", K, A, "binmod", KO);
    assert_eq!(
        sb.run(&["status"]),
        ok("binmod/1.0, 6.1.0-1-test, x86_64: built\n")
    );
}

#[test]
fn empty_filters_filter_nothing() {
    let sb = Sandbox::new();
    sb.added("hello", "1.0");
    sb.mark_built("hello", "1.0", "6.0", A, "hello", KO);
    sb.added("other", "2.0");
    let all = "hello/1.0, 6.0, x86_64: built\nother/2.0: added\n";
    let hello = "hello/1.0, 6.0, x86_64: built\n";
    statuses(
        &sb,
        &[
            (&["/1.0"], hello),
            (&["hello/"], hello),
            (&["-k", "6.0/"], all),
            (&["-k", "/x86_64"], all),
            (&["--all"], all),
        ],
    );
}

#[test]
fn installed_weak_on_rhel_layout() {
    // RHEL's weak-modules mirrors the install location under weak-updates.
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("etc/os-release"), "ID=rhel\n").unwrap();
    sb.added("weak", "1.0");
    sb.mark_built("weak", "1.0", K, A, "weak", KO);
    let link = sb.dkms_tree().join(format!("weak/kernel-{K}-{A}"));
    std::os::unix::fs::symlink(format!("1.0/{K}/{A}"), link).unwrap();
    let extra = sb.install_tree().join(K).join("extra");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(extra.join("weak.ko"), KO).unwrap();
    weak_link(&sb, "extra", extra.join("weak.ko"));
    assert_eq!(
        sb.run(&["status"]),
        ok("weak/1.0, 6.1.0-1-test, x86_64: installed\n\
            weak, 1.0, 6.1.0-2-test, x86_64: installed-weak from 6.1.0-1-test\n")
    );
}

#[test]
fn filters_are_glob_patterns_and_kernels_sort_by_path() {
    let sb = Sandbox::new();
    sb.added("hello", "1.0");
    sb.added("hello", "2.0");
    sb.added("help", "1.0");
    for (v, k, a) in [
        ("1.0", "6.0", A),
        ("1.0", "6.0", "Z"),
        ("1.0", "6.0-x", "a"),
        ("1.0", "7.0", A),
        ("2.0", "6.0", A),
        ("2.0", "abc", A),
    ] {
        sb.mark_built("hello", v, k, a, "hello", KO);
    }
    statuses(
        &sb,
        &[
            // without -k only digit-leading kernels, sorted by "<kernel>/<arch>" bytes
            (
                &["hello"],
                "hello/1.0, 6.0-x, a: built\nhello/1.0, 6.0, Z: built\nhello/1.0, 6.0, x86_64: built\n\
                 hello/1.0, 7.0, x86_64: built\nhello/2.0, 6.0, x86_64: built\n",
            ),
            (
                &["-m", "hel*", "-v", "2.*", "-k", "[67].0", "-a", "x86*"],
                "hello/2.0, 6.0, x86_64: built\n",
            ),
            (&["-m", "he?p"], "help/1.0: added\n"),
            (
                &["*/1.0", "-k", "7.0"],
                "hello/1.0, 7.0, x86_64: built\nhelp/1.0: added\n",
            ),
            // a named kernel need not start with a digit
            (
                &["-k", "abc"],
                "hello/1.0: added\nhello/2.0, abc, x86_64: built\nhelp/1.0: added\n",
            ),
        ],
    );
}

/// The installed copy is looked for in the distribution's location, then in
/// DEST_MODULE_LOCATION itself; the first one found is compared (as uninstall finds it).
#[test]
fn installed_copy_at_the_raw_dest_module_location() {
    let line = "raw/1.0, 6.1.0-1-test, x86_64: installed";
    let differs = "raw/1.0, 6.1.0-1-test, x86_64: installed (Differences between built and installed modules)";
    // (copy in updates/dkms, copy in kernel/drivers/misc, status line)
    for (updates, raw, expected) in [
        (None, Some(KO), line),
        (None, Some(&b"other"[..]), differs),
        (Some(KO), Some(&b"other"[..]), line),
        (Some(&b"other"[..]), Some(KO), differs),
        (None, None, differs),
    ] {
        let sb = Sandbox::new();
        let conf = "PACKAGE_NAME=raw\nPACKAGE_VERSION=1.0\nBUILT_MODULE_NAME[0]=raw\n\
                    DEST_MODULE_LOCATION[0]=/kernel/drivers/misc\n";
        installed(&sb, "raw", "1.0", Some(conf), KO);
        let kdir = sb.install_tree().join(K);
        std::fs::remove_file(kdir.join("updates/dkms/raw.ko")).unwrap();
        if let Some(bytes) = updates {
            std::fs::write(kdir.join("updates/dkms/raw.ko"), bytes).unwrap();
        }
        if let Some(bytes) = raw {
            std::fs::create_dir_all(kdir.join("kernel/drivers/misc")).unwrap();
            std::fs::write(kdir.join("kernel/drivers/misc/raw.ko"), bytes).unwrap();
        }
        assert_eq!(
            sb.run_same_as_reference(&["status"]),
            ok(&format!("{expected}\n")),
            "updates: {updates:?}, raw: {raw:?}"
        );
    }
}

/// `--directive` values are echoed while dkms.conf is read, after the state and before the
/// line ends; on every read, also of the same kernel again.
#[test]
fn directive_echo_comes_inside_the_status_line() {
    let sb = Sandbox::new();
    sb.added("hello", "1.0");
    sb.mark_built("hello", "1.0", K, A, "hello", KO);
    let echoed = "hello/1.0, 6.1.0-1-test, x86_64: builtDIRECTIVE: FOO=\"bar\"\n\n";
    assert_eq!(
        sb.run_same_as_reference(&["status", "--directive", "FOO=bar"]),
        ok(echoed)
    );
    assert_eq!(
        sb.run_same_as_reference(&[
            "status",
            "--directive",
            "FOO=bar",
            "--directive",
            "X=1",
            "-k",
            K,
            "-k",
            K
        ]),
        ok(
            &"hello/1.0, 6.1.0-1-test, x86_64: builtDIRECTIVE: FOO=\"bar\"\nDIRECTIVE: X=\"1\"\n\n"
                .repeat(2)
        )
    );
}
