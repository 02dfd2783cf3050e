//! Compression follows the modules the target kernel already has (gz, then xz, then zst win),
//! after stripping and signing; install, the version check, uninstall and depmod handle the
//! compressed files.

mod build_support;
mod common;

use build_support::{modinfo_field, Kbuild};

fn compress_marker(k: &Kbuild, plain: &std::path::Path, program: &[&str], suffix: &str) {
    let dir = k.kernel_dir().join("kernel/marker");
    std::fs::create_dir_all(&dir).unwrap();
    let marker = dir.join("marker.ko");
    std::fs::copy(plain, &marker).unwrap();
    let status = std::process::Command::new(program[0])
        .args(&program[1..])
        .arg(&marker)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(dir.join(format!("marker.ko{suffix}")).is_file());
    let _ = std::fs::remove_file(&marker);
}

#[test]
fn modules_are_compressed_like_the_kernels_own() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    let kernel = k.kernel.clone();
    let module = k.built_dir("hello", "1.0").join("module");

    // no compressed module in the kernel yet: plain .ko
    assert_eq!(k.run(&["build", "hello/1.0", "-k", &kernel]).code, 0);
    let plain = k.sb.path().join("hello-plain.ko");
    std::fs::copy(module.join("hello.ko"), &plain).unwrap();

    for (program, suffix) in [
        (&["gzip", "-f"][..], ".gz"),
        (&["xz", "-f"][..], ".xz"),
        (&["zstd", "-q", "--rm", "-f"][..], ".zst"),
    ] {
        compress_marker(&k, &plain, program, suffix);
        k.enable_depmod();
        let r = k.run(&["install", "hello/1.0", "-k", &kernel, "--force"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = k.run(&["build", "hello/1.0", "-k", &kernel, "--force"]);
        assert_eq!(r.code, 0);
        assert!(r
            .stdout
            .contains("Signing module <ROOT>/dkms/hello/1.0/build/hello.ko\n"));
        let built = module.join(format!("hello.ko{suffix}"));
        assert!(built.is_file(), "{suffix}");
        assert!(!module.join("hello.ko").exists());
        // signed before compression, and readable by our own ELF reader
        let raw = std::fs::read(&built).unwrap();
        let bytes = dkms::modinfo::decompress(&built, raw).unwrap();
        assert!(bytes.ends_with(b"~Module signature appended~\n"));
        if suffix != ".gz" {
            // Debian's kmod is built without zlib
            assert_eq!(modinfo_field(&built, "signer"), "DKMS module signing key");
        }
        let info = dkms::modinfo::read(&built).unwrap();
        assert_eq!(info.version(), Some("1.0"));
        assert!(info.vermagic().unwrap().starts_with(&format!("{kernel} ")));

        let r = k.run(&["install", "hello/1.0", "-k", &kernel, "--force"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let installed = format!("updates/dkms/hello.ko{suffix}");
        assert!(
            r.stdout.ends_with(&format!(
                "Installing <ROOT>/modules/<K>/{installed}\nRunning depmod... done.\n"
            )),
            "{}",
            r.stdout
        );
        if suffix != ".gz" {
            let dep = std::fs::read_to_string(k.kernel_dir().join("modules.dep")).unwrap();
            assert!(dep.lines().any(|l| l == format!("{installed}:")), "{dep}");
            assert!(dep
                .lines()
                .any(|l| l == format!("kernel/marker/marker.ko{suffix}:")));
        }

        let r = k.run(&["uninstall", "hello/1.0", "-k", &kernel]);
        assert!(r
            .stdout
            .contains(&format!("Deleting <ROOT>/modules/<K>/{installed}\n")));
        assert!(!k.kernel_dir().join(&installed).exists());
        let marker_dir = k.kernel_dir().join("kernel/marker");
        for e in std::fs::read_dir(&marker_dir).unwrap().flatten() {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
}

#[test]
fn xz_compression_uses_crc32() {
    let Some(k) = Kbuild::new() else { return };
    k.sb.copy_fixture("hello-1.0", "hello-1.0");
    let marker_dir = k.kernel_dir().join("kernel/marker");
    std::fs::create_dir_all(&marker_dir).unwrap();
    // any file name is enough for the detection; the content is never read
    std::fs::write(marker_dir.join("marker.ko.xz"), b"").unwrap();
    let r = k.run(&["build", "hello/1.0", "-k", &k.kernel]);
    assert_eq!(r.code, 0);
    let built = k.built_dir("hello", "1.0").join("module/hello.ko.xz");
    let out = std::process::Command::new("xz")
        .args(["--robot", "--list"])
        .arg(&built)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CRC32"), "{text}");
}
