//! Parse and evaluate arbitrary text as a dkms.conf: no panic, no hang (the evaluator's limits
//! bound steps, nesting, output and time), no side effect (no command runs, no file is
//! written).
#![no_main]

use libfuzzer_sys::fuzz_target;

use dkms::shell::eval::{Io, Limits, Shell, Sink};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = dkms::shell::parser::parse(&text, "fuzz.conf");
    let mut sh = Shell::empty(std::path::PathBuf::from("/nonexistent-fuzz-cwd"));
    sh.opts.no_side_effects = true;
    sh.set_global("PATH", "", true, false);
    sh.set_limits(Limits {
        max_steps: 20_000,
        max_depth: 60,
        max_output: 1 << 20,
        max_value: 1 << 20,
        max_time: std::time::Duration::from_secs(2),
        ..Default::default()
    });
    let io = Io { stdin: None, out: Sink::Null, err: Sink::Null };
    let _ = sh.run_text(&text, std::path::Path::new("fuzz.conf"), &io);
});
