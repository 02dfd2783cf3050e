//! Wording of dkms.conf reading: validation messages (spec §5.5), `--directive` echo, and the
//! `show_conf` views.

use crate::conf::Directives;

pub fn no_directive(name: &str) -> String {
    format!("dkms.conf: Error! No '{name}' directive specified.")
}

pub fn no_directive_for_record(name: &str, record: usize) -> String {
    format!("dkms.conf: Error! No '{name}' directive specified for record #{record}.")
}

pub fn ends_in_o_or_ko(name: &str, record: usize) -> String {
    format!("dkms.conf: Error! '{name}' directive ends in '.o' or '.ko' in record #{record}.")
}

pub fn bad_dest_location(record: usize) -> [String; 2] {
    [
        "dkms.conf: Error! Directive 'DEST_MODULE_LOCATION' does not begin with".to_string(),
        format!("'/kernel', '/updates', or '/extra' in record #{record}."),
    ]
}

pub const ARRAY_LENGTH_MISMATCH: &str =
    "dkms.conf: Error! Module name/location array length mismatch.";

pub fn unsupported_value(name: &str, value: &str) -> String {
    format!("dkms.conf: Error! Unsupported {name} value '{value}'")
}

pub fn duplicate_module(module: &str, directive: &str, index: usize) -> String {
    format!("dkms.conf: Error! Duplicate module '{module}' in '{directive}[{index}]'.")
}

pub const ZERO_MODULES: &str = "dkms.conf: Warning! Zero modules specified.";

pub fn bad_conf_file(path: &std::path::Path) -> [String; 2] {
    [
        "Bad conf file.".to_string(),
        format!(
            "File: {} does not represent a valid dkms.conf file.",
            path.display()
        ),
    ]
}

/// What `--directive NAME=value` echoes on every conf read.
pub fn directive_echo(name: &str, value: &str) -> String {
    format!("DIRECTIVE: {name}=\"{value}\"")
}

/// The directive names `show_conf` prints, in the corpus's order.
pub const SHOW_CONF_KEYS: &[&str] = &[
    "PACKAGE_NAME",
    "PACKAGE_VERSION",
    "MAKE",
    "MAKE_MATCH",
    "CLEAN",
    "BUILT_MODULE_NAME",
    "BUILT_MODULE_LOCATION",
    "DEST_MODULE_NAME",
    "DEST_MODULE_LOCATION",
    "MODULES_CONF_ALIAS_TYPE",
    "MODULES_CONF_OBSOLETES",
    "MODULES_CONF_OBSOLETE_ONLY",
    "STRIP",
    "PATCH",
    "PATCH_MATCH",
    "AUTOINSTALL",
    "BUILD_EXCLUSIVE_KERNEL",
    "BUILD_EXCLUSIVE_KERNEL_MIN",
    "BUILD_EXCLUSIVE_KERNEL_MAX",
    "BUILD_EXCLUSIVE_ARCH",
    "BUILD_EXCLUSIVE_CONFIG",
    "BUILD_DEPENDS",
    "BUILD_DEPENDS_REBUILD",
    "REMAKE_INITRD",
    "MODULES_CONF",
    "PRE_BUILD",
    "POST_BUILD",
    "POST_ADD",
    "POST_INSTALL",
    "POST_REMOVE",
    "PRE_INSTALL",
    "NO_WEAK_MODULES",
    "OBSOLETE_BY",
    "SIGN_FILE",
    "MOK_SIGNING_KEY",
    "MOK_CERTIFICATE",
];

/// `show_conf --json`: `{"directives": {NAME: [[index, "value"], ...] | null, ...}}`, keys in
/// the corpus's order.
pub fn show_conf_json(directives: &Directives) -> String {
    let mut out = String::from("{\"directives\": {");
    for (n, key) in SHOW_CONF_KEYS.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        out.push_str(&serde_json::Value::from(*key).to_string());
        out.push_str(": ");
        match directives.get(*key) {
            Some(entries) => {
                let list: Vec<serde_json::Value> = entries
                    .iter()
                    .map(|(i, v)| serde_json::json!([i, v]))
                    .collect();
                out.push_str(&serde_json::Value::Array(list).to_string());
            }
            None => out.push_str("null"),
        }
    }
    out.push_str("}}");
    out
}

/// `show_conf` text view: one `NAME[i]="value"` line per set index, in the corpus's order.
pub fn show_conf_text(directives: &Directives) -> Vec<String> {
    let mut lines = Vec::new();
    for key in SHOW_CONF_KEYS {
        if let Some(entries) = directives.get(*key) {
            for (i, v) in entries {
                lines.push(format!("{key}[{i}]=\"{v}\""));
            }
        }
    }
    lines
}

