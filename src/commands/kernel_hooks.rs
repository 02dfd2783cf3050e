//! `dkms kernel_preinst, kernel_postinst and kernel_prerm`.

use crate::commands::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &Context, action: crate::cli::Action) -> Result<()> {
    let _ = action;
    let _ = ctx;
    Err(Error::dkms(
        1,
        ["The action kernel_preinst, kernel_postinst and kernel_prerm is not implemented yet."],
    ))
}
