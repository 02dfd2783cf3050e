//! The wording of the command line and of the startup checks (spec §2, §6.1): unknown options,
//! action conflicts, kernel/arch list rules, permission rules, os-release and TMPDIR problems.

use crate::error::Error;

/// `Error! Unknown option: X` (exit 2); main prints the usage text after it.
pub fn unknown_option(word: &str) -> Error {
    Error::dkms(2, [format!("Unknown option: {word}")])
}

pub fn more_than_one_action() -> Error {
    Error::dkms(4, ["Cannot specify more than one action."])
}

/// The `Error!` line for a missing or unknown action; dkms exits 0 after it.
pub fn unknown_action(action: &str) -> String {
    format!("Unknown action specified: \"{action}\"")
}

/// The warning for a positional word dkms cannot place.
pub fn unhandled_word(word: &str) -> String {
    format!("I do not know how to handle {word}.")
}

pub fn binaries_and_source_only() -> Error {
    Error::dkms(
        8,
        [
            "You have specified both --binaries-only and --source-only.",
            "You cannot do this.",
        ],
    )
}

pub fn arch_count_mismatch() -> Error {
    Error::dkms(
        1,
        [
            "If more than one arch is specified on the command line, then there",
            "must be an equal number of kernel versions also specified (1:1 relationship).",
        ],
    )
}

pub fn all_with_kernel() -> Error {
    Error::dkms(
        2,
        [
            "You cannot specify a kernel version and also specify",
            "--all on the command line.",
        ],
    )
}

pub fn all_with_arch() -> Error {
    Error::dkms(
        3,
        [
            "You cannot specify an arch and also specify",
            "--all on the command line.",
        ],
    )
}

pub fn all_not_supported(action: &str) -> Error {
    Error::dkms(
        5,
        [format!(
            "The action {action} does not support the --all parameter."
        )],
    )
}

pub fn exactly_one_kernel(action: &str) -> Error {
    Error::dkms(
        4,
        [format!(
            "The action {action} requires exactly one kernel version parameter on the command line."
        )],
    )
}

pub fn multiple_kernels(action: &str) -> Error {
    Error::dkms(
        4,
        [format!(
            "The action {action} does not support multiple kernel version parameters on the command line."
        )],
    )
}

pub fn empty_kernel(index: usize) -> Error {
    Error::dkms(16, [format!("Empty kernelver[{index}]")])
}

pub fn empty_arch(index: usize) -> Error {
    Error::dkms(16, [format!("Empty arch[{index}]")])
}

/// Module or version missing; `usage_action` is the action named in the three usage lines
/// (build and install name `add`, because they add first).
pub fn module_version_missing(usage_action: &str) -> Error {
    Error::dkms(
        1,
        [
            "Arguments <module> and <module-version> are not specified.".to_string(),
            format!("Usage: {usage_action} <module>/<module-version> or"),
            format!("       {usage_action} -m <module>/<module-version> or"),
            format!("       {usage_action} -m <module> -v <module-version>"),
        ],
    )
}

/// A module, version, kernel or arch that would make a path leave the trees (`..`, `.`, an
/// absolute path, a `/` in a module name). bash dkms follows such names wherever they lead; we
/// refuse them before any file is touched.
pub fn unsafe_name(what: &str, value: &str) -> Error {
    Error::dkms(
        1,
        [
            format!("Invalid {what} '{value}'."),
            "It would lead outside the DKMS, source or install tree.".to_string(),
        ],
    )
}

pub fn not_root() -> Error {
    Error::dkms(1, ["You must be root to use this command."])
}

pub fn no_tree_write_access(tree: &std::path::Path) -> Error {
    Error::dkms(
        1,
        [format!(
            "No write access to DKMS tree at {}",
            tree.display()
        )],
    )
}

pub fn missing_os_release() -> Error {
    Error::dkms(4, ["System is missing os-release file."])
}

pub fn tmpdir_unusable() -> Error {
    Error::dkms(1, ["Unable to make temporary file."])
}

/// The warning dkms adds when `$TMPDIR` cannot hold a file.
pub fn tmpdir_warning(tmpdir: &std::path::Path) -> String {
    format!(
        "dkms will not function properly without some free space in $TMPDIR ({}).",
        tmpdir.display()
    )
}
