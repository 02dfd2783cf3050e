//! `dkms mkdriverdisk`.

use crate::commands::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Err(Error::dkms(
        1,
        ["The action mkdriverdisk is not implemented yet."],
    ))
}
