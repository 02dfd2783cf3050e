//! The `dkms` binary: start-up as dkms does it, parse once, check, dispatch, exit with dkms's
//! code.

use dkms::cli;
use dkms::commands::{self, Context};
use dkms::error::Error;
use dkms::output::cli as msg;
use dkms::output::messages::usage;
use dkms::output::Output;
use dkms::settings::{self, Settings};

fn main() {
    settings::prepare_process();
    // Not `env::args()`: it panics on a word that is not UTF-8.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    std::process::exit(run(&args));
}

fn run(args: &[String]) -> i32 {
    let out = Output::default();
    match run_checked(args, &out) {
        Ok(()) => 0,
        Err(e) => report(&out, e),
    }
}

/// dkms's order: os-release, TMPDIR and framework files before the command line; then the
/// command line and its checks; then the action.
fn run_checked(args: &[String], out: &Output) -> Result<(), Error> {
    let mut settings = Settings::startup()?;
    let inv = cli::parse(args, out)?;
    cli::check(&inv)?;
    settings.apply_cli(&inv);
    let Some(action) = inv.action else {
        // Upstream exits 0 here; kept (spec §11).
        out.error(&[msg::unknown_action("")]);
        out.line(usage());
        return Ok(());
    };
    let ctx = Context::new(inv, settings);
    commands::dispatch(&ctx, action)
}

fn report(out: &Output, e: Error) -> i32 {
    e.report(out)
}
