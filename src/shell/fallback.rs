//! The safety net for conf files that use valid bash outside the built-in subset: that one
//! file is sourced by a real `bash`, exactly as dkms 3.4.3's `safe_source` does it (a
//! subshell sourcing the file with stdout discarded, then an unquoted `eval echo` of every
//! set index of every listed name), in the same context our evaluator would have given it.
//! The serialisation text it prints goes back through our own evaluator (the second
//! expansion), like the native path's. No corpus file needs this; it exists so that an
//! unusual file gives bash's values instead of an error.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::eval::{Shell, Value, Var};
use super::ShellError;
use crate::error::{Error, Result};

/// Names bash owns (read-only or recomputed): never assigned in the generated script.
fn is_bash_owned(name: &str) -> bool {
    name.starts_with("BASH")
        || name.starts_with("COMP_")
        || matches!(
            name,
            "SHELLOPTS"
                | "EUID"
                | "UID"
                | "PPID"
                | "PWD"
                | "OLDPWD"
                | "SHLVL"
                | "_"
                | "FUNCNAME"
                | "GROUPS"
                | "RANDOM"
                | "SRANDOM"
                | "SECONDS"
                | "LINENO"
                | "HISTCMD"
                | "DIRSTACK"
                | "PIPESTATUS"
                | "EPOCHSECONDS"
                | "EPOCHREALTIME"
                | "OPTIND"
                | "OPTARG"
        )
}

/// A single-quoted bash word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// One variable as a `declare`/`local` command (`builtin` is `declare -g` or `local`).
fn declaration(builtin: &str, name: &str, var: &Var) -> String {
    let mut flags = String::new();
    match var.value {
        Value::Indexed(_) => flags.push('a'),
        Value::Assoc(_) => flags.push('A'),
        _ => {}
    }
    if var.exported {
        flags.push('x');
    }
    let value = match &var.value {
        Value::Unset => String::new(),
        Value::Scalar(s) => format!("={}", quote(s)),
        Value::Indexed(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("[{k}]={}", quote(v)))
                .collect();
            format!("=({})", items.join(" "))
        }
        Value::Assoc(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("[{}]={}", quote(k), quote(v)))
                .collect();
            format!("=({})", items.join(" "))
        }
    };
    let mut line = if flags.is_empty() {
        format!("{builtin} -- {name}{value}")
    } else {
        format!("{builtin} -{flags} -- {name}{value}")
    };
    // read-only last, once the value is in place
    if var.readonly {
        let ro = if builtin == "local" {
            "local -r"
        } else {
            "declare -gr"
        };
        line.push_str(&format!("; {ro} -- {name}"));
    }
    format!("{{ {line}; }} 2>/dev/null\n")
}

/// The state `pre` as bash commands: the globals (top level) and the function locals (to
/// go inside a function, as dkms sources from inside `read_conf`).
fn context(pre: &Shell) -> (String, String) {
    let scopes = pre.variable_scopes();
    let mut out = String::from("shopt -s extglob\nset +o posix\n");
    let mut body = String::new();
    for (depth, scope) in scopes.iter().enumerate() {
        for (name, var) in scope {
            if !super::lexer::is_name(name) || is_bash_owned(name) {
                continue;
            }
            if depth == 0 {
                out.push_str(&declaration("declare -g", name, var));
            } else {
                body.push_str(&declaration("local", name, var));
            }
        }
    }
    (out, body)
}

/// The bash script that reproduces `pre` (the state before `safe_source`) and runs dkms's
/// `safe_source FILE LIST` in it, printing the serialisation on stdout.
pub fn script(pre: &Shell, file: &Path, list_arg: &str, directives: bool, tmp: &str) -> String {
    let (mut out, body) = context(pre);
    out.push_str("__dkms_safe_source() {\n");
    out.push_str(&body);
    out.push_str(&format!(
        "local to_source_file={}\ndeclare -a -r export_envs=( $1 )\nlocal -r CR=$'\\r'\n\
         local tmpfile={}\n",
        quote(&file.display().to_string()),
        quote(&format!("{tmp}/dkms.conf.XXXXXX"))
    ));
    out.push_str(
        "( . \"$to_source_file\" >/dev/null\n\
         for __dkms_n in \"${export_envs[@]}\"; do\n\
         for __dkms_i in $(eval echo \\${!\"${__dkms_n}\"[@]}); do\n\
         eval echo '$__dkms_n[$__dkms_i]=\\\"${'\"${__dkms_n}\"'[$__dkms_i]%$CR}\\\"'\n\
         done\ndone\n",
    );
    if directives {
        out.push_str(
            "for __dkms_n in $(set | grep ^DKMS_DIRECTIVE | cut -d = -f 2-3); do\n\
             echo \"${__dkms_n%%=*}=\\\"${__dkms_n#*=}\\\"\"\ndone\n",
        );
    }
    out.push_str(")\n}\n");
    out.push_str(&format!("__dkms_safe_source {}\n", quote(list_arg)));
    out
}

