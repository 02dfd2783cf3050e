//! Pattern matching: bash globs with extglob (`case`, `[[ == ]]`, `${v#pat}`, pathname
//! expansion) and POSIX extended regular expressions (`[[ =~ ]]`, BUILD_EXCLUSIVE_*).
//!
//! Patterns arrive as text in which a backslash makes the next character literal (the
//! evaluator escapes quoted text that way).

use std::path::Path;

/// Work allowed for one match; beyond it the pattern does not match (no exponential hang).
const MATCH_BUDGET: usize = 200_000;

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Char(char),
    Any,
    Star,
    Class { negate: bool, items: Vec<ClassItem> },
    Ext { kind: char, alts: Vec<Vec<Node>> },
}

#[derive(Debug, Clone, PartialEq)]
enum ClassItem {
    Char(char),
    Range(char, char),
    Named(String),
}

/// Nesting of extglob groups beyond this is taken literally (no deep recursion).
const MAX_GROUP_NESTING: usize = 32;
/// Recursion of the matcher (one level per `*` or extglob group on the way).
const MAX_MATCH_DEPTH: usize = 512;

fn parse(p: &[char], extglob: bool) -> Vec<Node> {
    let mut i = 0;
    parse_seq(p, &mut i, extglob, false, 0)
}

fn parse_seq(p: &[char], i: &mut usize, extglob: bool, in_group: bool, level: usize) -> Vec<Node> {
    let mut out = Vec::new();
    while *i < p.len() {
        let c = p[*i];
        if in_group && (c == '|' || c == ')') {
            break;
        }
        if extglob
            && level < MAX_GROUP_NESTING
            && matches!(c, '?' | '*' | '+' | '@' | '!')
            && p.get(*i + 1) == Some(&'(')
        {
            if let Some(end) = group_end(p, *i + 1) {
                let mut j = *i + 2;
                let mut alts = Vec::new();
                loop {
                    alts.push(parse_seq(&p[..end], &mut j, extglob, true, level + 1));
                    if j < end && p[j] == '|' {
                        j += 1;
                        continue;
                    }
                    break;
                }
                out.push(Node::Ext { kind: c, alts });
                *i = end + 1;
                continue;
            }
        }
        match c {
            '\\' => {
                *i += 1;
                if let Some(&n) = p.get(*i) {
                    out.push(Node::Char(n));
                    *i += 1;
                } else {
                    out.push(Node::Char('\\'));
                }
            }
            '?' => {
                out.push(Node::Any);
                *i += 1;
            }
            '*' => {
                if out.last() != Some(&Node::Star) {
                    out.push(Node::Star);
                }
                *i += 1;
            }
            '[' => match parse_class(p, *i) {
                Some((node, next)) => {
                    out.push(node);
                    *i = next;
                }
                None => {
                    out.push(Node::Char('['));
                    *i += 1;
                }
            },
            _ => {
                out.push(Node::Char(c));
                *i += 1;
            }
        }
    }
    out
}

