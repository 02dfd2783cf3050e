//! `dkms remove` of modules that are only added (or built for other kernels): messages, exit
//! codes and what is left in the tree, checked against the reference when it is present.
mod common;

use common::{compare_with_reference, host_kernel_arch, Run};

fn run(code: i32, stdout: &str, stderr: &str) -> Run {
    Run {
        code,
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
    }
}

fn skip_lines(kernel: &str, arch: &str) -> String {
    format!(
        "Module hello/1.0 is not installed for kernel {kernel} ({arch}). Skipping...\n\
         Module hello/1.0 is not built for kernel {kernel} ({arch}). Skipping...\n\n"
    )
}

const DELETING: &str = "Deleting module hello/1.0 completely from the DKMS tree.\n";

#[test]
fn remove_defaults_to_the_running_kernel() {
    let (k, a) = host_kernel_arch();
    let (out, sb) = compare_with_reference(|sb| sb.added("hello", "1.0"), &["remove", "hello/1.0"]);
    assert_eq!(
        out,
        run(0, &format!("{}{DELETING}", skip_lines(&k, &a)), "")
    );
    assert!(!sb.dkms_tree().join("hello").exists());
    assert!(
        sb.source_tree().join("hello-1.0/dkms.conf").is_file(),
        "remove never deletes /usr/src/<m>-<v>"
    );
}

#[test]
fn remove_each_requested_kernel() {
    let (out, _sb) = compare_with_reference(
        |sb| sb.added("hello", "1.0"),
        &[
            "remove", "-m", "hello", "-v", "1.0", "-k", "1.2.3", "-k", "4.5",
        ],
    );
    let (_, a) = host_kernel_arch();
    assert_eq!(
        out,
        run(
            0,
            &format!(
                "{}{}{DELETING}",
                skip_lines("1.2.3", &a),
                skip_lines("4.5", &a)
            ),
            ""
        )
    );
}

#[test]
fn remove_all_of_an_added_module() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            sb.added("hello", "2.0");
        },
        &["remove", "hello/1.0", "--all"],
    );
    assert_eq!(out, run(0, DELETING, ""));
    assert!(!sb.dkms_tree().join("hello/1.0").exists());
    assert!(sb.dkms_tree().join("hello/2.0/source").exists());
}

#[test]
fn version_built_for_another_kernel_is_kept() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            sb.mark_built("hello", "1.0", "6.0.0", "x86_64", "hello", b"ko");
        },
        &["remove", "hello/1.0", "-k", "7.0.0"],
    );
    let (_, a) = host_kernel_arch();
    assert_eq!(out, run(0, &skip_lines("7.0.0", &a), ""));
    assert!(sb
        .dkms_tree()
        .join("hello/1.0/6.0.0/x86_64/module/hello.ko")
        .is_file());
    assert_eq!(
        sb.run(&["status"]).stdout,
        "hello/1.0, 6.0.0, x86_64: built\n"
    );
}

#[test]
fn leftover_tmp_dirs_and_empty_kernel_dirs_do_not_keep_the_version() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            let v = sb.dkms_tree().join("hello/1.0");
            std::fs::create_dir_all(v.join("7.0.0/.tmp_x86_64_AbC123/module")).unwrap();
            std::fs::create_dir_all(v.join("8.0.0")).unwrap();
            std::fs::create_dir_all(v.join("tarball/sub")).unwrap();
            std::fs::write(v.join("foreign.txt"), "x").unwrap();
        },
        &["remove", "hello/1.0", "-k", "7.0.0"],
    );
    let (_, a) = host_kernel_arch();
    assert_eq!(
        out,
        run(0, &format!("{}{DELETING}", skip_lines("7.0.0", &a)), "")
    );
    assert!(!sb.dkms_tree().join("hello").exists());
}

#[test]
fn foreign_files_in_the_module_dir_are_kept() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            std::fs::write(sb.dkms_tree().join("hello/notes"), "mine").unwrap();
        },
        &["remove", "hello/1.0", "--all"],
    );
    assert_eq!(out, run(0, DELETING, ""));
    assert_eq!(
        std::fs::read_to_string(sb.dkms_tree().join("hello/notes")).unwrap(),
        "mine"
    );
}