/// Why a module is not built, as `show_conf` explains it: one line per excluded part.
pub fn exclusion_lines(
    kernel: &str,
    arch: &str,
    package: &str,
    whole: &[&str],
    modules: &[(String, Vec<&str>)],
) -> Vec<String> {
    let mut lines = Vec::new();
    if !whole.is_empty() {
        lines.push(format!(
            "# {package} is excluded from {kernel} ({arch}) by {}",
            whole.join(", ")
        ));
    }
    for (name, reasons) in modules {
        if !reasons.is_empty() {
            lines.push(format!(
                "# module {name} is excluded from {kernel} ({arch}) by {}",
                reasons.join(", ")
            ));
        }
    }
    if lines.is_empty() {
        lines.push(format!("# {package} builds for {kernel} ({arch})"));
    }
    lines
}

/// The `build_exclusive` member of `show_conf --json`.
pub fn exclusion_json(excluded: bool, whole: &[&str], modules: &[(String, Vec<&str>)]) -> String {
    let modules: serde_json::Map<String, serde_json::Value> = modules
        .iter()
        .map(|(n, r)| (n.clone(), serde_json::json!(r)))
        .collect();
    serde_json::json!({"excluded": excluded, "reasons": whole, "modules": modules}).to_string()
}

/// The `--verbose` notice that a conf file is evaluated by bash rather than natively.
pub fn fallback_notice(err: &crate::shell::ShellError) -> String {
    let construct = err.unsupported.as_deref().unwrap_or("a construct");
    format!(
        "dkms.conf: {}:{}:{}: {construct} is outside the built-in shell subset; evaluating this file with bash",
        err.file.display(),
        err.line,
        err.column
    )
}

/// The error when the bash evaluation of a conf file does not finish in time.
pub fn fallback_timeout(seconds: u64) -> String {
    format!("evaluating this file with bash took longer than {seconds} seconds")
}

/// The error when bash cannot be started for a conf file outside the subset.
pub fn fallback_no_bash(err: &std::io::Error) -> String {
    format!("evaluating this file with bash failed: {err}")
}

/// A syntax error as bash prints it while sourcing a file: `FILE: line N: MESSAGE`, then
/// for an unexpected token the text of the line holding it.
pub fn syntax_error(err: &crate::shell::ShellError, source: &str) -> String {
    syntax_error_shifted(err, source, 0)
}

/// A syntax error in backquotes, which bash parses only when it runs them: the lines of
/// `syntax_error` for the text between the backquotes, named after the file and counted
/// from the line the backquote opens on.
pub fn substitution_syntax_error(
    err: &crate::shell::ShellError,
    text: &str,
    first_line: usize,
) -> String {
    let err = crate::shell::ShellError {
        file: format!("{}: command substitution", err.file.display()).into(),
        ..err.clone()
    };
    syntax_error_shifted(&err, text, first_line.saturating_sub(1))
}

fn syntax_error_shifted(err: &crate::shell::ShellError, source: &str, shift: usize) -> String {
    let file = err.file.display();
    let mut out = String::new();
    for (n, message) in err.message.split("\n@").enumerate() {
        let (line, message) = match message
            .split_once('@')
            .and_then(|(l, m)| Some((l.parse().ok()?, m)))
        {
            Some(follow) if n > 0 => follow,
            _ => (err.line + shift, message),
        };
        // bash is silent about some errors in `[[ ]]`
        if !message.is_empty() {
            out.push_str(&format!("{file}: line {line}: {message}\n"));
        }
    }
    if err.message.starts_with("syntax error near") {
        let text = source
            .split('\n')
            .nth(err.line.saturating_sub(1))
            .unwrap_or("");
        out.push_str(&format!("{file}: line {}: `{text}'\n", err.line + shift));
    }
    out
}

/// A second error line that bash prints after the first for the same command (`expected
/// `)'` after an error inside `[[ ( … ) ]]`), on its own line number: kept in the first
/// error's message, and expanded by `syntax_error`.
/// An arithmetic error as bash words it: `[CMD: ]EXPR: MESSAGE`.
pub fn arith_error(prefix: &str, expr: &str, message: &str) -> String {
    format!("{prefix}{expr}: {message}")
}

pub fn follow_up(line: usize, message: &str) -> String {
    format!("@{line}@{message}")
}

/// `--verbose`: the syntax error with its position (file:line:column) and, at an unexpected
/// end of file, the compound command left open.
pub fn syntax_error_position(
    err: &crate::shell::ShellError,
    open: Option<(&str, crate::shell::ast::Pos)>,
) -> String {
    let message = err.message.lines().next().unwrap_or_default();
    let message = if message.is_empty() {
        "syntax error in conditional expression"
    } else {
        message
    };
    let mut out = format!(
        "dkms.conf: {}:{}:{}: {message}",
        err.file.display(),
        err.line,
        err.column
    );
    if let Some((kw, at)) = open.filter(|_| message.contains("end of file")) {
        out.push_str(&format!(
            " (`{kw}' at {}:{} is not closed)",
            at.line, at.col
        ));
    }
    out.push('\n');
    out
}
