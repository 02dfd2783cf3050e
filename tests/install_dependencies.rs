//! BUILD_DEPENDS_REBUILD: a module records the versions of its dependencies when it is built,
//! and installing another version of a dependency rebuilds and reinstalls it.

mod build_support;
mod common;

use build_support::Kbuild;

#[test]
fn a_new_dependency_version_rebuilds_its_dependents() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    k.sb.copy_fixture("hello-1.0", "hello-2.0");
    for f in ["dkms.conf", "hello.c"] {
        let p = k.sb.source_tree().join("hello-2.0").join(f);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replace("1.0", "2.0")).unwrap();
    }
    k.sb.copy_fixture("dependent-1.0", "dependent-1.0");
    let kernel = k.kernel.clone();

    assert_eq!(k.run(&["install", "hello/1.0", "-k", &kernel]).code, 0);
    assert_eq!(k.run(&["install", "dependent/1.0", "-k", &kernel]).code, 0);
    let record = k.built_dir("dependent", "1.0").join(".dep_hello");
    assert_eq!(std::fs::read_to_string(&record).unwrap(), "1.0\n");

    let r = k.run(&["install", "hello/2.0", "-k", &kernel]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\nRunning depmod... done.\n\
             \n\
             Rebuilding module dependent/1.0 due to updated dependencies\n\
             \n\
             Module dependent/1.0 for kernel <K> (<A>):\n"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with(
        "Installing <ROOT>/modules/<K>/updates/dkms/dependent.ko\nRunning depmod... done.\n"
    ));
    assert_eq!(std::fs::read_to_string(&record).unwrap(), "2.0\n");
    assert!(k.kernel_dir().join("updates/dkms/dependent.ko").is_file());

    // nothing to do when the recorded version is the installed one
    let r = k.run(&["install", "hello/2.0", "-k", &kernel, "--force"]);
    assert!(!r.stdout.contains("Rebuilding"), "{}", r.stdout);

    // a downgrade of the dependency rebuilds nothing and keeps the record (reference 3.2.2)
    assert_eq!(k.run(&["uninstall", "hello/2.0", "-k", &kernel]).code, 0);
    let r = k.run(&["install", "hello/1.0", "-k", &kernel, "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Installing <ROOT>/modules/<K>/updates/dkms/hello.ko\nRunning depmod... done.\n"
    );
    assert_eq!(std::fs::read_to_string(&record).unwrap(), "2.0\n");
}