#[test]
fn not_in_tree_is_exit_3() {
    let expected = run(
        3,
        "",
        "\nError! The module/version combo: hello/1.0 is not located in the DKMS tree.\n",
    );
    let (out, _sb) = compare_with_reference(|_| {}, &["remove", "hello/1.0"]);
    assert_eq!(out, expected);
    // a version directory without source link or source is not in the tree either
    let (out, sb) = compare_with_reference(
        |sb| std::fs::create_dir_all(sb.dkms_tree().join("hello/1.0/6.0/x86_64")).unwrap(),
        &["remove", "hello/1.0", "--all"],
    );
    assert_eq!(out, expected);
    assert!(sb.dkms_tree().join("hello/1.0/6.0/x86_64").is_dir());
    // the sources alone are not in the tree
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.write_source("hello", "1.0", None);
        },
        &["remove", "hello/1.0"],
    );
    assert_eq!(out, expected);
}

#[test]
fn broken_is_exit_4_and_nothing_is_deleted() {
    let expected = run(
        4,
        "",
        "\nError! hello/1.0 is broken!\n\
         Missing the source directory or the symbolic link pointing to it.\n\
         Manual intervention is required!\n",
    );
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            std::fs::remove_dir_all(sb.source_tree().join("hello-1.0")).unwrap();
        },
        &["remove", "hello/1.0", "--all"],
    );
    assert_eq!(out, expected);
    assert!(sb.dkms_tree().join("hello/1.0/build").is_dir());
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            std::fs::remove_file(sb.dkms_tree().join("hello/1.0/source")).unwrap();
        },
        &["remove", "hello/1.0", "--all"],
    );
    assert_eq!(out, expected);
}

#[test]
fn missing_version_is_exit_1() {
    let (out, _sb) = compare_with_reference(|sb| sb.added("hello", "1.0"), &["remove", "hello"]);
    assert_eq!(
        out,
        run(
            1,
            "",
            "\nError! Arguments <module> and <module-version> are not specified.\n\
             Usage: remove <module>/<module-version> or\n       \
             remove -m <module>/<module-version> or\n       \
             remove -m <module> -v <module-version>\n"
        )
    );
}

#[test]
fn rpm_safe_upgrade_cancels_the_remove_of_the_same_transaction() {
    let sb = common::Sandbox::new();
    sb.write_source("hello", "1.0", None);
    let added = sb.run(&["add", "hello/1.0", "--rpm_safe_upgrade"]);
    assert_eq!(added.code, 0);
    let locks = || {
        std::fs::read_dir(sb.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("dkms_rpm_safe_upgrade_lock.")
            })
            .count()
    };
    assert_eq!(locks(), 1);
    assert_eq!(
        sb.run(&["remove", "hello/1.0", "--rpm_safe_upgrade"]),
        run(
            0,
            "",
            "Warning: Remove cancelled because --rpm_safe_upgrade scenario detected.\n"
        )
    );
    assert_eq!(locks(), 0);
    assert_eq!(sb.run(&["status"]).stdout, "hello/1.0: added\n");
    // as in the reference, the empty build/ of the add is gone
    assert!(!sb.dkms_tree().join("hello/1.0/build").exists());
    assert!(sb.dkms_tree().join("hello/1.0/source").is_dir());
    // without a lock the remove goes ahead
    let out = sb.run(&["remove", "hello/1.0", "--all", "--rpm_safe_upgrade"]);
    assert_eq!(out, run(0, DELETING, ""));
}

