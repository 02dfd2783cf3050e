#!/bin/sh
# Seed fuzz/corpus/shell_eval (git-ignored) with real dkms.conf files and the evaluator's
# test snippets. Usage: fuzz/seed.sh [SHARED_CORPUS_DIR]   (default ../shared/corpus)
set -eu
cd "$(dirname "$0")/.."
shared=${1:-../shared/corpus}
out=fuzz/corpus/shell_eval
mkdir -p "$out"
i=0
for f in "$shared"/confs/*/dkms.conf fixtures/conf/*/dkms.conf; do
    [ -f "$f" ] || continue
    i=$((i + 1))
    cp "$f" "$out/conf_$i"
done
# every one-line string literal of the snippet tables, unescaped
python3 - "$out" <<'PY'
import re, sys
src = open('src/shell/tests.rs').read()
esc = {'n': '\n', 't': '\t', 'r': '\r', '\\': '\\', '"': '"', "'": "'", '0': '\0'}
for n, m in enumerate(re.finditer(r'^\s*"((?:[^"\\]|\\.)*)",\s*$', src, re.M)):
    s = re.sub(r'\\(.)', lambda x: esc.get(x.group(1), '\\' + x.group(1)), m.group(1))
    open(f'{sys.argv[1]}/snippet_{n}', 'w').write(s)
PY
printf 'echo {a,b}{c,d}{1..3} x{a,{b,c}}y {1..10..2} {a..z} {01..03} ${x//?/{a,b}}\nA=({a,b}.c); for i in {1..3}; do echo $i; done\n' >"$out/brace"
printf 'while read l; do echo $l; done < <(printf "a\\nb\\n")\n' >"$out/procsub"
printf 'declare -A M; for k in a b c d; do M[$k]=1; done; echo ${!M[@]}\n(( BASH_VERSINFO[0] >= 4 )) && BASH_VERSINFO[0]=1\n' >"$out/assoc"
printf 'a={x,y}\r\necho {a,b}\r\nif true; then\r\n echo x\r\nfi\r\n' >"$out/crlf"
ls "$out" | wc -l
