//! `dkms generate_mok` (spec §6.8): show the signing key pair and create it when missing.

use std::path::Path;

use crate::commands::Context;
use crate::error::{Error, Result};
use crate::output::build as msg;
use crate::sign;

pub fn run(ctx: &Context) -> Result<()> {
    let kernel = ctx
        .inv
        .kernels
        .first()
        .cloned()
        .unwrap_or_else(crate::cli::host_kernel);
    let pair = sign::mok_pair(&ctx.out, &ctx.settings, &kernel);
    // Ubuntu's shim-signed pair is made by update-secureboot-policy first
    if pair.ubuntu_managed && !sign::ubuntu_new_key(&ctx.out, &pair) {
        return Err(Error::Exit(1));
    }
    let sign::MokPair { key, cert, .. } = pair;
    ctx.out.line(format!("Signing key: {key}"));
    ctx.out
        .line(format!("Public certificate (MOK): {}", cert.display()));
    let is_pkcs11 = key.starts_with("pkcs11:");
    if (is_pkcs11 || Path::new(&key).is_file()) && cert.is_file() {
        return Ok(());
    }
    ctx.out.line(msg::GENERATING_MOK);
    if is_pkcs11 || !sign::generate_mok(&ctx.out, Path::new(&key), &cert) {
        ctx.out.line(msg::key_cannot_be_generated(&key));
        return Err(Error::Exit(1));
    }
    Ok(())
}
