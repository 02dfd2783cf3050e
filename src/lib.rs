//! dkms, Dynamic Kernel Module Support, reimplemented: one library behind the `dkms` binary.

pub mod cli;
pub mod commands;
pub mod conf;
pub mod error;
pub mod kernel;
pub mod modinfo;
pub mod output;
pub mod runner;
pub mod settings;
pub mod shell;
pub mod tree;
pub mod version;
