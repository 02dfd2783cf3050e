use dkms::cli;
use dkms::commands::{self, Context};
use dkms::error::Error;
use dkms::output::messages::USAGE;
use dkms::output::Output;
use dkms::settings::Settings;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(run(&args));
}

fn run(args: &[String]) -> i32 {
    let out = Output::default();
    let result = cli::parse(args, &out).and_then(|inv| {
        let Some(action) = inv.action else {
            out.error(&["Unknown action specified: \"\""]);
            out.line(USAGE);
            return Ok(());
        };
        let settings = Settings::load(&inv)?;
        let ctx = Context::new(inv, settings);
        commands::dispatch(&ctx, action)
    });
    match result {
        Ok(()) => 0,
        Err(e) => report(&out, e),
    }
}

fn report(out: &Output, e: Error) -> i32 {
    let code = e.exit_code();
    match &e {
        Error::Dkms { lines, .. } => out.error(lines),
        Error::Exit(_) => {}
        Error::Shell(err) => out.error(&[err.to_string()]),
        Error::Io { .. } => out.error(&[e.to_string()]),
    }
    code
}
