//! `dkms kernel_preinst`, `kernel_postinst` and `kernel_prerm`: not built yet (no issue asks
//! for them so far).

use crate::commands::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &Context, action: crate::cli::Action) -> Result<()> {
    let _ = ctx;
    Err(Error::dkms(
        1,
        [format!(
            "The action {} is not implemented yet.",
            action.name()
        )],
    ))
}
