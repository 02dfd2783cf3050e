//! Brace expansion (`pre{a,b}post`, `{1..10..2}`, `{a..e}`), bash's algorithm on the parsed
//! word: unquoted literal characters are the syntax, every quoted part or expansion is one
//! opaque unit (bash skips quotes, `${…}`, `$(…)` and backquotes the same way). It runs
//! before every other expansion, only where bash does it: the words of a command, a `for`
//! list and an array assignment, and the assignment arguments of declaration builtins.

use super::ast::{Assign, AssignValue, Word, WordPart};
use super::lexer::{is_name_char, is_name_start};

/// Bounds on brace expansion, so that hostile words end in an error instead of an exhausted
/// memory or a search that never ends (bash has none of them): the words it gives in one
/// evaluation (the evaluator keeps the count), and for one word their characters together,
/// the nesting of brace lists, and the work: characters examined while looking for braces
/// (the search is quadratic in the number of unmatched `{`) and words and characters made on
/// the way, [`WORK`] times the bounds on the result.
pub const MAX_WORDS: usize = 1 << 20;
pub const MAX_CHARS: usize = 1 << 22;
pub const MAX_NESTING: usize = 100;
pub const MAX_SCAN: usize = 1 << 26;
const WORK: usize = 4;

/// The work one word's expansion has done so far.
struct Budget {
    /// What is left of [`MAX_WORDS`].
    room: usize,
    words: usize,
    chars: usize,
    scanned: usize,
}

fn too_many_words() -> String {
    format!("brace expansion: more than {MAX_WORDS} words in one evaluation")
}

fn too_complex(what: &str, n: usize) -> String {
    format!("brace expansion: word too complex (more than {n} {what})")
}

impl Budget {
    /// Room for a list of `words` words of `chars` characters together.
    fn grow(&mut self, words: usize, chars: usize) -> Result<(), String> {
        if words > self.room {
            return Err(too_many_words());
        }
        if chars > MAX_CHARS {
            return Err(format!(
                "brace expansion: more than {MAX_CHARS} characters from one word"
            ));
        }
        self.words = self.words.saturating_add(words);
        self.chars = self.chars.saturating_add(chars);
        if self.words > WORK * MAX_WORDS {
            return Err(too_complex("words made", WORK * MAX_WORDS));
        }
        if self.chars > WORK * MAX_CHARS {
            return Err(too_complex("characters made", WORK * MAX_CHARS));
        }
        Ok(())
    }

