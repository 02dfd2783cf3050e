# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_dkms_global_optspecs
    string join \n m/module= v= k/kernelver= a/arch= c= config= kernelsourcedir= templatekernel= archive= directive= dkmstree= sourcetree= installtree= j= force force-version-override all binaries-only source-only symlink-modules no-depmod modprobe-on-install rpm_safe_upgrade verbose q/quiet debug json h/help V/version no-initrd no-clean-kernel no-prepare-kernel
end

function __fish_dkms_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_dkms_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_dkms_using_subcommand
    set -l cmd (__fish_dkms_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c dkms -n "__fish_dkms_needs_command" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_needs_command" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_needs_command" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_needs_command" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_needs_command" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_needs_command" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_needs_command" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_needs_command" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_needs_command" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_needs_command" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_needs_command" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_needs_command" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_needs_command" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_needs_command" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_needs_command" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_needs_command" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_needs_command" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_needs_command" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_needs_command" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_needs_command" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_needs_command" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_needs_command" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_needs_command" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_needs_command" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_needs_command" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_needs_command" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_needs_command" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_needs_command" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_needs_command" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_needs_command" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_needs_command" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_needs_command" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "add" -d 'Add a module/version to the DKMS tree (from /usr/src/<module>-<version>, a directory holding dkms.conf, a dkms.conf path or a source tarball)'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "remove" -d 'Uninstall and unbuild a module/version for the given kernels, and remove it from the tree when no kernel is left'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "build" -d 'Build a module/version for the given kernels (adding it first if needed)'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "unbuild" -d 'Uninstall a module/version and delete its built copy for the given kernels'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "install" -d 'Install a built module/version into the kernel\'s module directory (building it first if needed)'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "uninstall" -d 'Remove an installed module/version from the kernel\'s module directory, restoring archived original modules'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "match" -d 'Install for a kernel every module installed for --templatekernel [not implemented yet]'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "autoinstall" -d 'Build and install the newest version of every module with AUTOINSTALL=yes for one kernel [not implemented yet]'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "mktarball" -d 'Write a tarball of a module\'s source and/or built binaries'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "ldtarball" -d 'Load a tarball made by mktarball (or a source tarball) into the tree'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "status" -d 'Print the state of modules: added, built, installed (--json: the same as a JSON array)'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "generate_mok" -d 'Create the module signing key and certificate if missing'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "kernel_preinst" -d 'Kernel hook before a kernel package is installed: unbuild AUTOINSTALL modules for it (one -k) [not implemented yet]'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "kernel_postinst" -d 'Kernel hook after a kernel package is installed: autoinstall for it (one -k) [not implemented yet]'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "kernel_prerm" -d 'Kernel hook before a kernel package is removed: unbuild every module for it (one -k) [not implemented yet]'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "mkdriverdisk" -d 'Make a driver update disk (dkms 2.x action, restored) [not implemented yet]'
complete -c dkms -n "__fish_dkms_needs_command" -f -a "show_conf" -d 'Print the directives of a module\'s dkms.conf as dkms evaluates them (--json: as a JSON object)'
complete -c dkms -n "__fish_dkms_using_subcommand add" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand add" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand add" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand add" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand add" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand add" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand add" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand add" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand add" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand add" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand add" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand add" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand add" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand add" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand add" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand add" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand add" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand add" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand add" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand remove" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand build" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand build" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand build" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand build" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand build" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand build" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand build" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand build" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand build" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand build" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand build" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand build" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand build" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand build" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand build" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand build" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand build" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand build" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand build" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand unbuild" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand install" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand install" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand install" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand install" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand install" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand install" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand install" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand install" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand install" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand install" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand install" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand install" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand install" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand install" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand install" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand install" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand install" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand install" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand install" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand uninstall" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand match" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand match" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand match" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand match" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand match" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand match" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand match" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand match" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand match" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand match" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand match" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand match" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand match" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand match" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand match" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand match" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand match" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand match" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand match" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand autoinstall" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand mktarball" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand ldtarball" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand status" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand status" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand status" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand status" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand status" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand status" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand status" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand status" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand status" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand status" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand status" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand status" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand status" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand status" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand status" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand status" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand status" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand status" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand status" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand generate_mok" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_preinst" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_postinst" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand kernel_prerm" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand mkdriverdisk" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s m -l module -d 'Module name, and optionally its version after a slash (also as a plain word: module/version)' -r
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s v -d 'Module version' -r
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s k -l kernelver -d 'Target kernel version, optionally with its arch after a slash; repeatable. Default: the running kernel (status: every kernel)' -r
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s a -l arch -d 'Target architecture; repeatable, one per -k (one arch applies to every kernel). Default: uname -m' -r
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s c -d 'Use this dkms.conf instead of the module\'s own' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l config -d 'Kernel configuration file (default: <kernel source>/include/config/auto.conf, else .config)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l kernelsourcedir -d 'Kernel build directory instead of <installtree>/<kernel>/build' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l templatekernel -d 'match: the kernel whose installed modules are copied' -r
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l archive -d 'Tarball to load (ldtarball, add) or to write (mktarball)' -r -F
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l directive -d 'Set a dkms.conf directive after every dkms.conf is read; repeatable' -r
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l dkmstree -d 'DKMS tree (default /var/lib/dkms)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l sourcetree -d 'Source tree holding <module>-<version> directories (default /usr/src)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l installtree -d 'Module install tree (default /lib/modules)' -r -f -a "(__fish_complete_directories)"
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s j -d 'Parallel make jobs (default: parallel_jobs, else the number of CPUs; 0: no limit)' -r
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l force -d 'Rebuild, reinstall or reload even when already done; skip the version checks'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l force-version-override -d 'Skip only the check that the installed module is not newer'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l all -d 'Every kernel the module is built for (remove, unbuild, uninstall, mktarball); ignored by status'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l binaries-only -d 'mktarball: only the built modules'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l source-only -d 'mktarball: only the source'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l symlink-modules -d 'install: symlink the modules into the DKMS tree instead of copying them'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l no-depmod -d 'Never run depmod'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l modprobe-on-install -d 'After installing for the running kernel, load the modules it needs'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l rpm_safe_upgrade -d 'Let an rpm upgrade remove the old version without undoing the new one'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l verbose -d 'Show the commands run and their output; with --version, also name this implementation'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s q -l quiet -d 'Print nothing (from this word on)'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l debug -d 'Accepted for compatibility (bash dkms traces its script)'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l json -d 'status, show_conf: print JSON instead of text (extension)'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s h -l help -d 'Print the usage and exit'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -s V -l version -d 'Print the dkms version (dkms-3.4.3) and exit'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l no-initrd -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l no-clean-kernel -d 'Deprecated, does nothing (prints a warning)'
complete -c dkms -n "__fish_dkms_using_subcommand show_conf" -l no-prepare-kernel -d 'Deprecated, does nothing (prints a warning)'
