//! Builtin commands: what real dkms.conf and framework.conf files use (`:` `true` `false`
//! `echo` `printf` `test`/`[` `read` `unset` `shopt` `set` `eval` `source`/`.` `return`
//! `exit` `cd` `pushd` `popd` `let` `command` `type` `shift` ...). Declaration builtins
//! (`local`, `export`, ...) live in `eval` because they take assignment arguments.

use super::eval::{Ctl, Io, Shell, R};

const BUILTINS: &[&str] = &[
    ":",
    "true",
    "false",
    "echo",
    "printf",
    "test",
    "[",
    "read",
    "unset",
    "shopt",
    "set",
    "eval",
    "source",
    ".",
    "return",
    "exit",
    "cd",
    "pushd",
    "popd",
    "dirs",
    "pwd",
    "let",
    "command",
    "builtin",
    "type",
    "break",
    "continue",
    "shift",
    "hash",
    "umask",
    "trap",
    "wait",
    "alias",
    "unalias",
    "exec",
    "mapfile",
    "readarray",
    "enable",
    "ulimit",
    "times",
    "caller",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

pub fn run(sh: &mut Shell, name: &str, args: &[String], io: &Io) -> R<i32> {
    match name {
        ":" | "true" | "hash" | "umask" | "trap" | "wait" | "alias" | "unalias" | "enable"
        | "ulimit" | "times" => Ok(0),
        "false" => Ok(1),
        "caller" => Ok(1),
        "echo" => echo(sh, args, io),
        "printf" => printf(sh, args, io),
        "test" => Ok(test(sh, "test", args, io)),
        "[" => {
            if args.last().map(String::as_str) != Some("]") {
                sh.error_message(io, "[: missing `]'");
                return Ok(2);
            }
            Ok(test(sh, "[", &args[..args.len() - 1], io))
        }
        "read" => read(sh, args, io),
        "mapfile" | "readarray" => mapfile(sh, args, io),
        "unset" => unset(sh, args),
        "shopt" => Ok(shopt(sh, args, io)),
        "set" => set(sh, args, io),
        "eval" => {
            let text = args.join(" ");
            if text.trim().is_empty() {
                return Ok(0);
            }
            sh.eval_string(&text, io)
        }
        "source" | "." => {
            let Some(file) = args.first() else {
                sh.error_message(io, &format!("{name}: filename argument required"));
                return Ok(2);
            };
            let rest = if args.len() > 1 {
                Some(args[1..].to_vec())
            } else {
                None
            };
            sh.source_file(file, rest, io)
        }
        "return" => {
            let n = match args.first() {
                Some(a) => match a.parse::<i64>() {
                    Ok(n) => (n & 0xff) as i32,
                    Err(_) => {
                        sh.error_message(io, &format!("return: {a}: numeric argument required"));
                        2
                    }
                },
                None => sh.status,
            };
            if !sh.in_function() && !sh.in_sourced_file() {
                sh.error_message(
                    io,
                    "return: can only `return' from a function or sourced script",
                );
                return Ok(1);
            }
            Err(Ctl::Return(n))
        }
        "exit" => {
            let n = match args.first() {
                Some(a) => a.parse::<i64>().map(|n| (n & 0xff) as i32).unwrap_or(2),
                None => sh.status,
            };
            Err(Ctl::Exit(n))
        }
        "break" | "continue" => {
            let n = args
                .first()
                .and_then(|a| a.parse::<u32>().ok())
                .unwrap_or(1)
                .max(1);
            Err(if name == "break" {
                Ctl::Break(n)
            } else {
                Ctl::Continue(n)
            })
        }
        "shift" => {
            let n = args
                .first()
                .and_then(|a| a.parse::<usize>().ok())
                .unwrap_or(1);
            Ok(if sh.shift_positional(n) { 0 } else { 1 })
        }
        "cd" => {
            let dir = args
                .iter()
                .find(|a| !a.starts_with('-'))
                .cloned()
                .unwrap_or_default();
            Ok(if sh.chdir(&dir, io) { 0 } else { 1 })
        }
        "pushd" => {
            let Some(dir) = args.iter().find(|a| !a.starts_with('-')) else {
                sh.error_message(io, "pushd: no other directory");
                return Ok(1);
            };
            if sh.push_dir(dir, io) {
                let line = sh.dirs_line() + "\n";
                sh.write(&io.out, line.as_bytes())?;
                Ok(0)
            } else {
                Ok(1)
            }
        }
        "popd" => {
            if sh.pop_dir(io) {
                let line = sh.dirs_line() + "\n";
                sh.write(&io.out, line.as_bytes())?;
                Ok(0)
            } else {
                Ok(1)
            }
        }
        "dirs" => {
            let line = sh.dirs_line() + "\n";
            sh.write(&io.out, line.as_bytes())?;
            Ok(0)
        }
        "pwd" => {
            let line = format!("{}\n", sh.cwd.display());
            sh.write(&io.out, line.as_bytes())?;
            Ok(0)
        }
        "let" => {
            let mut last = 0;
            for a in args {
                // an error fails `let` (status 1)
                match sh.arith_try(a, "let: ") {
                    Some(v) => last = v,
                    None => return Ok(1),
                }
            }
            Ok(i32::from(last == 0))
        }
        "command" | "builtin" => {
            let mut i = 0;
            let mut describe = false;
            while let Some(a) = args.get(i) {
                match a.as_str() {
                    "-v" | "-V" => describe = true,
                    "-p" => {}
                    "--" => {
                        i += 1;
                        break;
                    }
                    _ => break,
                }
                i += 1;
            }
            let rest = &args[i..];
            if describe && name == "command" {
                let mut status = 0;
                for n in rest {
                    if is_builtin(n) || sh.has_function(n) || is_keyword(n) {
                        sh.write(&io.out, format!("{n}\n").as_bytes())?;
                    } else if let Some(p) = sh.command_exists(n) {
                        sh.write(&io.out, format!("{}\n", p.display()).as_bytes())?;
                    } else {
                        status = 1;
                    }
                }
                return Ok(status);
            }
            if name == "builtin" && rest.first().is_some_and(|n| !is_builtin(n)) {
                sh.error_message(io, &format!("builtin: {}: not a shell builtin", rest[0]));
                return Ok(1);
            }
            sh.run_words(rest, io, false)
        }
        "type" => {
            // -P: the PATH file even for a builtin; -t: the kind; -p: the path of a file only
            let flags: String = args
                .iter()
                .filter(|a| a.starts_with('-'))
                .flat_map(|a| a.chars().skip(1))
                .collect();
            let path_only = flags.contains('P');
            let terse = !path_only && flags.contains('t');
            let file_path = !path_only && !terse && flags.contains('p');
            let mut status = 0;
            for n in args.iter().filter(|a| !a.starts_with('-')) {
                let file = || sh.command_exists(n).map(|p| p.display().to_string());
                let kind = if path_only {
                    file().map(|p| ("file", p.clone(), p))
                } else if sh.has_function(n) {
                    Some(("function", format!("{n} is a function"), String::new()))
                } else if is_keyword(n) {
                    Some(("keyword", format!("{n} is a shell keyword"), String::new()))
                } else if is_builtin(n) {
                    Some(("builtin", format!("{n} is a shell builtin"), String::new()))
                } else {
                    file().map(|p| ("file", format!("{n} is {p}"), p))
                };
                match kind {
                    Some((t, long, path)) => {
                        let line = if path_only || file_path {
                            path
                        } else if terse {
                            t.to_string()
                        } else {
                            long
                        };
                        if !line.is_empty() {
                            sh.write(&io.out, format!("{line}\n").as_bytes())?;
                        }
                    }
                    None => {
                        if !(terse || path_only || file_path) {
                            sh.error_message(io, &format!("type: {n}: not found"));
                        }
                        status = 1;
                    }
                }
            }
            Ok(status)
        }
        "exec" => {
            if args.is_empty() {
                return Ok(0);
            }
            let s = sh.run_words(args, io, false)?;
            Err(Ctl::Exit(s))
        }
        _ => Ok(0),
    }
}

fn is_keyword(n: &str) -> bool {
    matches!(
        n,
        "if" | "then"
            | "elif"
            | "else"
            | "fi"
            | "for"
            | "while"
            | "until"
            | "do"
            | "done"
            | "case"
            | "esac"
            | "in"
            | "function"
            | "{"
            | "}"
            | "!"
            | "[["
            | "]]"
            | "time"
            | "select"
    )
}

// ---------------------------------------------------------------- echo / printf

fn echo(sh: &mut Shell, args: &[String], io: &Io) -> R<i32> {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
        {
            for c in a[1..].chars() {
                match c {
                    'n' => newline = false,
                    'e' => escapes = true,
                    _ => escapes = false,
                }
            }
            i += 1;
        } else {
            break;
        }
    }
    let mut out = String::new();
    for (n, a) in args[i..].iter().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        if escapes {
            let (s, stop) = backslash_escapes(a, false);
            out.push_str(&s);
            if stop {
                sh.write(&io.out, out.as_bytes())?;
                return Ok(0);
            }
        } else {
            out.push_str(a);
        }
    }
    if newline {
        out.push('\n');
    }
    sh.write(&io.out, out.as_bytes())?;
    Ok(0)
}

