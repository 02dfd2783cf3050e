//! Evaluator tests: every construct of the subset, checked against fixed expectations and,
//! for the same snippets, against real bash (`bash -c`) when it is installed.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use super::eval::{Ctl, Io, Shell, Sink};

fn shell_in(dir: &Path) -> Shell {
    let mut sh = Shell::empty(dir.to_path_buf());
    sh.set_global(
        "PATH",
        &std::env::var("PATH").unwrap_or_default(),
        true,
        false,
    );
    sh.set_global("HOME", "/root", true, false);
    sh
}

/// Run a script; (stdout, stderr, status).
fn run_in(dir: &Path, script: &str) -> (String, String, i32) {
    let mut sh = shell_in(dir);
    let out = Rc::new(RefCell::new(Vec::new()));
    let err = Rc::new(RefCell::new(Vec::new()));
    let io = Io {
        stdin: None,
        out: Sink::Buf(out.clone()),
        err: Sink::Buf(err.clone()),
    };
    let status = match sh.run_text(script, Path::new("test.sh"), &io) {
        Ok(s) | Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) => s,
        Err(Ctl::Fatal(e)) => {
            err.borrow_mut().extend_from_slice(e.to_string().as_bytes());
            -1
        }
        Err(_) => 0,
    };
    let o = String::from_utf8_lossy(&out.borrow()).into_owned();
    let e = String::from_utf8_lossy(&err.borrow()).into_owned();
    (o, e, status)
}

fn run(script: &str) -> String {
    let d = tempfile::tempdir().expect("tempdir");
    run_in(d.path(), script).0
}

