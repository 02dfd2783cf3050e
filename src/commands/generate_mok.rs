//! `dkms generate_mok`.

use crate::commands::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Err(Error::dkms(
        1,
        ["The action generate_mok is not implemented yet."],
    ))
}
