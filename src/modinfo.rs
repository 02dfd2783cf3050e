//! The `.modinfo` section of a .ko, read from its ELF (version, srcversion, vermagic): no
//! modinfo process.
