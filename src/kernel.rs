//! A kernel target: version, arch, headers directory, config file, compiler environment, and
//! dkms's version comparison.