#[test]
fn remove_all_unbuilds_every_built_kernel_in_version_order() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            for k in [
                "6.10.0-1-amd64",
                "6.1.0-9-amd64",
                "6.1.0-56-amd64",
                "10.0.0",
            ] {
                sb.mark_built("hello", "1.0", k, "x86_64", "hello", b"ko");
            }
            sb.mark_built("hello", "1.0", "6.1.0-9-amd64", "i386", "hello", b"ko");
        },
        &["remove", "hello/1.0", "--all"],
    );
    let skip = |k: &str, a: &str| {
        format!("Module hello/1.0 is not installed for kernel {k} ({a}). Skipping...\n\n")
    };
    assert_eq!(
        out,
        run(
            0,
            &format!(
                "{}{}{}{}{}{DELETING}",
                skip("6.1.0-9-amd64", "i386"),
                skip("6.1.0-9-amd64", "x86_64"),
                skip("6.1.0-56-amd64", "x86_64"),
                skip("6.10.0-1-amd64", "x86_64"),
                skip("10.0.0", "x86_64"),
            ),
            ""
        )
    );
    assert!(!sb.dkms_tree().join("hello").exists());
}

#[test]
fn uninstall_and_unbuild_of_a_broken_module_are_exit_4_and_keep_the_install() {
    let expected = run(
        4,
        "",
        "\nError! hello/1.0 is broken!\n\
         Missing the source directory or the symbolic link pointing to it.\n\
         Manual intervention is required!\n",
    );
    for action in ["uninstall", "unbuild"] {
        let (out, sb) = compare_with_reference(
            |sb| {
                sb.added("hello", "1.0");
                sb.mark_built("hello", "1.0", "6.1.0-1-amd64", "x86_64", "hello", b"ko");
                sb.mark_installed("hello", "1.0", "6.1.0-1-amd64", "x86_64", "hello", b"ko");
                std::fs::remove_dir_all(sb.source_tree().join("hello-1.0")).unwrap();
            },
            &[
                action,
                "hello/1.0",
                "-k",
                "6.1.0-1-amd64/x86_64",
                "--no-depmod",
            ],
        );
        assert_eq!(out, expected, "{action}");
        assert!(sb
            .install_tree()
            .join("6.1.0-1-amd64/updates/dkms/hello.ko")
            .is_file());
        assert!(std::fs::symlink_metadata(
            sb.dkms_tree().join("hello/kernel-6.1.0-1-amd64-x86_64")
        )
        .is_ok());
    }
}

#[test]
fn add_into_a_missing_dkms_tree_is_exit_1_and_creates_nothing() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.write_source("hello", "1.0", None);
            std::fs::remove_dir(sb.dkms_tree()).unwrap();
        },
        &["add", "hello/1.0"],
    );
    assert_eq!(
        out,
        run(
            1,
            "",
            "\nError! No write access to DKMS tree at <ROOT>/dkms\n"
        )
    );
    assert!(!sb.dkms_tree().exists());
}