/// Index of the `)` closing the group whose `(` is at `open`.
fn group_end(p: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = open;
    while j < p.len() {
        match p[j] {
            '\\' => j += 1,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

fn parse_class(p: &[char], start: usize) -> Option<(Node, usize)> {
    let mut j = start + 1;
    let mut negate = false;
    if matches!(p.get(j), Some('!' | '^')) {
        negate = true;
        j += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        let c = *p.get(j)?;
        if c == ']' && !first {
            return Some((Node::Class { negate, items }, j + 1));
        }
        first = false;
        if c == '[' && p.get(j + 1) == Some(&':') {
            // [:name:]
            let rest: String = p[j + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                items.push(ClassItem::Named(rest[..end].to_string()));
                j += 2 + rest[..end].chars().count() + 2;
                continue;
            }
        }
        let lo = if c == '\\' {
            j += 1;
            *p.get(j)?
        } else {
            c
        };
        j += 1;
        if p.get(j) == Some(&'-') && p.get(j + 1).is_some_and(|&n| n != ']') {
            let mut hi = p[j + 1];
            j += 2;
            if hi == '\\' {
                hi = *p.get(j)?;
                j += 1;
            }
            items.push(ClassItem::Range(lo, hi));
        } else {
            items.push(ClassItem::Char(lo));
        }
    }
}

fn class_matches(negate: bool, items: &[ClassItem], c: char) -> bool {
    let hit = items.iter().any(|it| match it {
        ClassItem::Char(x) => *x == c,
        ClassItem::Range(a, b) => *a <= c && c <= *b,
        ClassItem::Named(n) => match n.as_str() {
            "alpha" => c.is_alphabetic(),
            "digit" => c.is_ascii_digit(),
            "alnum" => c.is_alphanumeric(),
            "upper" => c.is_uppercase(),
            "lower" => c.is_lowercase(),
            "space" => c.is_whitespace(),
            "blank" => c == ' ' || c == '\t',
            "punct" => c.is_ascii_punctuation(),
            "xdigit" => c.is_ascii_hexdigit(),
            "cntrl" => c.is_control(),
            "print" => !c.is_control(),
            "graph" => !c.is_control() && c != ' ',
            "word" => c.is_alphanumeric() || c == '_',
            _ => false,
        },
    });
    hit != negate
}

struct Matcher {
    budget: usize,
    depth: usize,
}

impl Matcher {
    fn m(&mut self, p: &[Node], s: &[char]) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        if self.depth >= MAX_MATCH_DEPTH {
            return false;
        }
        self.depth += 1;
        let r = self.m_inner(p, s);
        self.depth -= 1;
        r
    }

    fn m_inner(&mut self, mut p: &[Node], mut s: &[char]) -> bool {
        loop {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            let Some(first) = p.first() else {
                return s.is_empty();
            };
            match first {
                Node::Char(c) => {
                    if s.first() != Some(c) {
                        return false;
                    }
                }
                Node::Any => {
                    if s.is_empty() {
                        return false;
                    }
                }
                Node::Class { negate, items } => {
                    if !s.first().is_some_and(|&c| class_matches(*negate, items, c)) {
                        return false;
                    }
                }
                Node::Star => {
                    if p.len() == 1 {
                        return true;
                    }
                    for k in 0..=s.len() {
                        if self.m(&p[1..], &s[k..]) {
                            return true;
                        }
                        if self.budget == 0 {
                            return false;
                        }
                    }
                    return false;
                }
                Node::Ext { kind, alts } => {
                    for end in 0..=s.len() {
                        if self.ext(*kind, alts, &s[..end]) && self.m(&p[1..], &s[end..]) {
                            return true;
                        }
                        if self.budget == 0 {
                            return false;
                        }
                    }
                    return false;
                }
            }
            p = &p[1..];
            s = &s[1..];
        }
    }

    fn any_alt(&mut self, alts: &[Vec<Node>], s: &[char]) -> bool {
        alts.iter().any(|a| self.m(a, s))
    }

    fn one_or_more(&mut self, alts: &[Vec<Node>], s: &[char]) -> bool {
        if self.any_alt(alts, s) {
            return true;
        }
        (1..s.len()).any(|k| self.any_alt(alts, &s[..k]) && self.one_or_more(alts, &s[k..]))
    }

    fn ext(&mut self, kind: char, alts: &[Vec<Node>], s: &[char]) -> bool {
        match kind {
            '@' => self.any_alt(alts, s),
            '?' => s.is_empty() || self.any_alt(alts, s),
            '+' => self.one_or_more(alts, s),
            '*' => s.is_empty() || self.one_or_more(alts, s),
            '!' => !self.any_alt(alts, s),
            _ => false,
        }
    }
}

/// A compiled glob pattern.
#[derive(Debug, Clone)]
pub struct Glob {
    nodes: Vec<Node>,
}

impl Glob {
    pub fn new(pattern: &str, extglob: bool) -> Glob {
        let chars: Vec<char> = pattern.chars().collect();
        Glob {
            nodes: parse(&chars, extglob),
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        let s: Vec<char> = text.chars().collect();
        self.matches_chars(&s)
    }

    fn matches_chars(&self, s: &[char]) -> bool {
        self.matches_counted(s, &mut 0)
    }

    /// A match that adds the matcher's steps to `work`.
    fn matches_counted(&self, s: &[char], work: &mut usize) -> bool {
        // linear work is always allowed; backtracking gets a fixed budget on top
        let budget = MATCH_BUDGET + 2 * (self.nodes.len() + s.len());
        let mut m = Matcher { budget, depth: 0 };
        let found = m.m(&self.nodes, s);
        *work = work.saturating_add(budget - m.budget + 1);
        found
    }

    /// The shortest and longest texts it can match, in characters (`None`: no bound).
    fn len_bounds(&self) -> (usize, Option<usize>) {
        let mut min = 0;
        let mut max = Some(0);
        for n in &self.nodes {
            match n {
                Node::Char(_) | Node::Any | Node::Class { .. } => {
                    min += 1;
                    max = max.map(|m| m + 1);
                }
                Node::Star | Node::Ext { .. } => max = None,
            }
        }
        (min, max)
    }

    /// The pattern as literal text when it has no wildcard at all (single-character bracket
    /// expressions count as literal), so a file lookup can replace a directory scan.
    pub fn literal(&self) -> Option<String> {
        let mut s = String::new();
        for n in &self.nodes {
            match n {
                Node::Char(c) => s.push(*c),
                Node::Class {
                    negate: false,
                    items,
                } if items.len() == 1 => match items[0] {
                    ClassItem::Char(c) => s.push(c),
                    _ => return None,
                },
                _ => return None,
            }
        }
        Some(s)
    }
}

/// Whole-string glob match.
pub fn glob_match(pattern: &str, text: &str, extglob: bool) -> bool {
    Glob::new(pattern, extglob).matches(text)
}

/// `${v#pat}` / `${v##pat}`: the byte length of the matched prefix.
pub fn match_prefix(pattern: &str, text: &str, longest: bool, extglob: bool) -> Option<usize> {
    let g = Glob::new(pattern, extglob);
    let s: Vec<char> = text.chars().collect();
    let mut ks: Vec<usize> = (0..=s.len()).collect();
    if longest {
        ks.reverse();
    }
    ks.into_iter()
        .find(|&k| g.matches_chars(&s[..k]))
        .map(|k| s[..k].iter().map(|c| c.len_utf8()).sum())
}

/// `${v%pat}` / `${v%%pat}`: the byte offset where the matched suffix starts.
pub fn match_suffix(pattern: &str, text: &str, longest: bool, extglob: bool) -> Option<usize> {
    let g = Glob::new(pattern, extglob);
    let s: Vec<char> = text.chars().collect();
    let mut ks: Vec<usize> = (0..=s.len()).collect();
    if !longest {
        ks.reverse();
    }
    ks.into_iter()
        .find(|&k| g.matches_chars(&s[k..]))
        .map(|k| s[..k].iter().map(|c| c.len_utf8()).sum())
}

/// Steps of the matcher one `${v/pat/rep}` may take: bash tries every start and every end,
/// so a long value and a pattern with `*` take cubic time there.
pub const MAX_REPLACE_WORK: usize = 1 << 26;

/// `${v/pat/rep}` and its forms: `text` with the first match (every match with `all`,
/// bash's longest at the earliest position) replaced by `rep`; `None` when that takes more
/// than [`MAX_REPLACE_WORK`] tries.
pub fn replace(
    g: &Glob,
    text: &str,
    rep: &str,
    anchored_start: bool,
    anchored_end: bool,
    all: bool,
) -> Option<String> {
    let s: Vec<(usize, char)> = text.char_indices().collect();
    let chars: Vec<char> = s.iter().map(|(_, c)| *c).collect();
    let byte = |k: usize| s.get(k).map_or(text.len(), |(b, _)| *b);
    let (min, max) = g.len_bounds();
    let mut work = 0usize;
    let mut result = String::new();
    let mut from = 0;
    let anchored = anchored_start || anchored_end;
    loop {
        let starts = if anchored_start {
            0..=0
        } else {
            from..=chars.len()
        };
        let mut found = None;
        'starts: for a in starts {
            let longest = max.map_or(chars.len(), |m| chars.len().min(a + m));
            let ends = if anchored_end {
                chars.len()..=chars.len()
            } else {
                (a + min)..=longest
            };
            for b in ends.rev() {
                if work > MAX_REPLACE_WORK {
                    return None;
                }
                // an empty match replaces nothing in bash
                if (a < b || anchored) && g.matches_counted(&chars[a..b], &mut work) {
                    found = Some((a, b));
                    break 'starts;
                }
            }
        }
        let Some((a, b)) = found else { break };
        if a < from {
            break;
        }
        result.push_str(&text[byte(from)..byte(a)]);
        result.push_str(rep);
        from = b;
        if !all || a == b {
            break;
        }
    }
    result.push_str(&text[byte(from)..]);
    Some(result)
}

/// Does the (escaped) pattern contain an active glob character?
pub fn has_glob(pattern: &str, extglob: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => i += 1,
            '*' | '?' => return true,
            '[' if parse_class(&p, i).is_some() => return true,
            '+' | '@' | '!' if extglob && p.get(i + 1) == Some(&'(') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

fn unescape(p: &str) -> String {
    let mut out = String::new();
    let mut it = p.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(n) = it.next() {
                out.push(n);
            } else {
                out.push(c);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Pathname expansion of an escaped pattern against `cwd`: the sorted matches, or an empty
/// list when nothing matches.
pub fn expand_path(pattern: &str, cwd: &Path, extglob: bool) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let comps: Vec<&str> = pattern.split('/').collect();
    // (display prefix, filesystem path)
    let mut current: Vec<(String, std::path::PathBuf)> = if absolute {
        vec![(String::from("/"), std::path::PathBuf::from("/"))]
    } else {
        vec![(String::new(), cwd.to_path_buf())]
    };
    let start = if absolute { 1 } else { 0 };
    let last = comps.len() - 1;
    for (ci, comp) in comps.iter().enumerate().skip(start) {
        let is_last = ci == last;
        let mut next = Vec::new();
        if comp.is_empty() {
            // `a//b` or a trailing `/`
            for (disp, fs) in current {
                let d = if disp.is_empty() || disp.ends_with('/') {
                    disp
                } else {
                    format!("{disp}/")
                };
                if is_last {
                    if fs.is_dir() {
                        next.push((d, fs));
                    }
                } else {
                    next.push((d, fs));
                }
            }
            current = next;
            continue;
        }
        let g = Glob::new(comp, extglob);
        let literal = if has_glob(comp, extglob) {
            g.literal()
        } else {
            Some(unescape(comp))
        };
        for (disp, fs) in &current {
            let join = |name: &str| {
                let d = if disp.is_empty() || disp.ends_with('/') {
                    format!("{disp}{name}")
                } else {
                    format!("{disp}/{name}")
                };
                (d, fs.join(name))
            };
            if let Some(name) = &literal {
                let (d, p) = join(name);
                if std::fs::symlink_metadata(&p).is_ok() {
                    next.push((d, p));
                }
                continue;
            }
            let Ok(rd) = std::fs::read_dir(fs) else {
                continue;
            };
            let dot_ok = comp.starts_with('.') || comp.starts_with("\\.");
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| dot_ok || !n.starts_with('.'))
                .filter(|n| g.matches(n))
                .collect();
            names.sort();
            for n in names {
                let (d, p) = join(&n);
                if !is_last && !p.is_dir() {
                    continue;
                }
                next.push((d, p));
            }
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    let mut out: Vec<String> = current.into_iter().map(|(d, _)| d).collect();
    out.sort();
    out
}

/// Translate a POSIX ERE into the `regex` crate's syntax.
pub fn ere_to_regex(re: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = re.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                i += 1;
                match chars.get(i) {
                    Some('<') | Some('>') => out.push_str("\\b"),
                    Some(&n)
                        if n.is_ascii_alphanumeric()
                            && !matches!(n, 'w' | 'W' | 's' | 'S' | 'b' | 'B' | 'd' | 'D') =>
                    {
                        out.push_str(&regex::escape(&n.to_string()))
                    }
                    Some(&n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push_str("\\\\"),
                }
            }
            '[' => {
                // copy a bracket expression, escaping what the regex crate treats specially
                let mut j = i + 1;
                let mut body = String::from("[");
                if chars.get(j) == Some(&'^') {
                    body.push('^');
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    body.push_str("\\]");
                    j += 1;
                }
                let mut closed = false;
                while j < chars.len() {
                    let d = chars[j];
                    if d == ']' {
                        closed = true;
                        break;
                    }
                    if d == '[' && matches!(chars.get(j + 1), Some(':' | '.' | '=')) {
                        let close: String = [chars[j + 1], ']'].iter().collect();
                        let rest: String = chars[j..].iter().collect();
                        if let Some(end) = rest[2..].find(&close) {
                            let seg = &rest[..end + 4];
                            body.push_str(seg);
                            j += seg.chars().count();
                            continue;
                        }
                    }
                    if matches!(d, '\\' | '[' | '&' | '~') {
                        body.push('\\');
                    }
                    body.push(d);
                    j += 1;
                }
                if closed {
                    body.push(']');
                    out.push_str(&body);
                    i = j;
                } else {
                    out.push_str("\\[");
                }
            }
            '{' => {
                // a valid interval, else a literal brace
                let rest: String = chars[i..].iter().collect();
                let valid = rest.find('}').map(|e| &rest[1..e]).is_some_and(|inner| {
                    !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit() || c == ',')
                });
                if valid && !out.is_empty() {
                    out.push('{');
                } else {
                    out.push_str("\\{");
                }
            }
            '}' => {
                if out.contains('{') {
                    out.push('}');
                } else {
                    out.push_str("\\}");
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Compile a POSIX ERE; `None` when invalid.
pub fn ere(re: &str) -> Option<regex::Regex> {
    regex::Regex::new(&ere_to_regex(re)).ok()
}

/// `[[ text =~ re ]]`: `None` when the expression is invalid (bash's status 2).
pub fn ere_search(re: &str, text: &str) -> Option<bool> {
    ere(re).map(|r| r.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_globs() {
        assert!(glob_match("*.ko", "a.ko", false));
        assert!(!glob_match("*.ko", "a.o", false));
        assert!(glob_match("a?c", "abc", false));
        assert!(glob_match("[a-c]x", "bx", false));
        assert!(glob_match("[!a-c]x", "dx", false));
        assert!(glob_match("[[:digit:]]*", "5abc", false));
        assert!(glob_match("\\*", "*", false));
        assert!(!glob_match("\\*", "a", false));
        assert!(glob_match("[", "[", false));
        assert!(glob_match("6.*|5.*", "6.*|5.*", false));
    }

    #[test]
    fn extglobs() {
        assert!(glob_match("@(a|b)c", "bc", true));
        assert!(glob_match("+(ab)", "ababab", true));
        assert!(glob_match("*(x)y", "y", true));
        assert!(glob_match("?(x)y", "xy", true));
        assert!(!glob_match("!(foo)", "foo", true));
        assert!(glob_match("!(foo)", "bar", true));
        assert!(glob_match("3.@(1[0-9]|[2-9])*", "3.12.0", true));
    }

    #[test]
    fn prefix_and_suffix() {
        assert_eq!(match_prefix("*/", "a/b/c", false, false), Some(2));
        assert_eq!(match_prefix("*/", "a/b/c", true, false), Some(4));
        assert_eq!(match_suffix(".*", "a.b.c", false, false), Some(3));
        assert_eq!(match_suffix(".*", "a.b.c", true, false), Some(1));
    }

    #[test]
    fn pathological_patterns_are_bounded() {
        let p = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
        let s = "a".repeat(200);
        assert!(!glob_match(p, &s, true));
        let p = "+(+(a)|+(a))b";
        assert!(!glob_match(p, &"a".repeat(40), true));
        // long and deeply nested patterns: no stack overflow
        let long = "a".repeat(200_000);
        assert!(glob_match(&long, &long, true));
        let nested = format!("{}a{}", "@(".repeat(10_000), ")".repeat(10_000));
        let _ = glob_match(&nested, "a", true);
        let stars = "*a".repeat(20_000);
        let _ = glob_match(&stars, &"a".repeat(30_000), true);
    }

    #[test]
    fn regexes() {
        assert_eq!(ere_search("^6\\.[0-9]+", "6.1.0"), Some(true));
        assert_eq!(ere_search("-rt-", "6.1.0-rt-amd64"), Some(true));
        assert_eq!(ere_search("[[:digit:]]{2}", "a12"), Some(true));
        assert_eq!(ere_search("a{", "a{"), Some(true));
        assert_eq!(ere_search("(", "x"), None);
    }

    #[test]
    fn pathname_expansion() {
        let d = tempfile::tempdir().unwrap();
        for f in ["a.o", "b.o", ".h.o", "c.c"] {
            std::fs::write(d.path().join(f), "").unwrap();
        }
        std::fs::create_dir(d.path().join("sub")).unwrap();
        std::fs::write(d.path().join("sub/x.o"), "").unwrap();
        assert_eq!(expand_path("*.o", d.path(), true), vec!["a.o", "b.o"]);
        assert_eq!(expand_path("*/*.o", d.path(), true), vec!["sub/x.o"]);
        assert!(expand_path("*.z", d.path(), true).is_empty());
        assert_eq!(expand_path("su[b]/x.o", d.path(), true), vec!["sub/x.o"]);
    }
}
