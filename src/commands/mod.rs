//! One module per action. Each takes the resolved `Context` and returns a dkms `Result`.

use crate::cli::{Action, Invocation};
use crate::error::Result;
use crate::output::Output;
use crate::settings::Settings;
use crate::tree::Tree;

pub mod add;
pub mod autoinstall;
pub mod build;
pub mod generate_mok;
pub mod install;
pub mod kernel_hooks;
pub mod ldtarball;
pub mod match_cmd;
pub mod mkdriverdisk;
pub mod mktarball;
pub mod remove;
pub mod show_conf;
pub mod status;
pub mod unbuild;
pub mod uninstall;

/// What every action gets: the parsed command line, the resolved settings, the tree and the
/// output object.
pub struct Context {
    pub inv: Invocation,
    pub settings: Settings,
    pub tree: Tree,
    pub out: Output,
}

impl Context {
    pub fn new(inv: Invocation, settings: Settings) -> Self {
        let tree = Tree::new(
            settings.dkms_tree.clone(),
            settings.source_tree.clone(),
            settings.install_tree.clone(),
        );
        let out = Output::new(settings.verbose);
        Context {
            inv,
            settings,
            tree,
            out,
        }
    }
}

pub fn dispatch(ctx: &Context, action: Action) -> Result<()> {
    match action {
        Action::Add => add::run(ctx),
        Action::Remove => remove::run(ctx),
        Action::Build => build::run(ctx),
        Action::Unbuild => unbuild::run(ctx),
        Action::Install => install::run(ctx),
        Action::Uninstall => uninstall::run(ctx),
        Action::Match => match_cmd::run(ctx),
        Action::Autoinstall => autoinstall::run(ctx),
        Action::Mktarball => mktarball::run(ctx),
        Action::Ldtarball => ldtarball::run(ctx),
        Action::Status => status::run(ctx),
        Action::GenerateMok => generate_mok::run(ctx),
        Action::KernelPreinst | Action::KernelPostinst | Action::KernelPrerm => {
            kernel_hooks::run(ctx, action)
        }
        Action::Mkdriverdisk => mkdriverdisk::run(ctx),
        Action::ShowConf => show_conf::run(ctx),
    }
}

/// build and install work on each kernel as dkms does, in a subshell: a kernel that fails shows
/// its error and the next kernel is still tried, and the run ends with the last kernel's
/// outcome (so `-k bad -k good` exits 0, as in dkms). An interrupted run stops at once.
pub fn each_kernel(
    ctx: &Context,
    targets: &[(String, String)],
    mut per_kernel: impl FnMut(&str, &str) -> Result<()>,
) -> Result<()> {
    let mut last: Result<()> = Ok(());
    for (kernel, arch) in targets {
        if let Err(e) = std::mem::replace(&mut last, Ok(())) {
            e.report(&ctx.out);
        }
        last = per_kernel(kernel, arch);
        if last.is_err() && crate::runner::interrupted() {
            break;
        }
    }
    last
}