/// framework.conf's post_transaction runs once at the end of uninstall, unbuild and remove,
/// whatever they did, read again for the first kernel of the run (reference 3.2.2).
#[test]
fn post_transaction_runs_once_at_the_end_for_the_first_kernel() {
    let sb = common::Sandbox::new();
    sb.added("hello", "1.0");
    std::fs::write(
        sb.confdir().join("framework.conf"),
        "post_transaction=\"echo pt k=$kernelver a=\\$arch\"\n",
    )
    .unwrap();
    let log = || {
        let text = std::fs::read_to_string(sb.dkms_tree().join("post_transaction.log")).unwrap();
        text.lines()
            .filter(|l| l.starts_with("# command: ") || l.starts_with("pt "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let out = sb.run(&[
        "uninstall",
        "hello/1.0",
        "-k",
        "9.9/x86_64",
        "-k",
        "9.8/x86_64",
    ]);
    assert_eq!(
        out,
        run(
            0,
            "Module hello/1.0 is not installed for kernel 9.9 (x86_64). Skipping...\n\
             \n\
             Module hello/1.0 is not installed for kernel 9.8 (x86_64). Skipping...\n\
             Executing post-transaction command... done.\n",
            ""
        )
    );
    assert_eq!(
        log(),
        ["# command: echo pt k=9.9 a=x86_64", "pt k=9.9 a=x86_64"]
    );

    for k in ["9.9", "9.8"] {
        sb.mark_built("hello", "1.0", k, "x86_64", "hello", b"ko");
    }
    let out = sb.run(&["remove", "hello/1.0", "--all"]);
    assert_eq!(
        out,
        run(
            0,
            "Module hello/1.0 is not installed for kernel 9.8 (x86_64). Skipping...\n\
             \n\
             Module hello/1.0 is not installed for kernel 9.9 (x86_64). Skipping...\n\
             \n\
             Deleting module hello/1.0 completely from the DKMS tree.\n\
             Executing post-transaction command... done.\n",
            ""
        )
    );
    assert_eq!(
        log(),
        ["# command: echo pt k=9.8 a=x86_64", "pt k=9.8 a=x86_64"]
    );
}

#[test]
fn build_of_a_conf_without_modules_and_install_of_a_missing_built_module() {
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.write_source(
                "bad",
                "1.0",
                Some("PACKAGE_NAME=bad\nPACKAGE_VERSION=1.0\n"),
            );
            sb.mark_added("bad", "1.0");
        },
        &["build", "bad/1.0", "-k", "9.9/x86_64"],
    );
    assert_eq!(
        out,
        run(
            8,
            "",
            "dkms.conf: Warning! Zero modules specified.\n\
             \n\
             Error! The directory <ROOT>/dkms/bad/1.0/source does not appear to have module \
             source located within it.\n\
             Build halted.\n"
        )
    );
    let (out, _sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            sb.mark_built("hello", "1.0", "9.9", "x86_64", "other", b"ko");
            std::fs::create_dir_all(sb.install_tree().join("9.9")).unwrap();
        },
        &["install", "hello/1.0", "-k", "9.9/x86_64", "--no-depmod"],
    );
    assert_eq!(
        out,
        run(
            6,
            "",
            "\nError! Missing module hello in <ROOT>/dkms/hello/1.0/9.9/x86_64/module\n"
        )
    );
}

#[test]
fn the_auto_add_is_tried_for_every_kernel() {
    let (out, _sb) = compare_with_reference(
        |_| {},
        &[
            "build",
            "nosuch/1.0",
            "-k",
            "9.9/x86_64",
            "-k",
            "9.8/x86_64",
        ],
    );
    let once = "\nError! Could not find module source directory.\n\
                Directory: <ROOT>/src/nosuch-1.0 does not exist.\n";
    assert_eq!(out, run(2, "", &format!("{once}{once}")));
}

#[test]
fn a_real_source_directory_next_to_the_source_tree_copy_is_broken() {
    let setup = |sb: &common::Sandbox| {
        let src = sb.write_source("hello", "1.0", None);
        let vdir = sb.dkms_tree().join("hello/1.0");
        std::fs::create_dir_all(vdir.join("build")).unwrap();
        common::copy_dir(&src, &vdir.join("source"));
    };
    let (out, _sb) = compare_with_reference(setup, &["status"]);
    assert_eq!(
        out,
        run(
            0,
            "hello/1.0: broken\n",
            "\nError! hello/1.0: Missing the module source directory or the symbolic link pointing to it.\n\
             Manual intervention is required!\n"
        )
    );
    for args in [
        &["build", "hello/1.0", "-k", "9.9/x86_64"][..],
        &["remove", "hello/1.0", "--all"][..],
    ] {
        let (out, sb) = compare_with_reference(setup, args);
        assert_eq!(
            out,
            run(
                4,
                "",
                "\nError! hello/1.0 is broken!\n\
                 Missing the source directory or the symbolic link pointing to it.\n\
                 Manual intervention is required!\n"
            ),
            "{args:?}"
        );
        assert!(sb.dkms_tree().join("hello/1.0/source/dkms.conf").is_file());
    }
}