    fn scan(&mut self, n: usize) -> Result<(), String> {
        self.scanned = self.scanned.saturating_add(n);
        if self.scanned > MAX_SCAN {
            return Err(too_complex("characters examined", MAX_SCAN));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Atom<'a> {
    Ch(char),
    Part(&'a WordPart),
    /// A `\` from a letter range: a quoting backslash to bash, so an empty quoted string.
    Backslash,
}

use Atom::Ch;

/// The words `w` brace-expands to, or `None` when it holds no brace expansion; more than
/// `room` words is an error.
pub fn expand(w: &Word, room: usize) -> Result<Option<Vec<Word>>, String> {
    // the common case, without allocating: no unquoted `{` at all
    if !w
        .parts
        .iter()
        .any(|p| matches!(p, WordPart::Lit(s) if s.contains('{')))
    {
        return Ok(None);
    }
    let mut text = Vec::new();
    for p in &w.parts {
        match p {
            WordPart::Lit(s) => text.extend(s.chars().map(Ch)),
            // `$name` is text to bash here: a name can grow by what the braces give
            WordPart::Param(pe) if !pe.braced && super::lexer::is_name(&pe.name) => {
                text.push(Ch('$'));
                text.extend(pe.name.chars().map(Ch));
            }
            _ => text.push(Atom::Part(p)),
        }
    }
    let mut budget = Budget {
        room,
        words: 0,
        chars: 0,
        scanned: 0,
    };
    let words = brace_expand(&text, &mut budget, 0)?;
    if words.len() == 1 && words[0] == text {
        return Ok(None);
    }
    Ok(Some(
        words
            .into_iter()
            .map(|atoms| rebuild(&atoms, w.pos))
            .collect(),
    ))
}

/// A declaration builtin's `name=value` argument is one word to bash: it expands to one
/// assignment of the same name per word of the value.
pub fn expand_assign(a: &Assign, room: usize) -> Result<Option<Vec<Assign>>, String> {
    let AssignValue::Scalar(w) = &a.value else {
        return Ok(None);
    };
    Ok(expand(w, room)?.map(|words| {
        words
            .into_iter()
            .map(|w| Assign {
                value: AssignValue::Scalar(w),
                ..a.clone()
            })
            .collect()
    }))
}

/// Atoms back to word parts; a word now starting with `~` gets its tilde expansion, as
/// bash expands tildes after braces.
fn rebuild(atoms: &[Atom], pos: super::ast::Pos) -> Word {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = atoms;
    if let [Ch('~'), tail @ ..] = atoms {
        let n = tail
            .iter()
            .take_while(
                |a| matches!(a, Ch(c) if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')),
            )
            .count();
        if matches!(tail.get(n), None | Some(Ch('/' | ':'))) {
            let user = tail[..n]
                .iter()
                .map(|a| match a {
                    Ch(c) => *c,
                    _ => ' ',
                })
                .collect();
            parts.push(WordPart::Tilde(user));
            rest = &tail[n..];
        }
    }
    let mut k = 0;
    while let Some(a) = rest.get(k) {
        k += 1;
        match a {
            Ch('$') if matches!(rest.get(k), Some(Ch(c)) if is_name_start(*c)) => {
                let n = rest[k..]
                    .iter()
                    .take_while(|a| matches!(a, Ch(c) if is_name_char(*c)))
                    .count();
                let name = rest[k..k + n]
                    .iter()
                    .map(|a| match a {
                        Ch(c) => *c,
                        _ => ' ',
                    })
                    .collect();
                k += n;
                super::lexer::flush(&mut parts, &mut lit);
                parts.push(WordPart::Param(Box::new(super::lexer::simple_param(
                    name, pos,
                ))));
            }
            Ch(c) => lit.push(*c),
            Atom::Part(p) => {
                super::lexer::flush(&mut parts, &mut lit);
                parts.push((*p).clone());
            }
            Atom::Backslash => {
                super::lexer::flush(&mut parts, &mut lit);
                parts.push(WordPart::Quoted(String::new()));
            }
        }
    }
    super::lexer::flush(&mut parts, &mut lit);
    Word { parts, pos }
}

fn blank(a: Option<&Atom>) -> bool {
    matches!(a, None | Some(Ch(' ' | '\t' | '\n')))
}

/// Bash's `brace_gobbler`: from `*i`, the index of the first `satisfy` at nesting level 0
/// (a `}` only closes a brace holding a `,` or `..` at its level). `None` when there is none.
fn gobble(
    text: &[Atom],
    i: &mut usize,
    satisfy: char,
    b: &mut Budget,
) -> Result<Option<char>, String> {
    let from = *i;
    let found = gobble_unbounded(text, i, satisfy);
    b.scan(i.saturating_sub(from))?;
    Ok(found)
}

fn gobble_unbounded(text: &[Atom], i: &mut usize, satisfy: char) -> Option<char> {
    let mut level = 0usize;
    let mut commas = usize::from(satisfy != '}');
    while let Some(a) = text.get(*i) {
        let Ch(c) = *a else {
            *i += 1;
            continue;
        };
        if c == '\\' {
            *i += 2;
            continue;
        }
        if c == satisfy && level == 0 && commas > 0 {
            // an open brace standing alone, or `{}` after a blank, is a word of its own
            if c == '{'
                && (*i == 0 || blank(text.get(*i - 1)))
                && (blank(text.get(*i + 1)) || text.get(*i + 1) == Some(&Ch('}')))
            {
                *i += 1;
                continue;
            }
            return Some(c);
        }
        match c {
            '{' => level += 1,
            '}' if level > 0 => level -= 1,
            ',' if satisfy == '}' && level == 0 => commas += 1,
            '.' if satisfy == '}'
                && level == 0
                && text.get(*i + 1) == Some(&Ch('.'))
                && text.get(*i + 2) != Some(&Ch('}')) =>
            {
                commas += 1
            }
            _ => {}
        }
        *i += 1;
    }
    None
}

type Words<'a> = Vec<Vec<Atom<'a>>>;

/// Bash's `brace_expand`, with the expansion of the text after the first brace expression
/// (a recursion in bash) done as a loop, so that a word of many brace expressions cannot
/// exhaust the stack.
fn brace_expand<'a>(
    mut text: &[Atom<'a>],
    b: &mut Budget,
    depth: usize,
) -> Result<Words<'a>, String> {
    if depth > MAX_NESTING {
        return Err(format!(
            "brace expansion: lists nested deeper than {MAX_NESTING} levels"
        ));
    }
    let mut result: Words = vec![Vec::new()];
    // text that gives one word is kept aside until the next product, so that the work is
    // bounded by the products (each at least doubles the words)
    let mut pending: Vec<Atom> = Vec::new();
    while let Some((preamble, tack, postamble)) = first_brace(text, b, depth)? {
        pending.extend_from_slice(preamble);
        text = postamble;
        if let [one] = tack.as_slice() {
            pending.extend_from_slice(one);
            continue;
        }
        let heads: usize = result.iter().map(Vec::len).sum();
        let tails: usize = tack.iter().map(Vec::len).sum();
        let words = result.len().saturating_mul(tack.len());
        let chars = heads
            .saturating_add(result.len().saturating_mul(pending.len()))
            .saturating_mul(tack.len())
            .saturating_add(result.len().saturating_mul(tails));
        b.grow(words, chars)?;
        let between = std::mem::take(&mut pending);
        let between = &between;
        result = result
            .iter()
            .flat_map(|head| {
                tack.iter().map(move |t| {
                    let mut w = head.clone();
                    w.extend_from_slice(between);
                    w.extend_from_slice(t);
                    w
                })
            })
            .collect();
    }
    pending.extend_from_slice(text);
    if !pending.is_empty() {
        let heads: usize = result.iter().map(Vec::len).sum();
        b.grow(
            result.len(),
            heads.saturating_add(result.len().saturating_mul(pending.len())),
        )?;
        for w in &mut result {
            w.extend_from_slice(&pending);
        }
    }
    Ok(result)
}

/// The first valid brace expression of `text`: the text before it, the words it gives and
/// the text after it; `None` when there is none.
#[allow(clippy::type_complexity)]
fn first_brace<'t, 'a>(
    text: &'t [Atom<'a>],
    b: &mut Budget,
    depth: usize,
) -> Result<Option<(&'t [Atom<'a>], Words<'a>, &'t [Atom<'a>])>, String> {
    let mut i = 0;
    let mut close = None;
    while gobble(text, &mut i, '{', b)?.is_some() {
        let mut j = i + 1;
        if gobble(text, &mut j, '}', b)?.is_some() {
            close = Some(j);
            break;
        }
        i += 1;
    }
    let Some(close) = close else {
        return Ok(None);
    };
    let amble = &text[i + 1..close];
    let tack: Words = if has_comma(amble) {
        expand_amble(amble, b, depth + 1)?
    } else if let Some(seq) = sequence(amble, b.room)? {
        seq.into_iter().map(|s| seq_atoms(&s)).collect()
    } else {
        // an invalid sequence stays as text, braces included; the rest may still expand
        vec![text[i..=close].to_vec()]
    };
    Ok(Some((&text[..i], tack, &text[close + 1..])))
}

/// Whether the text between the braces holds a comma: bash looks at the raw text, quoted
/// commas included (then splits at unquoted ones only).
fn has_comma(amble: &[Atom]) -> bool {
    let mut k = 0;
    while let Some(a) = amble.get(k) {
        match a {
            Ch('\\') => k += 1,
            Ch(',') => return true,
            Atom::Part(p) if quoted_comma(p) => return true,
            _ => {}
        }
        k += 1;
    }
    false
}

fn quoted_comma(p: &WordPart) -> bool {
    match p {
        // a lone quoted comma is taken for `\,`, which bash skips here
        WordPart::Quoted(s) if s == "," => false,
        WordPart::Quoted(s) | WordPart::Lit(s) => s.contains(','),
        WordPart::DQ(inner) => inner.iter().any(quoted_comma),
        _ => false,
    }
}

/// Bash's `expand_amble`: the comma-separated alternatives, each brace-expanded.
fn expand_amble<'a>(amble: &[Atom<'a>], b: &mut Budget, depth: usize) -> Result<Words<'a>, String> {
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let mut i = start;
        let found = gobble(amble, &mut i, ',', b)?;
        let end = i.min(amble.len());
        out.extend(brace_expand(&amble[start..end], b, depth)?);
        if found.is_none() {
            return Ok(out);
        }
        start = i + 1;
    }
}

