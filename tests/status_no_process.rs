//! `dkms status` starts no process (spec: the status speed rule) when no dkms.conf runs a
//! command itself. Checked with strace when the machine has it.
mod common;

use common::Sandbox;

#[test]
fn status_starts_no_process() {
    let Some(strace) = ["/usr/bin/strace", "/bin/strace"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())
    else {
        return;
    };
    let sb = Sandbox::new();
    sb.added("hello", "1.0");
    sb.mark_built("hello", "1.0", "6.1.0-1-test", "x86_64", "hello", b"ko");
    sb.mark_installed("hello", "1.0", "6.1.0-1-test", "x86_64", "hello", b"ko");
    sb.added("other", "2.0");
    let log = sb.path().join("strace.log");
    let cmd = sb.std_dkms(&["status"]);
    let out = std::process::Command::new(strace)
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=execve,clone,clone3,fork,vfork",
            "-o",
        ])
        .arg(&log)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .current_dir(sb.path())
        .output()
        .expect("strace");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello/1.0, 6.1.0-1-test, x86_64: installed\nother/2.0: added\n"
    );
    let trace = std::fs::read_to_string(&log).expect("trace");
    let calls: Vec<&str> = trace
        .lines()
        .filter(|l| !l.contains("exited with"))
        .collect();
    assert_eq!(calls.len(), 1, "only dkms's own execve: {trace}");
    assert!(calls[0].contains("execve("), "{trace}");
}