/// Originals archived without a usable `.origin` record (trees of older dkms, or a record
/// pointing outside the kernel's modules) go back to DEST_MODULE_LOCATION; nothing is lost and
/// nothing is written outside the install tree.
#[test]
fn originals_without_a_usable_origin_record_go_back_to_their_location() {
    let conf = "PACKAGE_NAME=rep\nPACKAGE_VERSION=1.0\nBUILT_MODULE_NAME[0]=rep\n\
                DEST_MODULE_LOCATION[0]=/kernel/drivers/misc\n";
    for origin in [
        None,
        Some("outside/rep.ko"),
        Some("modules/9.9/../../outside/rep.ko"),
    ] {
        let setup = |sb: &common::Sandbox| {
            sb.write_source("rep", "1.0", Some(conf));
            sb.mark_added("rep", "1.0");
            sb.mark_built("rep", "1.0", "9.9", "x86_64", "rep", b"new");
            sb.mark_installed("rep", "1.0", "9.9", "x86_64", "rep", b"new");
            let archive = sb.dkms_tree().join("rep/original_module/9.9/x86_64");
            std::fs::create_dir_all(&archive).unwrap();
            std::fs::write(archive.join("rep.ko"), b"original").unwrap();
            if let Some(o) = origin {
                std::fs::write(
                    archive.join("rep.ko.origin"),
                    format!("{}\n", sb.path().join(o).display()),
                )
                .unwrap();
            }
        };
        let args = ["uninstall", "rep/1.0", "-k", "9.9/x86_64", "--no-depmod"];
        let (out, sb) = if origin.is_some_and(|o| o.contains("..")) {
            // deliberate difference: dkms 3.2.2 follows `..` out of the kernel directory
            let sb = common::Sandbox::new();
            setup(&sb);
            (sb.run(&args), sb)
        } else {
            compare_with_reference(setup, &args)
        };
        let warning = origin
            .map(|o| {
                format!(
                    "Warning: Bad original location '<ROOT>/{o}' in \
                     <ROOT>/dkms/rep/original_module/9.9/x86_64/rep.ko.origin\n"
                )
            })
            .unwrap_or_default();
        assert_eq!(
            out,
            run(
                0,
                "Module rep/1.0 for kernel 9.9 (x86_64):\n\
                 Before uninstall, this module version was ACTIVE on this kernel.\n\
                 Deleting <ROOT>/modules/9.9/updates/dkms/rep.ko\n\
                 Restoring archived original module\n\
                 Running depmod... done.\n\
                 Removing original module(s) from DKMS tree for kernel 9.9 (x86_64)\n",
                &warning
            ),
            "{origin:?}"
        );
        assert_eq!(
            std::fs::read(sb.install_tree().join("9.9/kernel/drivers/misc/rep.ko")).unwrap(),
            b"original"
        );
        assert!(!sb.path().join("outside").exists());
        assert!(!sb.dkms_tree().join("rep/original_module").exists());
    }
}

#[test]
fn an_absolute_installed_link_is_uninstalled() {
    let (out, sb) = compare_with_reference(
        |sb| {
            sb.added("hello", "1.0");
            sb.mark_built("hello", "1.0", "9.9", "x86_64", "hello", b"ko");
            sb.mark_installed("hello", "1.0", "9.9", "x86_64", "hello", b"ko");
            let link = sb.dkms_tree().join("hello/kernel-9.9-x86_64");
            std::fs::remove_file(&link).unwrap();
            std::os::unix::fs::symlink(sb.dkms_tree().join("hello/1.0/9.9/x86_64"), &link).unwrap();
        },
        &["uninstall", "hello/1.0", "-k", "9.9/x86_64", "--no-depmod"],
    );
    assert_eq!(
        out,
        run(
            0,
            "Module hello/1.0 for kernel 9.9 (x86_64):\n\
             Before uninstall, this module version was ACTIVE on this kernel.\n\
             Deleting <ROOT>/modules/9.9/updates/dkms/hello.ko\n\
             Running depmod... done.\n",
            ""
        )
    );
    assert!(std::fs::symlink_metadata(sb.dkms_tree().join("hello/kernel-9.9-x86_64")).is_err());
}
