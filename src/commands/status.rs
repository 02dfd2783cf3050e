//! `dkms status` (spec §5.1).

use crate::commands::Context;
use crate::error::Result;

pub fn run(ctx: &Context) -> Result<()> {
    let _ = ctx;
    Ok(())
}
