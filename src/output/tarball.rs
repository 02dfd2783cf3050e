//! Texts of mktarball and ldtarball (checked against the reference 3.2.2; the spelling of
//! "accommodate" is 3.4's, spec §4.8).

use std::path::Path;

pub const BINARIES_STRUCTURE: &str =
    "Creating tarball structure to specifically accommodate binaries.";

pub fn not_built(k: &str, a: &str) -> [String; 2] {
    [
        format!("No modules built for {k} ({a})."),
        "Modules must already be in the built state before using mktarball.".to_string(),
    ]
}

pub fn marking_modules(k: &str, a: &str) -> String {
    format!("Marking modules for {k} ({a}) for archiving...")
}

pub fn marking_source(source: &Path) -> String {
    format!("Marking {} for archiving...", source.display())
}

pub fn location(shown: &str) -> String {
    format!("Tarball location: {shown}")
}

pub fn tar_failed(archive: &Path) -> String {
    format!("Failed to make tarball {}.", archive.display())
}

pub fn loading_tarball(m: &str, v: &str) -> String {
    format!("Loading tarball for {m}/{v}")
}

pub fn loading_kernel(dir: &Path) -> String {
    format!("Loading {}...", dir.display())
}

pub fn creating(dir: &Path) -> String {
    format!("Creating {}", dir.display())
}

pub fn copying_conf(dir: &Path) -> String {
    format!("Copying dkms.conf to {} ...", dir.display())
}

pub fn already_added(m: &str, v: &str) -> [String; 2] {
    [
        format!("{m}/{v} is already added!"),
        "Aborting.".to_string(),
    ]
}

pub fn no_valid_conf(archive: &Path) -> [String; 2] {
    [
        "No valid dkms.conf in dkms_source_tree or dkms_binaries_only.".to_string(),
        format!("{} is not a valid DKMS tarball.", archive.display()),
    ]
}

pub fn already_exists(dir: &Path) -> String {
    format!("{} already exists. Skipping...", dir.display())
}
