//! `dkms match`.

use crate::commands::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Err(Error::dkms(1, ["The action match is not implemented yet."]))
}
