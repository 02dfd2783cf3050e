//! dkms, Dynamic Kernel Module Support, reimplemented: one library behind the `dkms` binary.

pub mod cli;
pub mod commands;
pub mod compress;
pub mod conf;
pub mod error;
pub mod kernel;
pub mod lock;
pub mod modinfo;
pub mod output;
pub mod runner;
pub mod settings;
pub mod shell;
pub mod sign;
pub mod tree;
pub mod version;