/// The parent half of `safe_source` by bash, for a serialisation whose second expansion
/// meets a construct outside the subset: `lines` is sourced in the state `pre`, and the
/// result comes back as plain assignments (`unset NAME`, `NAME[i]=$'...'`) for our evaluator.
pub fn source_serialisation(
    pre: &Shell,
    file: &Path,
    lines: &str,
    why: &ShellError,
) -> Result<String> {
    let mut names: Vec<&str> = lines
        .lines()
        .filter_map(|l| l.split(['[', '=']).next())
        .filter(|n| super::lexer::is_name(n))
        .collect();
    names.sort_unstable();
    names.dedup();
    let (globals, locals) = context(pre);
    let mut text = globals;
    text.push_str("__dkms_parent() {\n");
    text.push_str(&locals);
    text.push_str(&format!("eval {} >/dev/null\n", quote(lines)));
    for n in names {
        text.push_str(&format!(
            "printf 'unset %s\\n' {n}\n\
             for __dkms_i in $(eval echo \\${{!{n}[@]}}); do\n\
             printf '%s[%s]=%q\\n' {n} \"$__dkms_i\" \"${{{n}[$__dkms_i]}}\"\n\
             done\n"
        ));
    }
    text.push_str("}\n__dkms_parent\n");
    run_script(pre, file, &text, why)
}

/// Source `file` with bash in the context `pre` and return the serialisation text it
/// printed (to be sourced by our evaluator). `why` is the construct that sent it here.
pub fn serialise(
    pre: &Shell,
    file: &Path,
    list_arg: &str,
    directives: bool,
    why: &ShellError,
) -> Result<String> {
    let tmp = std::env::temp_dir();
    let text = script(pre, file, list_arg, directives, &tmp.display().to_string());
    run_script(pre, file, &text, why)
}

