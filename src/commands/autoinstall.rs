//! `dkms autoinstall`.

use crate::commands::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Err(Error::dkms(
        1,
        ["The action autoinstall is not implemented yet."],
    ))
}