fn bash(dir: &Path, script: &str) -> Option<String> {
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("shopt -s extglob\n{script}"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/root")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Snippets whose stdout must equal bash's.
const SAME_AS_BASH: &[&str] = &[
    // comments, assignments, quoting
    "a=1 # comment\necho $a # another",
    "a='x  y'; b=\"$a\"; echo \"$b\" $b",
    "echo 'single $a' \"double $HOME\" \\$escaped",
    "echo $'tab\\there\\nnew' | od -c | head -1",
    "a=\"multi\nline\"; echo \"$a\"; echo $a",
    "echo one \\\n  two",
    "x=\"a\\\nb\"; echo \"$x\"",
    "echo \"in \\\"quotes\\\" and \\\\ and \\$\"",
    // arrays
    "A[1]=a; A[5]=b; echo ${A[@]} ${#A[@]} ${!A[@]}",
    "i=2; A[$i]=x; A[i+1]=y; echo ${A[2]} ${A[3]}",
    "A=(a 'b c' d); echo ${#A[@]} \"${A[1]}\"; A+=(e); echo ${A[@]}",
    "s=abc; s+=def; echo $s; A=(x); A+=y; echo ${A[0]}",
    "A=([2]=two [0]=zero); echo ${!A[@]} ${A[@]}",
    "n=0; A[$((n++))]=a; A[$((n++))]=b; echo $n ${A[@]}",
    "A=(a b c); echo ${A[-1]} ${A[@]:1} ${#A[1]}",
    "declare -A M; M[k]=v; M[j]=w; echo ${M[k]} ${#M[@]}",
    // parameter expansion
    "v=; echo ${v:-def} ${v-set} ${u-unset} ${v:+alt} ${u+alt2}.",
    "echo ${z:=assigned} $z",
    "p=/usr/src/foo-1.2.tar.gz; echo ${p#*/} ${p##*/} ${p%.*} ${p%%.*}",
    "s=hello.world.c; echo ${s/o/0} ${s//o/0} ${s/#hello/HI} ${s/%c/h} ${s//[lo]/_}",
    "s=abcdef; echo ${#s} ${s:2} ${s:1:3} ${s: -2} ${s:0:-1}",
    "s=Hello; echo ${s^^} ${s,,} ${s^} ${s,}",
    "n=v; v=indirect; echo ${!n}",
    "k=6.1.0-28-amd64; echo ${k%%-*} ${k#*.} ${k//-/_}",
    "x=\"a*b\"; echo ${x/\\*/STAR} \"${x/'*'/Q}\"",
    // arithmetic
    "echo $((1+2*3)) $(( (1+2)*3 )) $((10/3)) $((10%3)) $((2**8)) $((1<<4)) $((-5/2))",
    "i=5; ((i++)); echo $i; ((i+=10)); echo $i; (( i > 3 )) && echo big",
    "echo $((0x1f)) $((010)) $((2#101)) $((7 > 3 ? 1 : 0))",
    "a=3; b=a; echo $((b+1))",
    // command substitution
    "x=$(echo hi; echo there); echo \"$x\"",
    "x=`echo back`; echo $x; y=$(echo $(echo nested)); echo $y",
    "x=$(printf 'a\\n\\n\\n'); echo \"[$x]\"",
    "echo $(false) $?; x=$(exit 3); echo $?",
    // if / test / [[ ]]
    "if [ 1 -lt 2 ]; then echo lt; elif true; then echo no; else echo no; fi",
    "if false; then echo a; elif [ -n \"x\" ]; then echo b; else echo c; fi",
    "[ abc = abc ] && echo eq; [ abc != abd ] && echo ne; test -z \"\" && echo z",
    "[ ! -e /nonexistent ] && echo missing; [ -d / ] && echo dir; [ -f /etc/passwd ] && echo file",
    "[ 3 -gt 2 -a 1 -eq 1 ] && echo and; [ 1 -eq 2 -o 2 -eq 2 ] && echo or",
    "[[ 6.1.0 =~ ^([0-9]+)\\.([0-9]+) ]] && echo ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}",
    "k=6.1.0-rt-amd64; [[ \"$k\" =~ \"-rt-\" ]] && echo rt",
    "[[ abc == a* ]] && echo glob; [[ abc == \"a*\" ]] || echo literal",
    "[[ -n x && ( 1 -lt 2 || 0 -eq 1 ) ]] && echo grouped; [[ ! -z x ]] && echo not",
    "[[ b > a ]] && echo gt; [[ 10 -gt 9 ]] && echo num",
    // case
    "case 5.10.0 in 6.*) echo six;; 5.@(1[0-9])*) echo five-ten;; *) echo other;; esac",
    "case x86_64 in i?86|x86_64) echo intel;; esac; case abc in *) echo any;; esac",
    "case a in a) echo one;& b) echo fall;; c) echo no;; esac",
    "case \"$u\" in '') echo empty;; esac",
    "case foo in !(bar)) echo notbar;; esac; case aaa in +(a)) echo plus;; esac",
    // loops
    "for i in a b c; do echo $i; done",
    "A=(x y z); for i in \"${!A[@]}\"; do echo $i=${A[i]}; done",
    "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done",
    "i=0; until [ $i -ge 2 ]; do i=$((i+1)); done; echo $i",
    "for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done",
    "for ((i=0; i<3; i++)); do echo c$i; done",
    "for a in 1 2; do for b in x y z; do [ $b = y ] && continue 2; echo $a$b; done; done",
    "for a in 1 2; do i=0; while true; do i=$((i+1)); [ $i = 2 ] && break 2; echo $a$i; done; done; echo out",
    "for ((a=0; a<2; a++)); do for b in x y; do [ $b = y ] && break; echo $a$b; done; done",
    // lists and groups
    "true && echo yes || echo no; false && echo yes || echo no",
    "! false && echo negated",
    "{ echo g1; echo g2; }; (x=sub; echo $x); echo \"[$x]\"",
    // functions
    "f() { echo \"f:$1:$#\"; return 3; }; f a b; echo $?",
    "function g { local v=inner; echo $v; }; v=outer; g; echo $v",
    "f() { v=changed; }; v=orig; f; echo $v",
    "version_lt() { IFS='.' read -r i j k <<< \"$1\"; IFS='.' read -r a b c <<< \"$2\"; [ \"$i\" -lt \"$a\" ]; }; version_lt 5.10.0 6.1.0 && echo older",
    "r() { [ $1 -le 0 ] && return 0; r $(( $1 - 1 )); echo $1; }; r 3",
    // builtins
    "export E=1; unset E; echo \"[${E-unset}]\"",
    "set -- a b c; echo $# $2; shift; echo $1 $@",
    "eval 'x=evaluated'; echo $x; eval echo '$x'",
    "printf '%s-%d-%05.1f|%x\\n' a 42 3.14159 255; printf '%s\\n' one two",
    "printf -v out '%03d' 7; echo $out",
    "echo -n no-newline; echo; echo -e 'a\\tb'",
    "read -r a b <<< 'first second third'; echo \"$a|$b\"",
    "read x <<< \"  spaced  \"; echo \"[$x]\"",
    ": ; true; echo $?; false; echo $?",
    "type -t echo; command -v cd",
    "shopt -s extglob; x=aaa; echo ${x/+(a)/b}",
    "cd /; echo $PWD; pushd /tmp > /dev/null; echo $PWD; popd >/dev/null; echo $PWD",
    // pipelines and external commands
    "echo 6.1.0-28-amd64 | sed 's/-.*//'",
    "printf 'b\\na\\n' | sort | tr '\\n' ' '; echo",
    "x=$(echo hello | tr a-z A-Z); echo $x",
    "echo data > out.txt; cat out.txt; cat < out.txt; echo more >> out.txt; wc -l < out.txt",
    "ls /nonexistent 2>/dev/null || echo failed; ls /nonexistent 2>&1 >/dev/null | grep -c nonexistent",
    "grep -q root /etc/passwd && echo found",
    "X=5 sh -c 'echo $X'; echo \"[$X]\"",
    // here documents
    "cat <<EOF\nline $HOME\nEOF\ncat <<'EOF'\nraw $HOME\nEOF",
    // globbing
    "touch a.o b.o c.c; echo *.o; echo \"*.o\"; echo nomatch*",
    "touch x1 x2; A=(x*); echo ${#A[@]}",
    // word splitting
    "v='a  b   c'; for w in $v; do echo \"[$w]\"; done",
    "IFS=: ; v='a:b::c'; for w in $v; do echo \"[$w]\"; done",
    "set -- \"a b\" c; for w in \"$@\"; do echo \"[$w]\"; done; for w in $@; do echo \"($w)\"; done; echo \"$*\"",
    "e=''; set -- $e; echo $#; set -- \"$e\"; echo $#",
    // many globals (a sourced kernel .config) are frozen before a subshell: changes and
    // unsets on either side stay on their side
    "for i in $(seq 1 100); do eval v$i=$i; done; unset v4; x=$(v5=sub; unset v6; echo $v4 $v5 $v6 $v7); echo $x $v5 $v6; v7=new; unset v8; echo $(echo $v7 ${v8-unset}); (v9=sub; unset v10); echo $v9 $v10; echo ${!v9*}",
];

#[test]
fn snippets_match_bash() {
    let mut failures = Vec::new();
    for script in SAME_AS_BASH {
        let d1 = tempfile::tempdir().expect("tempdir");
        let d2 = tempfile::tempdir().expect("tempdir");
        let Some(expected) = bash(d2.path(), script) else {
            return; // no bash on this machine
        };
        let (got, err, _) = run_in(d1.path(), script);
        if got != expected {
            failures.push(format!(
                "script:\n{script}\nexpected:\n{expected}\ngot:\n{got}\nstderr:\n{err}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n----\n"));
}

#[test]
fn fixed_expectations() {
    assert_eq!(run("a=1; A[3]=x; echo $a ${A[3]} ${#A[@]}"), "1 x 1\n");
    assert_eq!(run("s=abc; echo ${s^^} ${s:1}"), "ABC bc\n");
    assert_eq!(run("x=$(echo hi); echo $x"), "hi\n");
    assert_eq!(run("case 6.1 in 6.*) echo yes;; esac"), "yes\n");
    assert_eq!(
        run("f() { local x=1; echo $x; }; f; echo \"[$x]\""),
        "1\n[]\n"
    );
    assert_eq!(run("[[ abc =~ b(c) ]] && echo ${BASH_REMATCH[1]}"), "c\n");
    assert_eq!(run("echo $((2**10))"), "1024\n");
}

/// dkms's serialisation line `NAME[i]="value"` is a pattern: it becomes the name of a file of
/// the cwd that it matches. The answers are remembered across evaluations, but a file added
/// since is seen (as by `echo` in bash).
#[test]
fn serialisation_glob_sees_a_file_added_between_evaluations() {
    let d = tempfile::tempdir().expect("tempdir");
    // answers about a directory changed within the last second are not kept: let it age
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let echo = |value: &str| {
        let mut out = String::new();
        let sh = shell_in(d.path());
        sh.unquoted_echo(" \t\n", "MAKE", "0", value, &mut out);
        out.push('|');
        sh.unquoted_echo(" \t\n", "MAKE", "0", value, &mut out);
        out
    };
    for _ in 0..2 {
        assert_eq!(echo("x"), "MAKE[0]=\"x\"|MAKE[0]=\"x\"");
        assert_eq!(echo("x  y"), "MAKE[0]=\"x y\"|MAKE[0]=\"x y\"");
    }
    std::fs::write(d.path().join("MAKE0=\"x\""), "").expect("write");
    std::fs::write(d.path().join("MAKE0=\"x"), "").expect("write");
    assert_eq!(echo("x"), "MAKE0=\"x\"|MAKE0=\"x\"");
    assert_eq!(echo("x  y"), "MAKE0=\"x y\"|MAKE0=\"x y\"");
}

/// The serialisation line under other IFS values is what bash's unquoted `echo` prints.
#[test]
fn serialisation_line_follows_ifs_like_bash() {
    let d = tempfile::tempdir().expect("tempdir");
    for (ifs, value) in [
        (" \t\n", "a\tb  c "),
        (" ", "a\tb  c "),
        (" ", " a b"),
        (":", "a b"),
        (":", "a:b"),
        ("", "a  b"),
    ] {
        let mut ours = String::new();
        let mut sh = shell_in(d.path());
        sh.set_global("IFS", ifs, false, false);
        sh.unquoted_echo(ifs, "MAKE", "0", value, &mut ours);
        let script = format!(
            "IFS=$'{}'; v=$'{}'; echo MAKE[0]=\\\"$v\\\"",
            ifs.escape_default(),
            value.escape_default()
        );
        if let Some(theirs) = bash(d.path(), &script) {
            assert_eq!(format!("{ours}\n"), theirs, "IFS {ifs:?}, value {value:?}");
        }
    }
}

#[test]
fn syntax_errors_name_line_and_column() {
    for (script, line) in [
        ("a=1\nif true; then\n  echo x\n", 4),
        ("echo 'unterminated\n", 1),
        ("a=1\necho \"open\n\n", 2),
        ("x=$(echo\n", 1),
        ("fi\n", 1),
        ("a=(1 2\n", 1),
        ("case x in\n a) echo;;\n", 3),
        ("echo ${a\n", 1),
    ] {
        let mut p = super::lexer::Parser::new(script, "f.conf");
        let mut err = None;
        loop {
            match p.next_command() {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let e = err.unwrap_or_else(|| panic!("no error for {script:?}"));
        assert_eq!(e.line, line, "{script:?}: {e}");
        assert!(e.column >= 1, "{e}");
        assert_eq!(e.file, Path::new("f.conf"));
    }
}

#[test]
fn commands_before_a_syntax_error_run() {
    let (out, err, status) = run_in(Path::new("/"), "echo before\nfi\necho after\n");
    assert_eq!(out, "before\n");
    assert!(
        err.contains("line 2: syntax error near unexpected token `fi'"),
        "{err}"
    );
    assert_eq!(status, 2);
}

#[test]
fn readonly_assignment_ends_the_shell() {
    let (out, err, status) = run_in(Path::new("/"), "readonly r=1\nr=2\necho after\n");
    assert_eq!(out, "");
    assert!(err.contains("r: readonly variable"), "{err}");
    assert_eq!(status, 1);
}

#[test]
fn limits_stop_bad_input() {
    let mut sh = shell_in(Path::new("/"));
    sh.set_limits(super::Limits {
        max_steps: 10_000,
        ..Default::default()
    });
    let io = Io {
        stdin: None,
        out: Sink::Null,
        err: Sink::Null,
    };
    // endless loop
    let r = sh.run_text("while :; do :; done", Path::new("x"), &io);
    assert!(
        matches!(r, Err(Ctl::Fatal(ref e)) if e.message.contains("endless loop")),
        "{r:?}"
    );
    // endless recursion
    let mut sh = shell_in(Path::new("/"));
    let r = sh.run_text("f() { f; }; f", Path::new("x"), &io);
    assert!(
        matches!(r, Err(Ctl::Fatal(ref e)) if e.message.contains("nesting")),
        "{r:?}"
    );
    // deep nesting in the parser
    let deep = "(".repeat(5000);
    let r = super::parser::parse(&deep, "x");
    assert!(r.is_err());
    let deep = "$(".repeat(5000);
    assert!(super::parser::parse(&format!("echo {deep}"), "x").is_err());
    // value growth
    let mut sh = shell_in(Path::new("/"));
    let r = sh.run_text(
        "x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done",
        Path::new("x"),
        &io,
    );
    assert!(matches!(r, Err(Ctl::Fatal(_))), "{r:?}");
    // huge arithmetic is bounded
    assert_eq!(run("echo $((2**99999999999))"), "0\n");
    // division by zero is an error, not a panic
    let (_, err, _) = run_in(Path::new("/"), "echo $((1/0))");
    assert!(err.contains("division by 0"), "{err}");
}

#[test]
fn binary_garbage_does_not_panic() {
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..300 {
        let mut bytes = Vec::new();
        for _ in 0..200 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let alphabet = b"$(){}[]'\"`\\|&;<> \n\tabc=#*?!@%-+:,0123";
            bytes.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut sh = shell_in(Path::new("/nonexistent-dir-for-tests"));
        sh.set_limits(super::Limits {
            max_steps: 2_000,
            max_time: std::time::Duration::from_secs(5),
            ..Default::default()
        });
        // no external command may run: an empty PATH
        sh.set_global("PATH", "", true, false);
        let io = Io {
            stdin: None,
            out: Sink::Null,
            err: Sink::Null,
        };
        let _ = sh.run_text(&text, Path::new("garbage"), &io);
    }
}
