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
    run_as(dir, script, "test.sh")
}

/// Run a script as the file `name`; (stdout, stderr, status).
fn run_as(dir: &Path, script: &str, name: &str) -> (String, String, i32) {
    let (o, e, status) = run_ctl(dir, script, name);
    (o, e, status.unwrap_or_else(|s| s))
}

/// `run_as`, with `Err(status)` when the script ended the shell (`exit`, a fatal error).
fn run_ctl(dir: &Path, script: &str, name: &str) -> (String, String, Result<i32, i32>) {
    let mut sh = shell_in(dir);
    let out = Rc::new(RefCell::new(Vec::new()));
    let err = Rc::new(RefCell::new(Vec::new()));
    let io = Io {
        stdin: None,
        out: Sink::Buf(out.clone()),
        err: Sink::Buf(err.clone()),
    };
    let status = match sh.run_text(script, Path::new(name), &io) {
        Ok(s) | Err(Ctl::Return(s)) => Ok(s),
        Err(Ctl::Exit(s)) => Err(s),
        Err(Ctl::Fatal(e)) => {
            err.borrow_mut().extend_from_slice(e.to_string().as_bytes());
            Ok(-1)
        }
        Err(_) => Ok(0),
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
    "A=(a b c); n=1; for ((i = $n; i < ${#A[@]}; i += \"$n\")); do echo ${A[i]}; done",
    "s=';'; for (( j=$(echo 2) ; j > 0 ; j-- )) ; do echo \"$s$j\"; done; for ((;;)); do break; done",
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
    "n=1; printf -v \"A[$n]\" '%s' x; printf -v 'A[n+2]' '%d' 4; echo ${!A[@]} ${A[@]}",
    "IFS=. read -r 'V[2]' 'V[3]' <<< 5.10.2; echo ${!V[@]} ${V[@]}",
    "read -ra P <<< '5 10 0'; echo ${#P[@]} ${P[1]}; read -rd: x <<< 'a:b'; echo $x",
    "IFS=. read -r -a Q <<< 1.2; read -a R -r <<< 'x\\y z'; echo ${Q[1]} ${R[@]}",
    "type -P true; type -p true; type -p sh; type -t sh; type -tP true; type -p -t sh",
    "type -p nosuch; echo $?; type -P if; echo $?; f() { :; }; type -p f; echo $?",
    "(( BASH_VERSINFO[0] >= 4 )) && echo new; echo ${BASH_VERSION%%.*} $HOSTTYPE $OSTYPE",
    "a=(); f() { printf '<%s>' \"$@\"; echo \" $#\"; }; f \"${!a[@]}\"; f \"${a[@]:+x}\"; f \"${a[@]:-d}\"; f \"${a[@]+x}\"; f \"${#a[@]}\"; f \"${a[*]}\"",
    "a=(); f() { echo $#; }; f \"${a[@]:1}\" \"${a[@]//x}\" \"${a[@]^}\" \"${a[@]/#/p}\"; set --; f \"${@^}\" \"${@:1}\" \"${@#x}\"; b=(1); f \"${b[@]:5}\" \"${!a[*]}\"",
    "M=(); for i in \"${!M[@]}\"; do B[i]=x; done; echo ${#B[@]}",
    "{ A[0]=x true; echo \"$? ${A[0]-unset}\"; i=1; B[$i]=y C=z eval 'echo \"[${B[1]}] $C\"'; } 2>&1 | sed 's/^.*line [0-9]*: //'",
    "f() { echo $#; }; f \"${!NOMATCH_@}\"; f \"${!NOMATCH_*}\"; A_1=x; A_2=y; f \"${!A_@}\"; f \"${!A_*}\"",
    "f() { g; }; g() { echo ${FUNCNAME[0]} ${FUNCNAME[1]} ${#FUNCNAME[@]} ${FUNCNAME}; }; f",
    "x=$'a\\nb\\tc'; echo \"${x//$'\\n'/,}\" ${x//$'\\t'/+} \"${u:-$'q\\x41'}\" ${x/$'a'/Z}",
    "declare -A M=([mlx5_core]=1 [mlxbf_gige]=2 [pwr_mlxbf]=5); M[x]=6; echo ${!M[@]}; echo ${M[@]}",
    "declare -A N; for k in a b c d e f g h i j; do N[$k]=$k; done; echo \"${!N[*]}\" \"${N[@]}\"",
    "A=(x); x=5; echo ${!A[@]:-d} ${!A[*]+alt} ${!A[@]}; B=(x y); (echo ${!B[@]-q}; echo no) 2>&1 | sed 's/^.*line [0-9]*: //'",
    "(unset x; echo \"${!x}\"; echo no) 2>&1 | sed 's/^.*line [0-9]*: //'; (x=; echo ${!x:-d}; echo no) 2>&1 | sed 's/^.*line [0-9]*: //'",
    "x='a[1]'; a=(p q); echo ${!x}; (x='1a'; echo ${!x}; echo no) 2>&1 | sed 's/^.*line [0-9]*: //'",
    "{ [ = x ]; test = x; [ abc -lt 3 ]; test a b c; } 2>&1 | sed 's/^.*line [0-9]*: //'",
    "while IFS=: read -r a b; do echo \"$b-$a\"; done < <(printf '%s\\n' x:1 y:2; echo z)",
    "mapfile -t L < <(printf 'a\\n\\nb\\n\\n'); echo ${#L[@]} \"${L[*]}\"",
    "read -r x < <(exit 3); echo \"$? $x\"; cat < <(echo one) < <(echo two)",
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
    // brace expansion
    "printf '[%s]' pre{a,b}post {a,{b,c}} a{,}b {,} {,a} x{a,b}{,}; echo",
    "printf '[%s]' {1..10} {10..1} {a..e} {1..10..3} {01..10} {-3..3..3} {-01..2} {5..1..2}; echo",
    "printf '[%s]' {1..5..-2} {+1..3} {9..11} {09..11} {00..0} {a..c..-1} {a..c}{1..2}; echo",
    "printf '[%s]' {a} {} {a..} {1..a} {1...3} {1..2.} {1..3..} {1..3..x} {a..b..c}x{1,2}; echo",
    "printf '[%s]' {a{b,c}} {a}b{c,d} {{a,b} {a,b}} {a,b {a,b}{} x{}{a,b} {},{a,b} {a.b,c}; echo",
    "printf '[%s]' \"{a,b}\" '{1..3}' \\{a,b} {a,b\\} {a\\,b,c} {a'b',c} {\"a,b\"..c}; echo",
    "a=1 b=2; printf '[%s]' {$a,$b} ${a}{x,y} ${a:-{x,y}} $(echo {p,q}) \"${a}\"{m,n}; echo",
    "X={a,b}; echo \"$X\"; A=({a,b}.c x{1..2}); echo ${A[@]}; A+=(y{1,2}); echo ${A[@]}",
    "f() { local y={a,b}; declare -a q=({a,b}.c) r={c,d}; echo $y ${q[@]} $r; }; f; export Z={1..2}; echo $Z",
    "for i in {1..3} {x,y}; do echo -n $i; done; echo",
    "[[ {a,b} == '{a,b}' ]] && echo cond; case {a,b} in '{a,b}') echo case;; esac",
    "printf '[%s]' {a..E} {Z..a}; echo",
    "printf '[%s]' {~,x} ~{a,b} {1..9223372036854775807..4611686018427387904}; echo",
    "set +B; echo {a,b}; set -o braceexpand; echo {a,b}; set +o braceexpand; echo {1..2}",
    "touch a1 a2 b1; echo {a,b}* {a..b}1 {c,a}?",
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
        ("x=$(echo\n", 2),
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

/// Sourced files with a syntax error: what bash prints on stderr (file, line, message, and
/// the offending line's text where bash shows it) and what ran before the error.
const SYNTAX_ERRORS: &[&str] = &[
    "a=1\nif then\nb=2\n",
    "echo before\nif true; then\n:\n",
    "echo \"abc\n",
    "echo 'abc\n",
    "a=1\necho \"abc\nd\n",
    "f() {\n:\n",
    "x=$(\n",
    "(\n:\n",
    "case x in\n",
    "case x in x) :;\n",
    "for i in a b\n",
    "while :; do\n",
    "fi\n",
    ":\n:\ndone\n",
    "echo )\n",
    "echo ;;\n",
    "}\n",
    "a && \n",
    "| a\n",
    "; a\n",
    "echo a |\n",
    "[[ a == \n",
    "[[ a b ]]\n",
    "(( 1 + \n",
    "f() echo\n",
    "function\n",
    "echo `abc\n",
    "echo ${a\n",
    "echo $((1+\n",
    "if true; then :; else\n",
    "if true; then :; elif\n",
    "if true; then :; fi fi\n",
    "else\n",
    "elif true\n",
    "do\n",
    "esac\n",
    "&& true\n",
    "echo a && && b\n",
    "echo a; ;\n",
    "echo a | | b\n",
    "if true; then fi\n",
    "while do done\n",
    "for do\n",
    "for i in; do done\n",
    "case x in esac; case x\n",
    "case x in a) ;; b\n",
    "case x in (a ;; esac\n",
    "case x in a|) ;; esac\n",
    "{ echo; \n",
    "{ }\n",
    "( )\n",
    "f() { :; } }\n",
    "f() {\n  echo a\n",
    "function f\n",
    "function f (\n",
    "echo a >\n",
    "echo a > ;\n",
    "echo a 2>&\n",
    "echo (a)\n",
    "a=1 (b)\n",
    "echo a\n\n\nif then fi\necho b\n",
    "MAKE=\"make\"\nif [ -n x ]; then\n  CLEAN=x\nelse\nfi\n",
    "if true\nthen\n  echo a\nfi\nfi\n",
    "for i in 1 2; do\n  echo $i\ndone done\n",
    "[[ -f ]]\n",
    "[[ ( a ]]\n",
    "[[ a && ]]\n",
    "[[ ]]\n",
    "((\n",
    "echo $(( \n",
    "echo $(echo a\n",
    "x=`echo\n",
    "echo \"$(echo \"a\")\n",
    "a=1\n b=2 \\\n if then\n",
    "echo a # comment\nthen\n",
    "echo x; then echo y\n",
    "! ! true\n",
    "echo ${a:-x\n",
    "[[ a b c ]]\n",
    "[[ -f a b ]]\n",
    "[[ a == ]]\n",
    "[[ a\n",
    "[[\n",
    "[[ ( ]]\n",
    "[[ ! ]]\n",
    "[[ a ) ]]\n",
    "[[ a =~ ]]\n",
    "[[ a ]] ]]\n",
    "[[ a ; ]]\n",
    "[[ a < ]]\n",
    "[[ ( a ) b ]]\n",
    "[[ a && && b ]]\n",
    "[[ a || ]]\n",
    "x=1\n[[ a b ]]\necho after\n",
    "if [[ a b ]]; then :; fi\n",
    "[[ a -eq ]]\n",
    "[[ -n ]]\n",
    "[[ -z\n]]\n",
    "[[ ( a b ) ]]\n",
    "[[ ( -f ) ]]\n",
    "[[ ( a ) ) ]]\n",
    "[[ a\n&& b ]]\n",
    "[[ ! a b ]]\n",
    "[[ a == b c ]]\n",
    "[[ \"a\" b ]]\n",
    "[[ a ]] && [[ b c ]]\n",
    "[[ (\n",
    "[[ a |\n",
    // found by the corpus mutants
    "for x\nPACKAGE_VERSION=\"1.0\"\r\n",
    "a=1\nfunction AUTOINSTALL=\"yes\"\n",
    "for MAKE=\"a b\"\nCLEAN=x\n",
    "echo a\nin x\n",
    "]] x\n",
    "MODULES_CONF[0]=\"blacklist ${ bdc_pci\"\n",
    "x=\"a ${b\n",
    "echo a \\ \\\n  && echo b\n",
    "case \n",
    "function \n",
    "echo a >",
    "if true; then :; fi",
    "for a=b in x; do echo in; done; echo \"st=$?\"\necho next\n",
    "for x\nPATCH=(a.patch b/c.patch)\n",
    "f() {\n  ${ if true; then\n    :\n  fi\n}\n",
    "a=1; echo ${a b}; b=2\n",
    "a=1\nx=`dirname ( $BASH_SOURCE`\necho \"x=[$x] $?\"\ny=`if`\necho next\n",
    "k=${k:-$(uname k=${k:-$(uname -r)}\nb=1\n",
    "((cd /); echo b)\n((echo a) fi\n",
    // case, functions, redirections, lists
    "case x in a) echo;; b) esac\n",
    "case x in a) ;; ;; esac\n",
    "case in\n",
    "case x y in a) ;; esac\n",
    "case x in a b) ;; esac\n",
    "case x in\na) :\nb) :\nesac\n",
    "case x in a) ;; esac esac\n",
    "f(x) { :; }\n",
    "f () ( )\n",
    "function f() echo\n",
    "f() {\n  local x=1\n}\n}\n",
    "f() { :; };; \n",
    "echo > > x\n",
    "echo a 2>\n",
    "cat <<\n",
    "echo a && || b\n",
    "echo a & & b\n",
    "if true; then :; elif; then :; fi\n",
    "if true; then :; else :; elif true; then :; fi\n",
    "while true; do :; done done\n",
    "until; do :; done\n",
    "for i in a b; do :; od\n",
    "for ((i=0;i<2;i++)) :\n",
    "{ :; } }\n",
    "( :; ) )\n",
    "x=1 y=2 (z)\n",
    "! !\n",
    "a=1\n\n\n\n",
    "echo $(( 1 + \n 2 )\n",
    "cat <<EOF\nabc\n",
    "a=1\ncat <<EOF\nabc\ndef\n\n",
    "cat <<EOF\nabc",
    "cat <<-\"E\"; echo x\n\tabc\n",
    "[[ \"$k\" =~ (( \"-rt-\" ]] && b=yes\nc=1\n",
    "echo a | ! sed s/a/b/\n",
    "for x { echo a; }\n",
    "{ > \\\n",
    "[[ esac \"\n",
    "[[ ! until ` \\ ||\n",
    "[[ a =~ \"x ]]\n",
    "[[ a == \"x\n]]\n",
    "[[ -n \"a ]]\n",
    "[[ a =~ $(x ]]\n",
];

#[test]
fn syntax_errors_match_bash() {
    sourced_files_match_bash(SYNTAX_ERRORS, false);
}

/// Expansion errors in a sourced file, each on line 1 with `echo "next $?"` on line 2: bash
/// abandons the current top-level command (or fails one command, or ends the shell).
/// (Not yet word for word: bash's error token after `division by 0` and `exponent less than
/// 0`, and the variable's value rather than its name when `$((x))` fails inside x's value.)
const EXPANSION_ERRORS: &[&str] = &[
    "X=$(( 1 + )); Y=after; echo \"Y=$Y\"\necho \"next $? $Y\"\n",
    "echo $((3#9)); echo same\necho \"next $?\"\n",
    "echo $((08)); echo same\necho \"next $?\"\n",
    "readonly r=1; echo $((r=2)); echo same\necho \"next $?\"\n",
    "readonly r=1; (( r=2 )); echo same $?\necho \"next $?\"\n",
    "(( 1 + )); echo same $?\necho \"next $?\"\n",
    "let \"1+\"; echo same $?\necho \"next $?\"\n",
    "[[ 1+ -eq 1 ]]; echo same $?\necho \"next $?\"\n",
    "[[ ! 1+ -eq 1 ]]; echo same $?\n[[ 1+ -eq 1 || 1 -eq 1 ]]; echo same $?\n[[ $((1+)) -eq 1 ]]; echo same $?\necho \"next $?\"\n",
    "for ((i=0; i<1+; i++)); do echo l; done; echo same $?\necho \"next $?\"\n",
    "A[$((1+))]=3; echo same\necho \"next $?\"\n",
    "echo ${A[$((1+))]}; echo same\necho \"next $?\"\n",
    "A[1+]=3; echo same\necho \"next $?\"\n",
    "echo ${A[1+]}; echo same\necho \"next $?\"\n",
    "A=([1+]=3); echo same\necho \"next $?\"\n",
    "a=abc; echo ${a:$((1+))}; echo same\necho \"next $?\"\n",
    "a=abc; echo ${a:1+}; echo same\necho \"next $?\"\n",
    "a=abc; echo ${a:1:1+}; echo same\necho \"next $?\"\n",
    "a=abc; echo ${a: -1+}; echo same\necho \"next $?\"\n",
    "a=abc; echo ${a:1:-5}; echo same\necho \"next $?\"\n",
    "echo ${x:-$((1+))}; echo same\necho \"next $?\"\n",
    "f(){ echo $((1+)); echo inf; }; f; echo same\necho \"next $?\"\n",
    "f(){ local x=$((1+)); echo inf; }; f; echo same\necho \"next $?\"\n",
    "for i in 1 2; do echo $((1+)); done; echo same\necho \"next $?\"\n",
    "if [ $((1+)) = 2 ]; then :; fi; echo same\necho \"next $?\"\n",
    "case $((1+)) in *) echo c;; esac; echo same\necho \"next $?\"\n",
    "{ echo $((1+)); echo in; }; echo same\necho \"next $?\"\n",
    "true && echo $((1+)) || echo or; echo same\necho \"next $?\"\n",
    "x=$(echo a; echo $((1+)); echo b); echo \"[$x] $?\"\necho \"next $?\"\n",
    "( echo $((1+)); echo in ); echo \"out $?\"\necho \"next $?\"\n",
    "echo $((1+)) | cat; echo \"same $?\"\necho \"next $?\"\n",
    "eval \"y=\\$((1+)); z=1\"; echo \"z=$z $?\"\necho \"next $?\"\n",
    "f(){ eval \"echo \\$((1+))\"; echo inf; }; f; echo \"st=$?\"\necho \"next $?\"\n",
    "x=$((1+)) y=2; echo same\necho \"next $?\"\n",
    "echo \"$((1+))\"; echo same\necho \"next $?\"\n",
    "set -e; echo $((1+)); echo same\necho \"next $?\"\n",
    "set -e; (( 1+ )); echo same\necho \"next $?\"\n",
    "set -e; x=$(echo $((1+))); echo same\necho \"next $?\"\n",
    "echo a\nb=$((1+)); echo no\necho c\n",
    "echo $(( 1/0 + 5 ))\necho $((1/(1-1)))\necho $((2**-1))\necho $((2**(0-1)+3))\necho $((5%0*3))\necho $(( (1/0) ))\necho $((1%0))\necho \"next $?\"\n",
    "x=1+; echo $((x)); echo same\ny=foo@; echo $((2*y))\necho $((1 @ 2))\necho $((1 2))\nz=x; (( z + 1 ))\necho \"next $?\"\n",
    "echo ${!x}; echo same\nx=\"a b\"; echo ${!x}; echo same\necho \"next $?\"\n",
    "A=(1 2); echo ${A[-5]}; echo same $?\nA[-5]=3; echo same\nx=${A[-5]}; echo same $?\nunset \"A[-5]\"; echo same $?\necho \"next $?\"\n",
    // eval's lines count from the eval's; a function's from the file
    "a=1\n\neval $'b=2\\necho $((1+))'\nf() { echo $((1+)); }\neval 'f'\necho \"next $?\"\n",
    // in a subshell the error ends the subshell, through `source` and `eval`
    "( echo $((1+)); echo same\necho nextline ); echo \"st=$?\"\n",
    "(eval \"echo \\$((1+))\"; echo after); echo \"st=$?\"\n",
    "printf 'X=$((1+)); echo no\\necho in\\n' > u.conf\nx=$(. ./u.conf; echo after); echo \"[$x] $?\"\n",
    // at the top level a sourced file goes on with its next line, and so does its caller
    "printf 'X=$((1+)); echo no\\necho in\\n' > u.conf\n. ./u.conf; echo \"after $?\"\n",
];

#[test]
fn expansion_errors_match_bash() {
    sourced_files_match_bash(EXPANSION_ERRORS, true);
}

/// Each script as a file `./t.conf` sourced by bash (`. ./t.conf; echo "[$?]"`) and by us:
/// the same stdout, stderr and status (none when the shell ended and `exits` is set).
fn sourced_files_match_bash(scripts: &[&str], exits: bool) {
    let mut failures = Vec::new();
    let mut compared = 0;
    for script in scripts {
        let d1 = tempfile::tempdir().expect("tempdir");
        let d2 = tempfile::tempdir().expect("tempdir");
        std::fs::write(d2.path().join("t.conf"), script).expect("write");
        let Ok(b) = std::process::Command::new("bash")
            .args(["-c", ". ./t.conf; echo \"[$?]\""])
            .current_dir(d2.path())
            .env_clear()
            .output()
        else {
            return; // no bash on this machine
        };
        let (bout, berr) = (
            String::from_utf8_lossy(&b.stdout).into_owned(),
            String::from_utf8_lossy(&b.stderr).into_owned(),
        );
        let (out, oerr, status) = run_ctl(d1.path(), script, "./t.conf");
        let oout = match status {
            Ok(s) => format!("{out}[{s}]\n"),
            Err(s) if !exits => format!("{out}[{s}]\n"),
            Err(_) => out,
        };
        compared += 1;
        if (oout.as_str(), oerr.as_str()) != (bout.as_str(), berr.as_str()) {
            failures.push(format!(
                "script: {script:?}\nbash: {bout:?} {berr:?}\nours: {oout:?} {oerr:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n----\n")
    );
}

/// The parse errors of a whole file as bash prints them (`None`: it parses), or `Err` when
/// the file reaches a construct outside the subset (the parse cannot go on natively).
fn parse_report(text: &str) -> Result<Option<String>, ()> {
    let mut p = super::lexer::Parser::new(text, "./t.conf");
    let mut warnings = String::new();
    loop {
        let r = p.next_command();
        for w in p.take_warnings() {
            warnings.push_str(&crate::output::conf::syntax_error(&w, text));
        }
        match r {
            Ok(Some(_)) => {}
            Ok(None) => return Ok((!warnings.is_empty()).then_some(warnings)),
            Err(e) if e.is_unsupported() || e.message.starts_with("nesting deeper") => {
                return Err(())
            }
            // bash's error when the line runs: the parse goes on
            Err(e) if e.message.ends_with(": bad substitution") => {}
            Err(e) => {
                return Ok(Some(
                    warnings + &crate::output::conf::syntax_error(&e, text),
                ))
            }
        }
    }
}

/// Our report and `bash -n`'s agree: the same, or ours is bash's first error (`bash -n`
/// goes on after an error; sourcing stops at the first, as we do).
fn same_first_error(ours: &Option<String>, theirs: &Option<String>) -> bool {
    match (ours, theirs) {
        (Some(o), Some(t)) => t.strip_prefix(o.as_str()).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .split_once(": line ")
                    .and_then(|(_, r)| r.split_once(": "))
                    .is_some_and(|(_, m)| !m.starts_with('`'))
        }),
        // an error bash is silent about (`[[ ]]`): `bash -n` may exit 0
        (Some(o), None) => o.is_empty(),
        _ => ours == theirs,
    }
}

/// `bash -n` on a file: its error lines (`None`: it parses). `Err` without bash.
fn bash_parse_report(dir: &Path, text: &str) -> Result<Option<String>, ()> {
    std::fs::write(dir.join("t.conf"), text).map_err(|_| ())?;
    let out = std::process::Command::new("bash")
        .args(["-O", "extglob", "-n", "./t.conf"])
        .current_dir(dir)
        .env_clear()
        .output()
        .map_err(|_| ())?;
    Ok((!out.status.success() || !out.stderr.is_empty())
        .then(|| String::from_utf8_lossy(&out.stderr).into_owned()))
}

/// Valid bash that real files may use: "what bash accepts, we accept" (each is checked
/// with `bash -n` too, so a row that bash rejects fails the test as well).
const VALID: &[&str] = &[
    "if true; then :; fi;",
    "case x in (x) ;; esac",
    "case x in x) ;; esac",
    "case x in x) echo a;; (y|z) echo b;;& *) echo c;& q) ;; esac",
    "case x in\n  x)\n    echo\n    ;;\nesac",
    "case x in x) echo; esac",
    "case $v in *.ko|*.o) ;; \"a b\") ;; esac",
    "f() ( : )",
    "f() { :; }",
    "f()\n{\n  :\n}",
    "function f { :; }",
    "function f () { :; }",
    "function f ( : )",
    "f() if true; then :; fi",
    "f() for i in a; do :; done",
    "f() [[ -n x ]]",
    "f() (( 1 ))",
    "f() { :; } > /dev/null",
    "a=b c=d",
    "a=b c=d :",
    "{ :; }",
    "{ :; } > /dev/null 2>&1",
    "( : ) | cat",
    "! true",
    "! true | false",
    "[[ a == a ]] && :",
    "[[ a ]]",
    "[[ ! a ]]",
    "[[ ( a ) ]]",
    "[[ -n a && ( b || c ) ]]",
    "[[ a &&\n b ]]",
    "[[ a =~ ^(x|y)$ ]]",
    "[[ a < b || a > b ]]",
    "[[ -f /x ]] || [[ -d /y ]]",
    "for i; do :; done",
    "for i do :; done",
    "for i in a b; do :; done",
    "for i in a b\ndo\n  :\ndone",
    "for i in; do :; done",
    "for i in a; { :; }",
    "for x\n{ echo a; }",
    "for ((i=0;i<2;i++)); do :; done",
    "for ((;;)); do break; done",
    "for (( i = 0 ; i < 2 ; i++ )) { :; }",
    "while false; do :; done",
    "until true; do :; done",
    "while read -r l; do :; done < /dev/null",
    "cat <<EOF\nx $a\nEOF",
    "cat <<'EOF'\nx $a\nEOF",
    "cat <<-EOF\n\tx\n\tEOF",
    "cat <<EOF; echo after\nbody\nEOF",
    "cat <<A <<B\na\nA\nb\nB",
    "x=$(cat <<EOF\nhi\nEOF\n)",
    "echo a \\\n  b # comment",
    "echo a # comment \\\necho b",
    "echo \\\n# not a comment",
    "x=$( case x in x) echo;; esac )",
    "x=$(case x in (x) echo;; esac)",
    "x=$( echo \"$( echo 'a' )\" )",
    "x=\"$(echo \"a b\")\"",
    "x=`echo \\`echo a\\``",
    "x=\"`echo \"a\"`\"",
    "x=$((1 + $(echo 2)))",
    "x=$(( (1 + 2) * 3 ))",
    "x=$( (echo a) )",
    "(( x = 1, y = 2 ))",
    "echo ${a:-\"x y\"} ${a//\\//_} ${a#\"$b\"} ${a:+'q'}",
    "echo ${a[@]:1:2} ${#a[@]} ${!a[@]} ${a[$i+1]}",
    "A=(a b\n  c # comment\n  d)",
    "A=([0]=a [5]=b)",
    "A+=(x)",
    "declare -A M=([k]=v)",
    "local x=1 2>/dev/null",
    "export A=1 B",
    "echo a; echo b & echo c",
    "echo a &\necho b",
    "true && false || true",
    "true &&\nfalse ||\ntrue",
    "echo a |\ncat",
    "echo a |& cat",
    "echo a >| /dev/null",
    "echo a 2>&1 >/dev/null <&0 3<> /dev/null",
    "exec 3>&-",
    "echo $'a\\'b' $\"x\"",
    "echo 'a'\"b\"c\\ d",
    "echo }",
    "echo {",
    "echo a{b,c} {1..3}",
    "echo \\{a,b\\} \"{\" '}'",
    "echo if then fi done",
    "echo esac do",
    "x=if; y=fi",
    "echo #notacomment#",
    "echo a#b",
    "[ -n x ] && echo ]",
    "test -f x -o -d y",
    "if true\nthen\n  :\nelif false\nthen\n  :\nelse\n  :\nfi",
    "if { true; }; then (:); fi",
    "if ! true; then :; fi",
    "while true; do break; done; :",
    "\n\n  \n# only comments\n",
    "",
    "echo a;",
    "f() { echo \"$@\"; }; f 1",
    "set -- a; shift",
    "a=$'\\t' b=\"\\\"\" c='\\'",
    "echo \"a\\\nb\"",
    "echo $((2#101)) $((0x1f))",
    "x=~ y=~/a z=a:~/b",
    "echo @(a|b) !(x) *(y) +(z) ?(w)",
    "case a in @(a|b)) ;; esac",
    "echo a >&2",
    "time true",
    "coproc true",
    "select x in a; do break; done",
    "!\necho $?",
    "! ; echo $?",
    "for a=b in x; do :; done",
    "function f=x { :; }",
    "x=`dirname ( $BASH_SOURCE`",
    "x=\"`if`\"",
    "x=\"$(\n${ a {\n}\n)\"",
    "((echo a) )",
    "((cd /); echo b)",
    "[[ a =~ (x|\ny) ]]",
    "[[ a =~ (a;b&c) ]] || :",
    "x=${k:-$(uname ${k:-$(uname -r)})}",
];

#[test]
fn what_bash_accepts_we_accept() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for script in VALID {
        let Ok(theirs) = bash_parse_report(d.path(), script) else {
            return; // no bash on this machine
        };
        if let Some(e) = theirs {
            failures.push(format!("bash rejects {script:?}: {e}"));
            continue;
        }
        if let Ok(Some(e)) = parse_report(script) {
            failures.push(format!("we reject {script:?}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A number from the environment (to widen the random tests by hand), or `default`.
fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A reproducible generator: each call gives a number below its argument.
fn xorshift(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    }
}

/// Mutants of the real corpus files (`../shared/corpus`, when present): lines and tokens
/// deleted, duplicated, swapped, or a shell token inserted. Our parse and `bash -n` must
/// agree on acceptance and print the same error lines.
#[test]
fn corpus_mutants_parse_as_bash_does() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/confs");
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        return; // no corpus beside the repository
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("dkms.conf")).ok())
        .collect();
    files.sort();
    const INSERTS: &[&str] = &[
        "fi", "then", "done", "do", "esac", "else", "elif", ";;", ")", "(", "{", "}", "\"", "'",
        "|", "&&", ";", "[[", "]]", "$(", "`", "if", "case", "for", "while", "in", "!", "&", "((",
        "))", "${", "function", "<", ">",
    ];
    let d = tempfile::tempdir().expect("tempdir");
    // DKMS_MUTANTS=N DKMS_MUTANT_SEED=S widen the search by hand
    let per_file = env_number("DKMS_MUTANTS", 8);
    let mut next = xorshift(env_number("DKMS_MUTANT_SEED", 0x2545f4914f6cdd1d));
    let (mut compared, mut failures) = (0, Vec::new());
    for text in &files {
        for _ in 0..per_file {
            let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
            let l = next(lines.len());
            match next(6) {
                0 => {
                    lines.remove(l);
                }
                1 => lines.insert(l, lines[l].clone()),
                2 if l + 1 < lines.len() => lines.swap(l, l + 1),
                op => {
                    let mut words: Vec<String> = lines[l].split(' ').map(str::to_string).collect();
                    let w = next(words.len());
                    match op {
                        3 => {
                            words.remove(w);
                        }
                        4 => words.insert(w, words[w].clone()),
                        _ => words.insert(w, INSERTS[next(INSERTS.len())].to_string()),
                    }
                    lines[l] = words.join(" ");
                }
            }
            let mutant = lines.join("\n");
            let Ok(theirs) = bash_parse_report(d.path(), &mutant) else {
                return; // no bash on this machine
            };
            let Ok(ours) = parse_report(&mutant) else {
                continue; // outside the subset: bash reads it
            };
            compared += 1;
            if !same_first_error(&ours, &theirs) {
                failures.push(format!(
                    "mutant:\n{mutant}\nbash: {theirs:?}\nours: {ours:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} mutants differ:\n{}",
        failures.len(),
        failures.join("\n----\n")
    );
}

/// Random words of brace syntax, expanded by bash and by us. (Letter ranges stay within
/// lower case: bash re-reads a `` ` `` or `\` made by `{b..Z}` as shell syntax.)
#[test]
fn random_brace_words_expand_as_in_bash() {
    const PIECES: &[&str] = &[
        "{", "{", "{", "}", "}", "}", ",", ",", "..", "..", "a", "b", "1", "2", "0", "-", "x", "c",
        "\\{", "\\,", "'q,'", "$v", "${v}", "\"{\"",
    ];
    // DKMS_BRACE_WORDS=N DKMS_BRACE_SEED=S widen the search by hand
    let mut next = xorshift(env_number("DKMS_BRACE_SEED", 0x9e3779b97f4a7c15));
    let mut script = String::from("v=V\n");
    for _ in 0..env_number("DKMS_BRACE_WORDS", 1500) {
        let word: String = (0..1 + next(10))
            .map(|_| PIECES[next(PIECES.len())])
            .collect();
        script.push_str(&format!("printf '<%s>' {word}; echo\n"));
    }
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("words.sh"), &script).expect("write");
    let Some(expected) = bash(d.path(), ". ./words.sh") else {
        return; // no bash on this machine
    };
    let got = run(&script);
    let lines = script
        .lines()
        .skip(1)
        .zip(expected.lines().zip(got.lines()));
    let diffs: Vec<String> = lines
        .filter(|(_, (e, g))| e != g)
        .map(|(s, (e, g))| format!("{s}\n  bash: {e}\n  ours: {g}"))
        .collect();
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    assert_eq!(expected.lines().count(), got.lines().count());
}

/// Random token sequences (a few lines of shell words and operators): our parse and
/// `bash -n` agree on acceptance and on the first error lines. (Left out: here-documents,
/// whose bodies bash reads at the end of the line, before or after an error there, and
/// `((` that is not arithmetic, whose text bash shows as it re-reads it.)
#[test]
fn random_token_lines_parse_as_bash_does() {
    const TOKENS: &[&str] = &[
        "if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case",
        "esac", "{", "}", "(", ")", "[[", "]]", "!", ";", ";;", "&", "&&", "||", "|", "\n", "\n",
        "\n", "x", "y=1", "a", "b", "$(", "`", "\"", "'", ">", "<", "2>&1", "f()", "function",
        "$x", "${x}", "\\", "#", "==", "-n", "=~",
    ];
    let mut next = xorshift(env_number("DKMS_TOKENS_SEED", 0x853c49e6748fea9b));
    let d = tempfile::tempdir().expect("tempdir");
    let (mut compared, mut failures) = (0, Vec::new());
    for _ in 0..env_number("DKMS_TOKENS", 300) {
        let n = 1 + next(12);
        let text: Vec<&str> = (0..n).map(|_| TOKENS[next(TOKENS.len())]).collect();
        let text = text.join(" ") + "\n";
        let Ok(theirs) = bash_parse_report(d.path(), &text) else {
            return; // no bash on this machine
        };
        let Ok(ours) = parse_report(&text) else {
            continue; // outside the subset
        };
        compared += 1;
        if !same_first_error(&ours, &theirs) {
            failures.push(format!("{text:?}\n  bash: {theirs:?}\n  ours: {ours:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Hostile input for brace expansion, the parser's error paths and the associative arrays:
/// each case ends with its value or with an error naming the limit, never a panic (the
/// limits are in the README).
#[test]
fn hostile_input_ends_with_a_value_or_an_error() {
    let many = |s: &str, n: usize| s.repeat(n);
    let keys: String = (0..100_000).map(|i| format!("[k{i}]={i} ")).collect();
    let cases: Vec<(String, &str)> = vec![
        (format!("echo {}", many("{a,b}", 40)), "brace expansion: more than"),
        ("echo {1..100000000}".into(), "more than 1048576 words"),
        (
            "echo {1..1000}{1..1000}{1..1000}".into(),
            "brace expansion: more than",
        ),
        (
            format!("echo {}b{}", many("{a,", 10_000), many("}", 10_000)),
            "nested deeper than 100",
        ),
        (
            format!("echo {}a,b{}", many("{", 10_000), many("}", 10_000)),
            "too complex",
        ),
        (format!("echo {}", many("{", 1_000_000)), "too complex"),
        (format!("echo {}", many("{x}", 300_000)), "too complex"),
        (format!("echo {}", many("{a,b}", 200_000)), "brace expansion: more than"),
        (format!("echo {}", many("{1..500000} ", 20)), "words in one evaluation"),
        (
            format!("declare {}", many("x={1..500000} ", 20)),
            "words in one evaluation",
        ),
        (format!("echo {}", many("$(", 500_000)), "nesting deeper than"),
        (
            format!("x={}\ny=${{x//?/{{a,b}}}}\necho ${{#y}}", many("a", 100_000)),
            "400001\n",
        ),
        (
            format!("x={}\ny=${{x//*b/}}", many("a", 100_000)),
            "more than 67108864 matcher steps",
        ),
        (
            format!("echo {}if then{}", many("$(", 5000), many(")", 5000)),
            "nesting deeper than",
        ),
        (format!("echo \"{}", many("$(echo \"", 3000)), "nesting deeper than"),
        (
            format!("x=$(({}1", many("(", 100_000)),
            "unexpected EOF while looking for matching `)'",
        ),
        (
            format!("echo {}", many("${", 100_000)),
            "unexpected EOF while looking for matching `}'",
        ),
        (
            "declare -A M\nfor ((i=0;i<100000;i++)); do M[k$i]=$i; done\nx=\"${!M[*]}\"\necho ${#M[@]} ${#x}"
                .into(),
            "100000 688889\n",
        ),
        (
            format!("declare -A M=({keys})\nx=\"${{M[@]}}\"\necho ${{#M[@]}} ${{#x}}"),
            "100000 588889\n",
        ),
        (
            "BASH_VERSINFO[0]=1\necho after".into(),
            "BASH_VERSINFO: readonly variable",
        ),
        // bash's output
        (
            "echo {a,b}\r\necho {a,\rb} x{1..2}\r\n".into(),
            "a\r b\r\na \rb x1\r x2\r\n",
        ),
    ];
    for (script, want) in cases {
        let (out, err, _) = run_in(Path::new("/nonexistent-dir-for-tests"), &script);
        assert!(
            out.contains(want) || err.contains(want),
            "{}: {out:?} {err:?}",
            &script[..script.len().min(40)],
        );
    }
}