/// Run a generated script with bash (after the `--verbose` notice); its stdout.
fn run_script(pre: &Shell, file: &Path, text: &str, why: &ShellError) -> Result<String> {
    if pre.get("verbose").is_some_and(|v| !v.is_empty()) && first_notice(why) {
        eprintln!("{}", crate::output::conf::fallback_notice(why));
    }
    let tmp = std::env::temp_dir();
    let script_path = tmp.join(format!(
        "dkms-conf-fallback.{}.{}.sh",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    std::fs::write(&script_path, text).map_err(|e| Error::io(&script_path, e))?;
    let result = run_bash(pre, &script_path, file);
    let _ = std::fs::remove_file(&script_path);
    result
}

/// One notice per file and construct, however often a run reads the file (`show_conf PATH`
/// reads it twice: once for the module's name and version, then for real).
fn first_notice(why: &ShellError) -> bool {
    static SEEN: std::sync::Mutex<Vec<(PathBuf, usize, usize)>> = std::sync::Mutex::new(Vec::new());
    let key = (why.file.clone(), why.line, why.column);
    match SEEN.lock() {
        Ok(mut seen) => {
            let first = !seen.contains(&key);
            if first {
                seen.push(key);
            }
            first
        }
        Err(_) => true,
    }
}

fn run_bash(pre: &Shell, script_path: &Path, file: &Path) -> Result<String> {
    let fail = |message: String| {
        Error::Shell(ShellError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message,
            unsupported: None,
        })
    };
    let cwd = if pre.cwd.is_dir() {
        pre.cwd.clone()
    } else {
        PathBuf::from("/")
    };
    // $0 is dkms's own path, as when dkms sources the file
    let mut child = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", ". \"$1\"", &pre.arg0])
        .arg(script_path)
        .env_clear()
        .current_dir(cwd)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| fail(crate::output::conf::fallback_no_bash(&e)))?;
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let deadline = Instant::now() + pre.limits.max_time;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(crate::output::conf::fallback_timeout(
                    pre.limits.max_time.as_secs(),
                )));
            }
        }
    }
    let bytes = reader.join().unwrap_or_default();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_bash() {
        assert_eq!(quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn declarations_keep_type_and_attributes() {
        let var = Var {
            value: Value::Indexed(std::rc::Rc::new(
                [(0, "a b".to_string()), (3, "c".to_string())].into(),
            )),
            exported: true,
            readonly: true,
        };
        assert_eq!(
            declaration("local", "kernelver", &var),
            "{ local -ax -- kernelver=([0]='a b' [3]='c'); local -r -- kernelver; } 2>/dev/null\n"
        );
    }

    fn classify(text: &str) -> std::result::Result<(), ShellError> {
        super::super::parser::parse(text, "t.conf").map(|_| ())
    }

    fn construct(text: &str) -> Option<String> {
        match classify(text) {
            Ok(()) => None,
            Err(e) => {
                assert!(e.is_unsupported(), "{text}: a plain error: {}", e.message);
                e.unsupported
            }
        }
    }

    #[test]
    fn constructs_outside_the_subset_are_named() {
        for (text, name) in [
            ("cat <(echo hi)", "process substitution"),
            ("tee >(cat) </dev/null", "process substitution"),
            ("f() { :; } > >(cat)", "process substitution"),
            ("cat <<< x <(echo hi)", "process substitution"),
            ("coproc cat", "`coproc'"),
            ("select x in a; do break; done", "`select'"),
            ("getopts ab opt", "`getopts'"),
            ("declare -n ref=MAKE", "`declare -n'"),
            ("local -i n=1+1", "`local -i'"),
            ("typeset -u up=x", "`typeset -u'"),
            ("x=${v@Q}", "${parameter@operator}"),
            ("x=${v~~}", "${parameter~} case toggling"),
            ("x=$[1+2]", "$[ ] arithmetic"),
        ] {
            assert_eq!(construct(text).as_deref(), Some(name), "{text}");
        }
    }

    #[test]
    fn the_subset_and_look_alikes_stay_native() {
        for text in [
            "MAKE=a{x,y}",
            "echo {} \\; find . -exec echo {} +",
            "x=${v:-{a,b}}",
            "echo '{a,b}' \"{1..3}\"",
            "f() { echo {; }",
            "declare -a a=(1 2); local -r x=1; export -n y",
            "for ((i=0; i<3; i++)); do :; done",
            "n=3; for ((i=0; i<$n; i++)); do :; done",
            "x=$(( 1 + 2 ))",
            "cat < /dev/null",
            "echo {a,b}",
            "x=$(echo a{1..3})",
            "for m in {a..c}; do :; done",
            "while read -r l; do :; done < <(echo hi)",
        ] {
            assert_eq!(construct(text), None, "{text}");
        }
    }

    #[test]
    fn syntax_errors_are_not_unsupported() {
        for text in ["if then", "echo \"unterminated", "x=$(", "case x in"] {
            let e = classify(text).expect_err(text);
            assert!(!e.is_unsupported(), "{text}: {e}");
        }
    }

    #[test]
    fn a_framework_file_outside_the_subset_is_read_by_bash() {
        let dir = std::env::temp_dir().join(format!("dkms-fallback-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = dir.join("framework.conf");
        std::fs::write(
            &file,
            "sign_file=$(echo /x/{a,b})\nmok_certificate=$[6*7]\n",
        )
        .expect("write");
        let found =
            super::super::dkms::eval_framework_file(&file, &["sign_file", "mok_certificate"])
                .expect("evaluated");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            found.get("sign_file").map(String::as_str),
            Some("/x/a /x/b")
        );
        assert_eq!(found.get("mok_certificate").map(String::as_str), Some("42"));
    }

    #[test]
    fn bash_owned_names_are_skipped() {
        assert!(is_bash_owned("BASH_VERSINFO"));
        assert!(is_bash_owned("PPID"));
        assert!(!is_bash_owned("kernelver"));
    }
}