/// A sequence term as text.
fn seq_atoms(s: &str) -> Vec<Atom<'static>> {
    if s == "\\" {
        return vec![Atom::Backslash];
    }
    s.chars().map(Ch).collect()
}

/// `strtoimax` of a sign and digits at the start of `s`: the value and the rest; `None` on
/// overflow or when no digit follows.
fn leading_int(s: &str) -> Option<(i64, &str)> {
    let digits_from = usize::from(s.starts_with(['+', '-']));
    let n = s[digits_from..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if n == 0 {
        return None;
    }
    let end = digits_from + n;
    let v = s[..end].parse::<i64>().ok()?;
    Some((v, &s[end..]))
}

enum Term {
    Int(i64),
    Char(u8),
}

/// Bash's `expand_seqterm`: `x..y[..incr]` with integers or single letters on both sides.
fn sequence(amble: &[Atom], room: usize) -> Result<Option<Vec<String>>, String> {
    let mut text = String::with_capacity(amble.len());
    for a in amble {
        match a {
            Ch(c) => text.push(*c),
            _ => return Ok(None),
        }
    }
    let Some((start, end, incr, width, chars)) = sequence_terms(&text) else {
        return Ok(None);
    };
    // the length first: a huge sequence is refused before it is made
    let len = (i128::from(end) - i128::from(start)) / i128::from(incr) + 1;
    if len > room as i128 {
        return Err(too_many_words());
    }
    let mut out = Vec::new();
    let mut n = start;
    loop {
        out.push(if chars {
            char::from(n as u8).to_string()
        } else {
            format!("{n:0width$}")
        });
        n = match n.checked_add(incr) {
            Some(n) => n,
            None => break,
        };
        if (incr < 0 && n < end) || (incr > 0 && n > end) {
            break;
        }
    }
    Ok(Some(out))
}

/// The terms of a sequence expression: start, end, increment (its sign set by the
/// direction), zero-padding width, and whether they are letters.
fn sequence_terms(text: &str) -> Option<(i64, i64, i64, usize, bool)> {
    let (lhs, rhs_all) = text.split_once("..")?;
    let lhs_t = match leading_int(lhs) {
        Some((v, "")) => Term::Int(v),
        _ if lhs.len() == 1 && lhs.as_bytes()[0].is_ascii_alphabetic() => {
            Term::Char(lhs.as_bytes()[0])
        }
        _ => return None,
    };
    let rb = rhs_all.as_bytes();
    let (rhs_t, after) = if rb.first().is_some_and(u8::is_ascii_digit)
        || (matches!(rb.first(), Some(b'+' | b'-')) && rb.get(1).is_some_and(u8::is_ascii_digit))
    {
        let (v, rest) = leading_int(rhs_all)?;
        if !rest.is_empty() && !rest.starts_with('.') {
            return None;
        }
        (Term::Int(v), rest)
    } else if rb.first().is_some_and(u8::is_ascii_alphabetic)
        && matches!(rb.get(1), None | Some(b'.'))
    {
        (Term::Char(rb[0]), &rhs_all[1..])
    } else {
        return None;
    };
    let rhs_len = rhs_all.len() - after.len();
    let mut incr: i64 = 1;
    if let Some(step) = after.strip_prefix("..").filter(|s| !s.is_empty()) {
        match leading_int(step) {
            Some((v, "")) => incr = v,
            _ => return None,
        }
    } else if !after.is_empty() {
        return None;
    }
    let (start, end, width, chars) = match (lhs_t, rhs_t) {
        (Term::Char(a), Term::Char(b)) => (i64::from(a), i64::from(b), 0, true),
        (Term::Int(a), Term::Int(b)) => {
            let zero = |s: &str| {
                let d = s.strip_prefix('-').unwrap_or(s);
                d.len() > 1 && d.starts_with('0')
            };
            let rhs = &rhs_all[..rhs_len];
            let width = if zero(lhs) || zero(rhs) {
                lhs.len().max(rhs.len())
            } else {
                0
            };
            (a, b, width, false)
        }
        _ => return None,
    };
    if incr == 0 {
        incr = 1;
    }
    if (start > end && incr > 0) || (start < end && incr < 0) {
        incr = incr.checked_neg()?;
    }
    Some((start, end, incr, width, chars))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<String> {
        let w = super::super::parser::parse(&format!("echo {src}"), "t")
            .ok()
            .and_then(|p| match &p.items[0].first.commands[0].kind {
                super::super::ast::CommandKind::Simple { args, .. } => match &args[1] {
                    super::super::ast::Arg::Word(w) => Some(w.clone()),
                    _ => None,
                },
                _ => None,
            })
            .expect("a word");
        match expand(&w, MAX_WORDS).expect("expands") {
            None => vec![src.to_string()],
            Some(ws) => ws
                .iter()
                .map(|w| {
                    w.parts
                        .iter()
                        .map(|p| match p {
                            WordPart::Lit(s) => s.clone(),
                            _ => "#".to_string(),
                        })
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn sequences_and_lists() {
        assert_eq!(words("a{b,c}d"), ["abd", "acd"]);
        assert_eq!(words("{-01..2}"), ["-01", "000", "001", "002"]);
        assert_eq!(words("{a}b{c,d}"), ["{a}bc", "{a}bd"]);
        assert_eq!(words("{1..2}{a..b..c}"), ["1{a..b..c}", "2{a..b..c}"]);
        assert_eq!(words("{a..b..c}"), ["{a..b..c}"]);
    }

    #[test]
    fn a_huge_sequence_is_refused() {
        let w = super::super::parser::lit_word("{1..99999999}");
        assert!(expand(&w, MAX_WORDS).is_err());
    }
}
