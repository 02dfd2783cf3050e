//! Texts of autoinstall and the kernel hooks (checked against the reference 3.2.2).

pub const DISABLED: &str = "Automatic installation of modules has been disabled.";

pub const FAILED_ERROR: [&str; 2] = [
    "One or more modules failed to install during autoinstall.",
    "Refer to previous errors for more information.",
];

pub fn autoinstall_of(m: &str, v: &str, k: &str, a: &str) -> String {
    format!("Autoinstall of module {m}/{v} for kernel {k} ({a})")
}

pub fn succeeded(k: &str, modules: &[String]) -> String {
    format!(
        "Autoinstall on {k} succeeded for module(s) {}.",
        modules.join(" ")
    )
}

pub fn skipped(k: &str, modules: &[String]) -> String {
    format!(
        "Autoinstall on {k} was skipped for module(s) {}.",
        modules.join(" ")
    )
}

pub fn failed(k: &str, modules: &[(String, i32)]) -> String {
    let list: Vec<String> = modules.iter().map(|(m, c)| format!("{m}({c})")).collect();
    format!(
        "Autoinstall on {k} failed for module(s) {}.",
        list.join(" ")
    )
}

pub fn removing_for_kernel(m: &str, v: &str, k: &str, a: &str) -> String {
    format!("dkms: removing module {m}/{v} for kernel {k} ({a})")
}

pub const MATCH_USAGE: [&str; 3] = [
    "Invalid number of parameters passed.",
    "Usage: match --templatekernel=<kernel-version> -k <kernel-version>",
    "   or: match --templatekernel=<kernel-version> -k <kernel-version> <module>",
];

pub const MATCH_SAME_KERNEL: &str =
    "The templatekernel and the specified kernel version are the same.";

pub const NOTHING_TO_MATCH: &str = "There is nothing to be done for this match.";

pub fn module_not_in_tree(m: &str) -> String {
    format!("The module: {m} is not located in the DKMS tree.")
}

pub fn matching(k: &str, template: &str, a: &str) -> [String; 2] {
    [
        format!("Matching modules in kernel: {k} ({a})"),
        format!("to the configuration of kernel: {template} ({a})"),
    ]
}
