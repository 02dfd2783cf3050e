//! Fixed texts shared by several actions.

/// The usage text dkms prints (stdout) after an unknown option or action.
pub const USAGE: &str = "\
Usage: /usr/sbin/dkms [action] [options]
  [action]  = { add | remove | build | unbuild | install | uninstall | match |
               autoinstall | mktarball | ldtarball | status | generate_mok |
               kernel_preinst | kernel_postinst | kernel_prerm }
  [options] = [-m module] [-v module-version] [-k kernel-version] [-a arch]
              [-c dkms.conf-location] [-q] [--force] [--force-version-override] [--all]
              [--templatekernel=kernel] [--directive='cli-directive=cli-value']
              [--config=kernel-.config-location] [--archive=tarball-location]
              [--kernelsourcedir=source-location] [--rpm_safe_upgrade]
              [--dkmstree path] [--sourcetree path] [--installtree path]
              [--binaries-only] [--source-only] [--verbose]
              [--no-depmod] [--modprobe-on-install] [-j number] [--version] [--help]";

/// The version dkms scripts see: the upstream behaviour level we implement.
pub const DKMS_VERSION: &str = "dkms-3.4.3";
