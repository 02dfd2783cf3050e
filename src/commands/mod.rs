//! One module per action. Each takes the resolved `Context` and returns a dkms `Result`.

use crate::cli::{Action, Invocation};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::settings::Settings;
use crate::tree::Tree;

pub mod status;

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
        Action::Status => status::run(ctx),
        other => Err(Error::dkms(
            1,
            [format!(
                "The action {} is not implemented yet.",
                other.name()
            )],
        )),
    }
}
