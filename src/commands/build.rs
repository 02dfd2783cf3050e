//! `dkms build`.

use crate::commands::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Err(Error::dkms(1, ["The action build is not implemented yet."]))
}