/// Interpret backslash escapes (echo -e, printf %b and formats). Returns the text and whether
/// `\c` asked to stop output.
fn backslash_escapes(s: &str, printf_format: bool) -> (String, bool) {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let e = chars[i];
        i += 1;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'e' | 'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '"' if printf_format => out.push('"'),
            '\'' if printf_format => out.push('\''),
            'c' => return (out, true),
            'x' => {
                let mut n = 0u32;
                let mut k = 0;
                while k < 2 && i < chars.len() && chars[i].is_ascii_hexdigit() {
                    n = n * 16 + chars[i].to_digit(16).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                if k == 0 {
                    out.push_str("\\x");
                } else {
                    out.push(char::from_u32(n).unwrap_or('?'));
                }
            }
            '0'..='7' => {
                // echo: \0nnn ; printf: \nnn
                let mut n = 0u32;
                let mut k = 0;
                let max = if e == '0' && !printf_format { 3 } else { 2 };
                if e != '0' || printf_format {
                    n = e.to_digit(8).unwrap_or(0);
                }
                while k < max && i < chars.len() && chars[i].is_digit(8) {
                    n = n * 8 + chars[i].to_digit(8).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                out.push(char::from_u32(n & 0xff).unwrap_or('?'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    (out, false)
}

fn printf(sh: &mut Shell, args: &[String], io: &Io) -> R<i32> {
    let mut args = args;
    let mut var = None;
    if args.first().map(String::as_str) == Some("-v") {
        var = args.get(1).cloned();
        args = args.get(2..).unwrap_or(&[]);
    }
    if args.first().map(String::as_str) == Some("--") {
        args = &args[1..];
    }
    let Some(format) = args.first() else {
        sh.error_message(io, "printf: usage: printf [-v var] format [arguments]");
        return Ok(2);
    };
    let values = &args[1..];
    let mut out = String::new();
    let mut vi = 0;
    let mut status = 0;
    let fmt: Vec<char> = format.chars().collect();
    loop {
        let consumed_before = vi;
        let mut i = 0;
        while i < fmt.len() {
            let c = fmt[i];
            if c == '\\' {
                let mut j = i + 1;
                // take one escape sequence
                if j < fmt.len() {
                    j += 1;
                    while j < fmt.len()
                        && j < i + 4
                        && fmt[j].is_ascii_hexdigit()
                        && matches!(fmt[i + 1], 'x' | '0'..='7')
                    {
                        j += 1;
                    }
                }
                let seq: String = fmt[i..j].iter().collect();
                let (s, stop) = backslash_escapes(&seq, true);
                out.push_str(&s);
                if stop {
                    return finish_printf(sh, var, out, io);
                }
                i = j;
                continue;
            }
            if c != '%' {
                out.push(c);
                i += 1;
                continue;
            }
            if fmt.get(i + 1) == Some(&'%') {
                out.push('%');
                i += 2;
                continue;
            }
            // %[flags][width][.precision]conv
            let mut j = i + 1;
            let mut flags = String::new();
            while j < fmt.len() && matches!(fmt[j], '-' | '+' | ' ' | '#' | '0') {
                flags.push(fmt[j]);
                j += 1;
            }
            let mut width = String::new();
            while j < fmt.len() && (fmt[j].is_ascii_digit() || fmt[j] == '*') {
                if fmt[j] == '*' {
                    width = values.get(vi).cloned().unwrap_or_default();
                    vi += 1;
                } else {
                    width.push(fmt[j]);
                }
                j += 1;
            }
            let mut precision: Option<String> = None;
            if fmt.get(j) == Some(&'.') {
                j += 1;
                let mut p = String::new();
                while j < fmt.len() && (fmt[j].is_ascii_digit() || fmt[j] == '*') {
                    if fmt[j] == '*' {
                        p = values.get(vi).cloned().unwrap_or_default();
                        vi += 1;
                    } else {
                        p.push(fmt[j]);
                    }
                    j += 1;
                }
                precision = Some(p);
            }
            let Some(&conv) = fmt.get(j) else {
                out.push_str(&fmt[i..].iter().collect::<String>());
                break;
            };
            j += 1;
            let arg = values.get(vi).cloned();
            if !matches!(conv, '%') {
                vi += 1;
            }
            let arg_s = arg.clone().unwrap_or_default();
            let body = match conv {
                's' => {
                    let mut s = arg_s;
                    if let Some(p) = precision.as_ref().and_then(|p| p.parse::<usize>().ok()) {
                        s = s.chars().take(p).collect();
                    }
                    s
                }
                'b' => {
                    let (s, stop) = backslash_escapes(&arg_s, false);
                    if stop {
                        out.push_str(&s);
                        return finish_printf(sh, var, out, io);
                    }
                    s
                }
                'q' => shell_quote(&arg_s),
                'c' => arg_s.chars().next().map(String::from).unwrap_or_default(),
                'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                    let n = match printf_number(&arg_s) {
                        Some(n) => n,
                        None => {
                            sh.error_message(io, &format!("printf: {arg_s}: invalid number"));
                            status = 1;
                            0
                        }
                    };
                    let mut s = match conv {
                        'x' => format!("{n:x}"),
                        'X' => format!("{n:X}"),
                        'o' => format!("{n:o}"),
                        _ => n.to_string(),
                    };
                    if let Some(p) = precision.as_ref().and_then(|p| p.parse::<usize>().ok()) {
                        let neg = s.starts_with('-');
                        let digits = s.trim_start_matches('-').to_string();
                        if digits.len() < p {
                            s = format!(
                                "{}{}{}",
                                if neg { "-" } else { "" },
                                "0".repeat(p - digits.len()),
                                digits
                            );
                        }
                    }
                    if flags.contains('+') && n >= 0 && matches!(conv, 'd' | 'i') {
                        s.insert(0, '+');
                    }
                    s
                }
                'f' | 'e' | 'g' | 'E' | 'G' => {
                    let n: f64 = arg_s.trim().parse().unwrap_or(0.0);
                    let p = precision
                        .as_ref()
                        .and_then(|p| p.parse::<usize>().ok())
                        .unwrap_or(6);
                    match conv {
                        'e' | 'E' => format!("{n:.p$e}"),
                        _ => format!("{n:.p$}"),
                    }
                }
                other => {
                    sh.error_message(io, &format!("printf: `{other}': invalid format character"));
                    return Ok(1);
                }
            };
            let w: usize = width.trim_start_matches('-').parse().unwrap_or(0);
            let left = flags.contains('-') || width.starts_with('-');
            let len = body.chars().count();
            if len < w {
                let pad = w - len;
                if left {
                    out.push_str(&body);
                    out.push_str(&" ".repeat(pad));
                } else if flags.contains('0')
                    && matches!(conv, 'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'f')
                {
                    let (sign, digits) = match body.strip_prefix('-') {
                        Some(d) => ("-", d),
                        None => ("", body.as_str()),
                    };
                    out.push_str(sign);
                    out.push_str(&"0".repeat(pad));
                    out.push_str(digits);
                } else {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(&body);
                }
            } else {
                out.push_str(&body);
            }
            i = j;
        }
        if out.len() > sh.limits.max_output {
            return Err(Ctl::Fatal(super::ShellError {
                file: sh.file.clone(),
                line: 0,
                column: 0,
                message: "printf: output too large".into(),
                unsupported: None,
            }));
        }
        if vi >= values.len() || vi == consumed_before {
            break;
        }
    }
    finish_printf(sh, var, out, io).map(|s| if status != 0 { status } else { s })
}

fn finish_printf(sh: &mut Shell, var: Option<String>, out: String, io: &Io) -> R<i32> {
    match var {
        Some(v) => {
            sh.set(&v, out)?;
        }
        None => sh.write(&io.out, out.as_bytes())?,
    }
    Ok(0)
}

fn printf_number(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return Some(0);
    }
    if let Some(c) = t.strip_prefix('\'').or_else(|| t.strip_prefix('"')) {
        return Some(c.chars().next().map(|c| c as i64).unwrap_or(0));
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    let mut out = String::new();
    for c in s.chars() {
        if !(c.is_ascii_alphanumeric()
            || matches!(c, '_' | '-' | '.' | '/' | ':' | ',' | '+' | '@' | '%' | '='))
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------- test / [

/// `test` or `[` (NAME): errors name the command as it was called.
fn test(sh: &mut Shell, name: &str, args: &[String], io: &Io) -> i32 {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match test_expr(sh, &a) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(m) => {
            let m = match m.strip_prefix("test: ") {
                Some(rest) => format!("{name}: {rest}"),
                None => m,
            };
            sh.error_message(io, &m);
            2
        }
    }
}

fn test_expr(sh: &Shell, a: &[&str]) -> Result<bool, String> {
    match a.len() {
        0 => Ok(false),
        1 => Ok(!a[0].is_empty()),
        2 => {
            if a[0] == "!" {
                return Ok(a[1].is_empty());
            }
            if is_unary(a[0]) {
                return Ok(sh.unary_test(a[0], a[1]));
            }
            Err(format!("test: {}: unary operator expected", a[0]))
        }
        3 => {
            if is_binary(a[1]) {
                return binary(sh, a[0], a[1], a[2]);
            }
            if a[0] == "!" {
                return test_expr(sh, &a[1..]).map(|v| !v);
            }
            if a[0] == "(" && a[2] == ")" {
                return Ok(!a[1].is_empty());
            }
            if a[1] == "-a" || a[1] == "-o" {
                return general(sh, a);
            }
            Err(format!("test: {}: binary operator expected", a[1]))
        }
        4 => {
            if a[0] == "!" {
                return test_expr(sh, &a[1..]).map(|v| !v);
            }
            if a[0] == "(" && a[3] == ")" {
                return test_expr(sh, &a[1..3]);
            }
            general(sh, a)
        }
        _ => general(sh, a),
    }
}

fn is_unary(op: &str) -> bool {
    matches!(
        op,
        "-a" | "-b"
            | "-c"
            | "-d"
            | "-e"
            | "-f"
            | "-g"
            | "-h"
            | "-k"
            | "-p"
            | "-r"
            | "-s"
            | "-t"
            | "-u"
            | "-w"
            | "-x"
            | "-G"
            | "-L"
            | "-N"
            | "-O"
            | "-S"
            | "-n"
            | "-z"
            | "-o"
            | "-v"
            | "-R"
    )
}

fn is_binary(op: &str) -> bool {
    matches!(
        op,
        "=" | "=="
            | "!="
            | "<"
            | ">"
            | "-eq"
            | "-ne"
            | "-lt"
            | "-le"
            | "-gt"
            | "-ge"
            | "-nt"
            | "-ot"
            | "-ef"
    )
}

fn test_integer(s: &str) -> Result<i64, String> {
    let t = s.trim();
    t.parse::<i64>()
        .map_err(|_| format!("test: {s}: integer expression expected"))
}

fn binary(sh: &Shell, l: &str, op: &str, r: &str) -> Result<bool, String> {
    Ok(match op {
        "=" | "==" => l == r,
        "!=" => l != r,
        "<" => l < r,
        ">" => l > r,
        "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
            let x = test_integer(l)?;
            let y = test_integer(r)?;
            super::eval::numeric_test(op, x, y)
        }
        _ => sh.file_compare(op, l, r),
    })
}

/// The general grammar for more than four arguments: `-o` < `-a` < `!` < primaries.
fn general(sh: &Shell, a: &[&str]) -> Result<bool, String> {
    let mut i = 0;
    let v = gen_or(sh, a, &mut i)?;
    if i != a.len() {
        return Err(format!(
            "test: {}: unexpected argument",
            a.get(i).unwrap_or(&"")
        ));
    }
    Ok(v)
}

fn gen_or(sh: &Shell, a: &[&str], i: &mut usize) -> Result<bool, String> {
    let mut v = gen_and(sh, a, i)?;
    while a.get(*i) == Some(&"-o") {
        *i += 1;
        let r = gen_and(sh, a, i)?;
        v = v || r;
    }
    Ok(v)
}

fn gen_and(sh: &Shell, a: &[&str], i: &mut usize) -> Result<bool, String> {
    let mut v = gen_not(sh, a, i)?;
    while a.get(*i) == Some(&"-a") {
        *i += 1;
        let r = gen_not(sh, a, i)?;
        v = v && r;
    }
    Ok(v)
}

fn gen_not(sh: &Shell, a: &[&str], i: &mut usize) -> Result<bool, String> {
    if a.get(*i) == Some(&"!") {
        *i += 1;
        return gen_not(sh, a, i).map(|v| !v);
    }
    gen_primary(sh, a, i)
}

fn gen_primary(sh: &Shell, a: &[&str], i: &mut usize) -> Result<bool, String> {
    let Some(&first) = a.get(*i) else {
        return Err("test: argument expected".into());
    };
    if first == "(" {
        *i += 1;
        let v = gen_or(sh, a, i)?;
        if a.get(*i) != Some(&")") {
            return Err("test: `)' expected".into());
        }
        *i += 1;
        return Ok(v);
    }
    if let (Some(op), Some(r)) = (a.get(*i + 1), a.get(*i + 2)) {
        if is_binary(op) {
            *i += 3;
            return binary(sh, first, op, r);
        }
    }
    if is_unary(first) {
        if let Some(v) = a.get(*i + 1) {
            *i += 2;
            return Ok(sh.unary_test(first, v));
        }
    }
    *i += 1;
    Ok(!first.is_empty())
}

// ---------------------------------------------------------------- read / mapfile

fn read(sh: &mut Shell, args: &[String], io: &Io) -> R<i32> {
    let mut raw = false;
    let mut array: Option<String> = None;
    let mut delim = '\n';
    let mut names = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        // options as getopt reads them: `-ra NAME`, `-d ''`, `-d:`
        let opts = match a.strip_prefix('-') {
            Some(o) if !o.is_empty() && names.is_empty() => o,
            _ => {
                names.push(a.clone());
                i += 1;
                continue;
            }
        };
        for (k, c) in opts.char_indices() {
            if !matches!(c, 'a' | 'd' | 'p' | 't' | 'n' | 'N' | 'u' | 'i') {
                raw |= c == 'r';
                continue;
            }
            let value = match &opts[k + c.len_utf8()..] {
                "" => {
                    i += 1;
                    args.get(i).cloned().unwrap_or_default()
                }
                attached => attached.to_string(),
            };
            match c {
                'a' => array = Some(value),
                'd' => delim = value.chars().next().unwrap_or('\0'),
                _ => {}
            }
            break;
        }
        i += 1;
    }
    let Some(input) = io.stdin.clone() else {
        return Ok(1);
    };
    let rest = input.remaining();
    if rest.is_empty() {
        return Ok(1);
    }
    let text = String::from_utf8_lossy(rest).into_owned();
    let mut line = String::new();
    let mut consumed = 0;
    let mut found_delim = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        consumed += c.len_utf8();
        if c == '\\' && !raw {
            if let Some(&n) = chars.peek() {
                chars.next();
                consumed += n.len_utf8();
                if n != '\n' {
                    line.push('\u{1}');
                    line.push(n);
                }
                continue;
            }
        }
        if c == delim {
            found_delim = true;
            break;
        }
        line.push(c);
    }
    input.pos.set(input.pos.get() + consumed);
    let ifs = sh.ifs_value();
    let status = if found_delim { 0 } else { 1 };
    let unescape = |s: &str| s.replace('\u{1}', "");
    if let Some(arr) = array {
        let fields: Vec<String> = split_read(&line, &ifs, usize::MAX)
            .into_iter()
            .map(|f| unescape(&f))
            .collect();
        sh.set_array(arr, fields)?;
        return Ok(status);
    }
    if names.is_empty() {
        names.push("REPLY".to_string());
        sh.set("REPLY", unescape(&line))?;
        return Ok(status);
    }
    let fields = split_read(&line, &ifs, names.len());
    for (k, n) in names.iter().enumerate() {
        let v = fields.get(k).map(|f| unescape(f)).unwrap_or_default();
        sh.set(n, v)?;
    }
    Ok(status)
}

/// `read`'s splitting: at most `max` fields, the last one taking the rest of the line
/// (without trailing IFS white space).
fn split_read(line: &str, ifs: &str, max: usize) -> Vec<String> {
    let is_ws = |c: char| ifs.contains(c) && matches!(c, ' ' | '\t' | '\n');
    let is_sep = |c: char| ifs.contains(c) && c != '\u{1}';
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() && is_ws(chars[i]) {
        i += 1;
    }
    let mut fields = Vec::new();
    while i < chars.len() {
        if fields.len() + 1 == max {
            let mut rest: String = chars[i..].iter().collect();
            while rest.ends_with(|c: char| is_ws(c)) {
                rest.pop();
            }
            fields.push(rest);
            return fields;
        }
        let mut f = String::new();
        while i < chars.len() && !is_sep(chars[i]) {
            if chars[i] == '\u{1}' {
                f.push(chars[i]);
                i += 1;
                if i < chars.len() {
                    f.push(chars[i]);
                    i += 1;
                }
                continue;
            }
            f.push(chars[i]);
            i += 1;
        }
        fields.push(f);
        // one separator: white space around a non-white-space separator is absorbed
        while i < chars.len() && is_ws(chars[i]) {
            i += 1;
        }
        if i < chars.len() && is_sep(chars[i]) && !is_ws(chars[i]) {
            i += 1;
            while i < chars.len() && is_ws(chars[i]) {
                i += 1;
            }
        }
    }
    fields
}

fn mapfile(sh: &mut Shell, args: &[String], io: &Io) -> R<i32> {
    let strip = args.iter().any(|a| a == "-t");
    let name = args
        .iter()
        .rfind(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_else(|| "MAPFILE".to_string());
    let Some(input) = io.stdin.clone() else {
        sh.set_array(name.clone(), vec![])?;
        return Ok(0);
    };
    let text = String::from_utf8_lossy(input.remaining()).into_owned();
    input.pos.set(input.data.len());
    let mut items = Vec::new();
    for l in text.split_inclusive('\n') {
        items.push(if strip {
            l.trim_end_matches('\n').to_string()
        } else {
            l.to_string()
        });
    }
    sh.set_array(name, items)?;
    Ok(0)
}

// ---------------------------------------------------------------- unset / set / shopt

fn unset(sh: &mut Shell, args: &[String]) -> R<i32> {
    let mut functions = false;
    let mut status = 0;
    for a in args {
        match a.as_str() {
            "-f" => functions = true,
            "-v" | "-n" => functions = false,
            n => {
                if functions {
                    sh.remove_function(n);
                } else if let Some((name, rest)) = n.split_once('[') {
                    let key = rest.strip_suffix(']').unwrap_or(rest);
                    if !sh.unset_element(name, key)? {
                        status = 1;
                    }
                } else if sh.get_var(n).is_some() {
                    sh.unset(n)?;
                } else {
                    sh.remove_function(n);
                }
            }
        }
    }
    Ok(status)
}

fn set(sh: &mut Shell, args: &[String], io: &Io) -> R<i32> {
    if args.is_empty() {
        let mut out = String::new();
        for n in sh.var_names() {
            if let Some(v) = sh.get(&n) {
                out.push_str(&format!("{n}={}\n", shell_quote(&v)));
            }
        }
        sh.write(&io.out, out.as_bytes())?;
        return Ok(0);
    }
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            sh.set_positional(args[i + 1..].to_vec());
            return Ok(0);
        }
        let (on, flags) = match (a.strip_prefix('-'), a.strip_prefix('+')) {
            (Some(f), _) => (true, f),
            (_, Some(f)) => (false, f),
            _ => {
                sh.set_positional(args[i..].to_vec());
                return Ok(0);
            }
        };
        if flags == "o" {
            i += 1;
            if let Some(name) = args.get(i) {
                match name.as_str() {
                    "errexit" => sh.opts.errexit = on,
                    "nounset" => sh.opts.nounset = on,
                    "noglob" => sh.opts.noglob = on,
                    "xtrace" => sh.opts.xtrace = on,
                    "braceexpand" => sh.opts.nobraceexpand = !on,
                    _ => {}
                }
            }
            i += 1;
            continue;
        }
        for f in flags.chars() {
            match f {
                'e' => sh.opts.errexit = on,
                'u' => sh.opts.nounset = on,
                'f' => sh.opts.noglob = on,
                'x' => sh.opts.xtrace = on,
                'B' => sh.opts.nobraceexpand = !on,
                _ => {}
            }
        }
        i += 1;
    }
    Ok(0)
}

fn shopt(sh: &mut Shell, args: &[String], io: &Io) -> i32 {
    let mut mode = None;
    let mut quiet = false;
    let mut status = 0;
    for a in args {
        match a.as_str() {
            "-s" => mode = Some(true),
            "-u" => mode = Some(false),
            "-q" => quiet = true,
            "-p" | "-o" => {}
            name => {
                let slot = match name {
                    "extglob" => Some(&mut sh.opts.extglob),
                    "nullglob" => Some(&mut sh.opts.nullglob),
                    "nocasematch" => Some(&mut sh.opts.nocasematch),
                    _ => None,
                };
                match (mode, slot) {
                    (Some(on), Some(s)) => *s = on,
                    (None, Some(s)) => {
                        if !*s {
                            status = 1;
                        }
                        if !quiet {
                            let line = format!("{name}\t{}\n", if *s { "on" } else { "off" });
                            let _ = sh.write(&io.out, line.as_bytes());
                        }
                    }
                    (_, None) => {}
                }
            }
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_splitting() {
        assert_eq!(split_read("6.1.0", ".", 3), vec!["6", "1", "0"]);
        assert_eq!(split_read("6.1", ".", 3), vec!["6", "1"]);
        assert_eq!(split_read("  a b  c  ", " \t\n", 2), vec!["a", "b  c"]);
        assert_eq!(split_read("a::b", ":", 3), vec!["a", "", "b"]);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            backslash_escapes("a\\tb\\n", false),
            ("a\tb\n".to_string(), false)
        );
        assert_eq!(backslash_escapes("a\\cb", false), ("a".to_string(), true));
        assert_eq!(backslash_escapes("\\0101", false).0, "A");
        assert_eq!(backslash_escapes("\\101", true).0, "A");
    }
}
