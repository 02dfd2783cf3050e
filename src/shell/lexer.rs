//! Characters to words: the cursor over the source, quoting (`'…'`, `"…"`, `$'…'`, `\`),
//! line continuations, comments, and the expansions inside a word (`$v`, `${…}`, `$(…)`,
//! backquotes, `$((…))`). Commands are built from these words by `parser`.

use std::path::PathBuf;
use std::rc::Rc;

use super::ast::*;
use super::ShellError;

/// Nesting deeper than this (parentheses, braces, substitutions, compound commands) is an error,
/// not a stack overflow.
pub const MAX_NESTING: usize = 200;

pub struct Parser {
    pub(crate) src: Vec<char>,
    pub(crate) i: usize,
    line_starts: Vec<usize>,
    pub(crate) file: PathBuf,
    pub(crate) depth: usize,
    /// Where a pending here-document body ends: (index of the newline that starts it, index
    /// just after its terminator line).
    pub(crate) heredoc_skip: Option<(usize, usize)>,
    /// The first construct outside the subset in the command being parsed: reported once the
    /// command has parsed, so that a syntax error in the same command wins (bash reports it).
    pub(crate) deferred_unsupported: Option<ShellError>,
    /// The rest of the top-level line being run: bash parses a whole line before it runs
    /// any command of it.
    pub(crate) pending: std::collections::VecDeque<AndOr>,
    /// The compound commands being read (reserved word or bracket, index).
    pub(crate) open: Vec<(&'static str, usize)>,
    /// The error being returned makes bash exit (see `error_is_fatal`).
    pub(crate) fatal: bool,
    /// A bad `${ }` in the line being parsed (bash's error when it runs), and whether it
    /// ends the shell.
    pub(crate) deferred_bad: Option<(ShellError, bool)>,
    /// Warnings to print before the line runs.
    pub(crate) warnings: Vec<ShellError>,
}

pub(crate) fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')'
    )
}

pub(crate) fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(is_name_start) && cs.all(is_name_char)
}

impl Parser {
    pub fn new(text: &str, file: impl Into<PathBuf>) -> Parser {
        // (one allocation: a text has at most as many chars as bytes, plus the newline below)
        let mut src: Vec<char> = Vec::with_capacity(text.len() + 1);
        src.extend(text.chars());
        // bash ends an unterminated last line with a newline (a token, and a line)
        if src.last().is_some_and(|&c| c != '\n') {
            src.push('\n');
        }
        let mut line_starts = vec![0];
        for (i, c) in src.iter().enumerate() {
            if *c == '\n' {
                line_starts.push(i + 1);
            }
        }
        Parser {
            src,
            i: 0,
            line_starts,
            file: file.into(),
            depth: 0,
            heredoc_skip: None,
            deferred_unsupported: None,
            pending: Default::default(),
            open: Vec::new(),
            fatal: false,
            deferred_bad: None,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn pos_at(&self, i: usize) -> Pos {
        let line = match self.line_starts.binary_search(&i) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        Pos {
            line: line as u32 + 1,
            col: (i - self.line_starts[line]) as u32 + 1,
        }
    }

    pub(crate) fn pos(&self) -> Pos {
        self.pos_at(self.i)
    }

    pub(crate) fn error_at(&self, i: usize, message: impl Into<String>) -> ShellError {
        let p = self.pos_at(i.min(self.src.len()));
        ShellError {
            file: self.file.clone(),
            line: p.line as usize,
            column: p.col as usize,
            message: message.into(),
            unsupported: None,
        }
    }

    /// Bash's error for a quote or bracket opened at `start` and still open at the end.
    pub(crate) fn eof_matching(&self, start: usize, close: char) -> ShellError {
        self.error_at(
            start,
            format!("unexpected EOF while looking for matching `{close}'"),
        )
    }

    /// Valid bash that the subset does not implement: `construct` names it.
    pub(crate) fn unsupported_at(&self, i: usize, construct: &str) -> ShellError {
        ShellError {
            unsupported: Some(construct.to_string()),
            ..self.error_at(
                i,
                format!("{construct} is outside the built-in shell subset"),
            )
        }
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> ShellError {
        self.error_at(self.i, message)
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.src.get(self.i).copied()
    }

    pub(crate) fn peek_at(&self, k: usize) -> Option<char> {
        self.src.get(self.i + k).copied()
    }

    pub(crate) fn at_eof(&self) -> bool {
        self.i >= self.src.len()
    }

    /// Consume one character; a newline that starts a pending here-document jumps past it.
    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        if c == '\n' {
            if let Some((nl, end)) = self.heredoc_skip {
                if nl == self.i {
                    self.heredoc_skip = None;
                    self.i = end;
                    return Some(c);
                }
            }
        }
        self.i += 1;
        Some(c)
    }

    pub(crate) fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(n, c)| self.src.get(self.i + n) == Some(&c))
    }

    pub(crate) fn enter(&mut self) -> Result<(), ShellError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(format!("nesting deeper than {MAX_NESTING} levels")));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// End of the raw text of the word at `from`, as bash's tokenizer delimits it (quotes,
    /// `$( )`, `${ }` and backquotes hold metacharacters): for error messages.
    pub(crate) fn raw_word_end(&self, from: usize, assignment: bool) -> usize {
        let mut k = from;
        let mut close: Vec<char> = Vec::new();
        while let Some(&c) = self.src.get(k) {
            let in_dq = close.last() == Some(&'"');
            match c {
                '\\' => k += 1,
                '\'' if !in_dq => {
                    k += 1;
                    while self.src.get(k).is_some_and(|&q| q != '\'') {
                        k += 1;
                    }
                }
                '"' | '`' if close.last() == Some(&c) => {
                    close.pop();
                }
                '"' | '`' => close.push(c),
                '$' if matches!(self.src.get(k + 1), Some('(' | '{')) => {
                    k += 1;
                    close.push(if self.src[k] == '(' { ')' } else { '}' });
                }
                '(' if !close.is_empty() && !in_dq => close.push(')'),
                // `name=( … )` is one token
                '(' if assignment && k > from && self.src[k - 1] == '=' => close.push(')'),
                ')' | '}' if close.last() == Some(&c) => {
                    close.pop();
                }
                _ if close.is_empty() && is_meta(c) => break,
                _ => {}
            }
            k += 1;
        }
        k.min(self.src.len())
    }

    /// Skip `\`-newline pairs.
    pub(crate) fn skip_continuations(&mut self) {
        while self.peek() == Some('\\') && self.peek_at(1) == Some('\n') {
            self.i += 2;
        }
    }

    /// Skip blanks, continuations and a comment (not the newline ending it).
    pub(crate) fn skip_blanks(&mut self) {
        loop {
            self.skip_continuations();
            match self.peek() {
                Some(' ' | '\t') => self.i += 1,
                Some('#') => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.i += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// An unquoted word (stops at a metacharacter). `None` when no word starts here.
    pub(crate) fn word(&mut self) -> Result<Option<Word>, ShellError> {
        self.skip_continuations();
        let start = self.i;
        let pos = self.pos();
        let mut parts = Vec::new();
        let mut lit = String::new();
        if self.peek() == Some('~') {
            let mut k = self.i + 1;
            while k < self.src.len()
                && (is_name_char(self.src[k]) || matches!(self.src[k], '-' | '.'))
            {
                k += 1;
            }
            if k >= self.src.len()
                || self.src[k] == '/'
                || is_meta(self.src[k])
                || self.src[k] == ':'
            {
                let user: String = self.src[self.i + 1..k].iter().collect();
                parts.push(WordPart::Tilde(user));
                self.i = k;
            }
        }
        self.word_parts(&mut parts, &mut lit, &[], false)?;
        flush(&mut parts, &mut lit);
        if self.i == start {
            return Ok(None);
        }
        Ok(Some(Word { parts, pos }))
    }

    /// Scan word parts until a metacharacter (when `blanks_end`) or one of `stops` at nesting
    /// level 0. `regex` keeps `(`, `)` and `|` inside the word (the right side of `=~`).
    pub(crate) fn word_parts(
        &mut self,
        parts: &mut Vec<WordPart>,
        lit: &mut String,
        stops: &[char],
        regex: bool,
    ) -> Result<(), ShellError> {
        let (mut paren, mut paren_at) = (0usize, 0);
        loop {
            self.skip_continuations();
            let Some(c) = self.peek() else {
                // bash reads a regex's parentheses to their match, however far
                if paren > 0 {
                    return Err(self.eof_matching(paren_at, ')'));
                }
                break;
            };
            if stops.contains(&c) {
                break;
            }
            if regex {
                if c == '(' {
                    if paren == 0 {
                        paren_at = self.i;
                    }
                    paren += 1;
                    lit.push(c);
                    self.i += 1;
                    continue;
                }
                if c == ')' && paren > 0 {
                    paren -= 1;
                    lit.push(c);
                    self.i += 1;
                    continue;
                }
                if paren > 0 && matches!(c, '|' | ' ' | '\t' | '<' | '>' | '\n' | ';' | '&') {
                    lit.push(c);
                    self.i += 1;
                    continue;
                }
                if c == '|' {
                    lit.push(c);
                    self.i += 1;
                    continue;
                }
            }
            if is_meta(c) {
                // extglob: `@(…)` `!(…)` `+(…)` `*(…)` `?(…)` belong to the word
                if c == '(' && matches!(lit.chars().last(), Some('@' | '!' | '+' | '*' | '?')) {
                    self.extglob_group(lit)?;
                    continue;
                }
                break;
            }
            match c {
                '\\' => {
                    self.i += 1;
                    match self.peek() {
                        Some(n) => {
                            flush(parts, lit);
                            self.i += 1;
                            parts.push(WordPart::Quoted(n.to_string()));
                        }
                        None => lit.push('\\'),
                    }
                }
                '$' if self.peek_at(1) == Some('\'') => {
                    flush(parts, lit);
                    self.i += 2;
                    let s = self.ansi_c_quoted()?;
                    parts.push(WordPart::Quoted(s));
                }
                '$' if self.peek_at(1) == Some('"') => {
                    flush(parts, lit);
                    self.i += 2;
                    let inner = self.dq_parts()?;
                    parts.push(WordPart::DQ(inner));
                }
                _ => {
                    if !self.embedded_part(c, parts, lit)? {
                        lit.push(c);
                        self.i += 1;
                    }
                }
            }
        }
        Ok(())
    }

    fn extglob_group(&mut self, lit: &mut String) -> Result<(), ShellError> {
        let start = self.i;
        let mut depth = 0usize;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error_at(start, "unterminated extended glob pattern"));
            };
            self.i += 1;
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        lit.push(c);
                        return Ok(());
                    }
                }
                '\\' => {
                    lit.push(c);
                    if let Some(n) = self.peek() {
                        self.i += 1;
                        lit.push(n);
                    }
                    continue;
                }
                _ => {}
            }
            lit.push(c);
        }
    }

    /// After the opening `'`.
    pub(crate) fn single_quoted(&mut self) -> Result<String, ShellError> {
        let start = self.i - 1;
        let mut s = String::new();
        loop {
            match self.src.get(self.i).copied() {
                None => return Err(self.eof_matching(start, '\'')),
                Some('\'') => {
                    self.i += 1;
                    return Ok(s);
                }
                Some(c) => {
                    s.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// After `$'`.
    fn ansi_c_quoted(&mut self) -> Result<String, ShellError> {
        let start = self.i - 2;
        let mut s = String::new();
        loop {
            let Some(c) = self.src.get(self.i).copied() else {
                return Err(self.eof_matching(start + 1, '\''));
            };
            self.i += 1;
            match c {
                '\'' => return Ok(s),
                '\\' => {
                    let Some(e) = self.src.get(self.i).copied() else {
                        continue;
                    };
                    self.i += 1;
                    match e {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'a' => s.push('\x07'),
                        'b' => s.push('\x08'),
                        'e' | 'E' => s.push('\x1b'),
                        'f' => s.push('\x0c'),
                        'v' => s.push('\x0b'),
                        '\\' | '\'' | '"' | '?' => s.push(e),
                        'x' | 'u' | 'U' => {
                            let max = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let mut n = 0u32;
                            let mut k = 0;
                            while k < max {
                                match self.src.get(self.i).and_then(|c| c.to_digit(16)) {
                                    Some(d) => {
                                        n = n * 16 + d;
                                        self.i += 1;
                                        k += 1;
                                    }
                                    None => break,
                                }
                            }
                            if k == 0 {
                                s.push('\\');
                                s.push(e);
                            } else if let Some(ch) = char::from_u32(n) {
                                s.push(ch);
                            }
                        }
                        'c' => {
                            if let Some(x) = self.src.get(self.i).copied() {
                                self.i += 1;
                                s.push(char::from_u32((x as u32) & 0x1f).unwrap_or('\0'));
                            }
                        }
                        '0'..='7' => {
                            let mut n = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match self.src.get(self.i).and_then(|c| c.to_digit(8)) {
                                    Some(d) => {
                                        n = n * 8 + d;
                                        self.i += 1;
                                    }
                                    None => break,
                                }
                            }
                            s.push(char::from_u32(n & 0xff).unwrap_or('\0'));
                        }
                        other => {
                            s.push('\\');
                            s.push(other);
                        }
                    }
                }
                c => s.push(c),
            }
        }
    }

    /// After the opening `"`, up to and including the closing one.
    pub(crate) fn dq_parts(&mut self) -> Result<Vec<WordPart>, ShellError> {
        let start = self.i - 1;
        self.enter()?;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.src.get(self.i).copied() else {
                return Err(self.eof_matching(start, '"'));
            };
            match c {
                '"' => {
                    self.i += 1;
                    break;
                }
                '\\' => {
                    match self.src.get(self.i + 1).copied() {
                        Some('\n') => {}
                        Some(n @ ('$' | '`' | '"' | '\\')) => lit.push(n),
                        Some(n) => {
                            lit.push('\\');
                            lit.push(n);
                        }
                        None => lit.push('\\'),
                    }
                    self.i += 2;
                }
                '$' => match self.dollar()? {
                    Some(p) => {
                        flush_quoted(&mut parts, &mut lit);
                        parts.push(p);
                    }
                    None => {
                        lit.push('$');
                    }
                },
                '`' => {
                    flush_quoted(&mut parts, &mut lit);
                    let p = self.backquote()?;
                    parts.push(p);
                }
                _ => {
                    lit.push(c);
                    self.i += 1;
                }
            }
        }
        flush_quoted(&mut parts, &mut lit);
        self.leave();
        Ok(parts)
    }

    /// At `$`: an expansion, or `None` (a literal `$`, consumed).
    /// The commands after `$(` or `<(` up to the closing `)`, which is consumed.
    /// The commands of a `$( )` or `<( )` opened at `start`, up to their `)`, with bash's
    /// errors: the end of the file inside names the opening, and a syntax error inside one
    /// that is closed ends the shell.
    pub(crate) fn paren_body(&mut self, start: usize) -> Result<Program, ShellError> {
        // bash names the `$((` of a substitution it first took for arithmetic
        let taken_for_arith =
            self.src.get(start) == Some(&'$') && self.src.get(start + 2) == Some(&'(');
        let open = |p: &Self| if taken_for_arith { start } else { p.i };
        self.enter()?;
        let outer_bad = self.deferred_bad.is_some();
        let prog = match self.program_until_paren() {
            Ok(prog) => prog,
            Err(e) if self.at_eof() && e.message.ends_with("unexpected end of file") => {
                return Err(self.eof_matching(open(self), ')'));
            }
            Err(e) => {
                self.fatal = !self.at_eof();
                return Err(e);
            }
        };
        // a bad `${ }` inside only ends the substitution's subshell (the file still stops at
        // this line, short of bash)
        if let (false, Some((_, fatal))) = (outer_bad, self.deferred_bad.as_mut()) {
            *fatal = false;
        }
        self.leave();
        if self.peek() != Some(')') {
            return Err(match self.peek() {
                None => self.eof_matching(open(self), ')'),
                Some(_) => self.unexpected(),
            });
        }
        self.i += 1;
        Ok(prog)
    }

    pub(crate) fn dollar(&mut self) -> Result<Option<WordPart>, ShellError> {
        let start = self.i;
        let pos = self.pos();
        self.i += 1;
        match self.peek() {
            Some('[') => Err(self.unsupported_at(start, "$[ ] arithmetic")),
            Some('{') => {
                self.i += 1;
                let p = self.braced_param(start, pos)?;
                Ok(Some(WordPart::Param(Box::new(p))))
            }
            Some('(') => {
                if self.peek_at(1) == Some('(') {
                    let save = self.i;
                    self.i += 2;
                    match self.arith_body(start) {
                        Ok(w) => return Ok(Some(WordPart::Arith(w))),
                        Err(e) if self.at_eof() => return Err(e),
                        Err(_) => self.i = save,
                    }
                }
                self.i += 1;
                let prog = self.paren_body(start)?;
                Ok(Some(WordPart::CmdSub(Rc::new(prog))))
            }
            Some(c) if is_name_start(c) => {
                let mut name = String::new();
                while let Some(c) = self.peek() {
                    if !is_name_char(c) {
                        break;
                    }
                    name.push(c);
                    self.i += 1;
                }
                Ok(Some(WordPart::Param(Box::new(simple_param(name, pos)))))
            }
            Some(c)
                if c.is_ascii_digit() || matches!(c, '@' | '*' | '#' | '?' | '$' | '!' | '-') =>
            {
                self.i += 1;
                Ok(Some(WordPart::Param(Box::new(simple_param(
                    c.to_string(),
                    pos,
                )))))
            }
            _ => Ok(None),
        }
    }

    /// After `$((`: the expression text up to the matching `))`.
    fn arith_body(&mut self, start: usize) -> Result<Word, ShellError> {
        self.enter()?;
        let r = self.arith_body_inner(start);
        self.leave();
        r
    }

    fn arith_body_inner(&mut self, start: usize) -> Result<Word, ShellError> {
        let pos = self.pos();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut depth = 0usize;
        loop {
            self.skip_continuations();
            let Some(c) = self.peek() else {
                return Err(self.eof_matching(start, ')'));
            };
            match c {
                '(' => {
                    depth += 1;
                    lit.push(c);
                    self.i += 1;
                }
                ')' => {
                    if depth == 0 {
                        if self.peek_at(1) == Some(')') {
                            self.i += 2;
                            break;
                        }
                        return Err(self.error_at(start, "unbalanced parentheses in $(( ))"));
                    }
                    depth -= 1;
                    lit.push(c);
                    self.i += 1;
                }
                _ => {
                    if !self.embedded_part(c, &mut parts, &mut lit)? {
                        lit.push(c);
                        self.i += 1;
                    }
                }
            }
        }
        flush(&mut parts, &mut lit);
        Ok(Word { parts, pos })
    }

    /// The text between `[` (already consumed) and its matching `]`, as a word (expansions
    /// allowed; evaluated later as an index or arithmetic).
    pub(crate) fn subscript(&mut self) -> Result<Word, ShellError> {
        let start = self.i;
        let pos = self.pos();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut depth = 0usize;
        loop {
            self.skip_continuations();
            let Some(c) = self.peek() else {
                return Err(self.eof_matching(start.saturating_sub(1), ']'));
            };
            match c {
                '[' => {
                    depth += 1;
                    lit.push(c);
                    self.i += 1;
                }
                ']' => {
                    self.i += 1;
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    lit.push(c);
                }
                '\\' => {
                    self.i += 1;
                    if let Some(n) = self.peek() {
                        self.i += 1;
                        flush(&mut parts, &mut lit);
                        parts.push(WordPart::Quoted(n.to_string()));
                    }
                }
                _ => {
                    if !self.embedded_part(c, &mut parts, &mut lit)? {
                        lit.push(c);
                        self.i += 1;
                    }
                }
            }
        }
        flush(&mut parts, &mut lit);
        Ok(Word { parts, pos })
    }

    /// A `$` expansion, a backquote or a quoted string inside an arithmetic body or a
    /// subscript, pushed as a part of its own. False when `c` starts none of them.
    fn embedded_part(
        &mut self,
        c: char,
        parts: &mut Vec<WordPart>,
        lit: &mut String,
    ) -> Result<bool, ShellError> {
        match c {
            '$' => match self.dollar()? {
                Some(p) => {
                    flush(parts, lit);
                    parts.push(p);
                }
                None => lit.push('$'),
            },
            '`' => {
                flush(parts, lit);
                let p = self.backquote()?;
                parts.push(p);
            }
            '"' => {
                flush(parts, lit);
                self.i += 1;
                let inner = self.dq_parts()?;
                parts.push(WordPart::DQ(inner));
            }
            '\'' => {
                flush(parts, lit);
                self.i += 1;
                let s = self.single_quoted()?;
                parts.push(WordPart::Quoted(s));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// After `${`.
    fn braced_param(&mut self, start: usize, pos: Pos) -> Result<ParamExp, ShellError> {
        let (from, depth) = (self.i, self.depth);
        let e = match self.braced_param_inner(start, pos) {
            Ok(p) => return Ok(p),
            // an error of this `${` (not of something nested in it) is decided by
            // bash's matching of its braces
            Err(e)
                if e.message == "bad substitution"
                    || (e.message.starts_with("unexpected EOF")
                        && (e.line, e.column) == (pos.line as usize, pos.col as usize)) =>
            {
                e
            }
            Err(e) => return Err(e),
        };
        // bash's tokenizer only matches the braces: a bad `${ }` is an error when the line
        // runs (it ends the shell), after any syntax error in the rest of the line
        match self.scan_matched(from, start, '}') {
            Err((k, close)) => Err(self.eof_matching(k, close)),
            Ok(end) if e.message == "bad substitution" => {
                let text: String = self.src[start..end].iter().collect();
                if self.deferred_bad.is_none() {
                    let e = self.error_at(start, format!("{text}: bad substitution"));
                    self.deferred_bad = Some((e, true));
                }
                (self.i, self.depth) = (end, depth);
                Ok(simple_param(String::new(), pos))
            }
            Ok(_) => Err(e),
        }
    }

    /// Bash's matching of a bracket opened at `open` (text from `from`): the index after its
    /// `close`, or the innermost construct still open at the end (where, which closer).
    /// Plain braces do not nest in `${ }`: the first `}` outside quotes and expansions ends it.
    fn scan_matched(&self, from: usize, open: usize, close: char) -> Result<usize, (usize, char)> {
        let mut stack = vec![(open, close)];
        let mut k = from;
        while let Some(&c) = self.src.get(k) {
            let Some(&(_, top)) = stack.last() else {
                break;
            };
            if top == '\'' {
                if c == '\'' {
                    stack.pop();
                }
            } else if c == '\\' {
                k += 1;
            } else if c == top {
                stack.pop();
                if stack.is_empty() {
                    return Ok(k + 1);
                }
            } else if top == '"' {
                if c == '`' {
                    stack.push((k, '`'));
                } else if c == '$' && matches!(self.src.get(k + 1), Some('{' | '(')) {
                    k += 1;
                    stack.push((k - 1, if self.src[k] == '{' { '}' } else { ')' }));
                }
            } else {
                match c {
                    '"' | '\'' | '`' => stack.push((k, c)),
                    '$' if matches!(self.src.get(k + 1), Some('{' | '(')) => {
                        k += 1;
                        stack.push((k - 1, if self.src[k] == '{' { '}' } else { ')' }));
                    }
                    '(' if top == ')' => stack.push((k, ')')),
                    _ => {}
                }
            }
            k += 1;
        }
        Err(stack.last().copied().unwrap_or((open, close)))
    }

    fn braced_param_inner(&mut self, start: usize, pos: Pos) -> Result<ParamExp, ShellError> {
        self.enter()?;
        let mut prefix = ParamPrefix::None;
        // `${#}` is $#, `${#v}` the length of v; `${!}` is $!, `${!v}` indirection.
        match (self.peek(), self.peek_at(1)) {
            (Some('#'), Some(c))
                if c != '}' && !(matches!(c, ':' | '-' | '=' | '+' | '?' | '%' | '/')) =>
            {
                prefix = ParamPrefix::Length;
                self.i += 1;
            }
            (Some('!'), Some(c)) if c != '}' => {
                prefix = ParamPrefix::Indirect;
                self.i += 1;
            }
            _ => {}
        }
        let mut name = String::new();
        match self.peek() {
            Some(c) if is_name_start(c) => {
                while let Some(c) = self.peek() {
                    if !is_name_char(c) {
                        break;
                    }
                    name.push(c);
                    self.i += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.peek() {
                    if !c.is_ascii_digit() {
                        break;
                    }
                    name.push(c);
                    self.i += 1;
                }
            }
            Some(c) if matches!(c, '@' | '*' | '#' | '?' | '$' | '!' | '-') => {
                name.push(c);
                self.i += 1;
            }
            _ => return Err(self.error_at(start, "bad substitution")),
        }
        let mut index = None;
        if self.peek() == Some('[') {
            self.i += 1;
            index = Some(self.subscript()?);
        }
        // `${!prefix*}` / `${!prefix@}`: names starting with prefix
        if prefix == ParamPrefix::Indirect
            && index.is_none()
            && matches!(self.peek(), Some('*' | '@'))
            && self.peek_at(1) == Some('}')
        {
            let c = self.peek().unwrap_or('@');
            self.i += 2;
            self.leave();
            return Ok(ParamExp {
                name: format!("{name}{c}"),
                index: None,
                prefix: ParamPrefix::Indirect,
                op: ParamOp::None,
                pos,
                braced: true,
            });
        }
        if self.peek() == Some('@') && self.peek_at(1).is_some_and(|c| c.is_ascii_alphabetic()) {
            return Err(self.unsupported_at(start, "${parameter@operator}"));
        }
        let op = match self.peek() {
            Some('}') => ParamOp::None,
            Some(':') => {
                self.i += 1;
                match self.peek() {
                    Some('-') => {
                        self.i += 1;
                        ParamOp::Default {
                            colon: true,
                            word: self.param_word(&['}'])?,
                        }
                    }
                    Some('=') => {
                        self.i += 1;
                        ParamOp::Assign {
                            colon: true,
                            word: self.param_word(&['}'])?,
                        }
                    }
                    Some('+') => {
                        self.i += 1;
                        ParamOp::Alt {
                            colon: true,
                            word: self.param_word(&['}'])?,
                        }
                    }
                    Some('?') => {
                        self.i += 1;
                        ParamOp::Error {
                            colon: true,
                            word: self.param_word(&['}'])?,
                        }
                    }
                    _ => {
                        let offset = self.param_word(&[':', '}'])?;
                        let length = if self.peek() == Some(':') {
                            self.i += 1;
                            Some(self.param_word(&['}'])?)
                        } else {
                            None
                        };
                        ParamOp::Substring { offset, length }
                    }
                }
            }
            Some('-') => {
                self.i += 1;
                ParamOp::Default {
                    colon: false,
                    word: self.param_word(&['}'])?,
                }
            }
            Some('=') => {
                self.i += 1;
                ParamOp::Assign {
                    colon: false,
                    word: self.param_word(&['}'])?,
                }
            }
            Some('+') => {
                self.i += 1;
                ParamOp::Alt {
                    colon: false,
                    word: self.param_word(&['}'])?,
                }
            }
            Some('?') => {
                self.i += 1;
                ParamOp::Error {
                    colon: false,
                    word: self.param_word(&['}'])?,
                }
            }
            Some('#') => {
                self.i += 1;
                let longest = self.peek() == Some('#');
                if longest {
                    self.i += 1;
                }
                ParamOp::RemovePrefix {
                    longest,
                    pattern: self.param_word(&['}'])?,
                }
            }
            Some('%') => {
                self.i += 1;
                let longest = self.peek() == Some('%');
                if longest {
                    self.i += 1;
                }
                ParamOp::RemoveSuffix {
                    longest,
                    pattern: self.param_word(&['}'])?,
                }
            }
            Some('/') => {
                self.i += 1;
                let mode = match self.peek() {
                    Some('/') => {
                        self.i += 1;
                        ReplaceMode::All
                    }
                    Some('#') => {
                        self.i += 1;
                        ReplaceMode::Prefix
                    }
                    Some('%') => {
                        self.i += 1;
                        ReplaceMode::Suffix
                    }
                    _ => ReplaceMode::First,
                };
                let pattern = self.param_word(&['/', '}'])?;
                let replacement = if self.peek() == Some('/') {
                    self.i += 1;
                    self.param_word(&['}'])?
                } else {
                    Word::default()
                };
                ParamOp::Replace {
                    mode,
                    pattern,
                    replacement,
                }
            }
            Some(c @ ('^' | ',')) => {
                self.i += 1;
                let all = self.peek() == Some(c);
                if all {
                    self.i += 1;
                }
                ParamOp::Case {
                    upper: c == '^',
                    all,
                    pattern: self.param_word(&['}'])?,
                }
            }
            Some('~') => return Err(self.unsupported_at(start, "${parameter~} case toggling")),
            _ => return Err(self.error_at(start, "bad substitution")),
        };
        if self.peek() != Some('}') {
            return Err(self.eof_matching(start, '}'));
        }
        self.i += 1;
        self.leave();
        Ok(ParamExp {
            name,
            index,
            prefix,
            op,
            pos,
            braced: true,
        })
    }

    /// The word of a `${v op word}`: blanks are literal, quotes work. It ends at the first
    /// unquoted `}`: bash does not nest plain braces there (`${u:-{x}}` is `{x` then `}`).
    fn param_word(&mut self, stops: &[char]) -> Result<Word, ShellError> {
        let pos = self.pos();
        let start = self.i;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            self.skip_continuations();
            let Some(c) = self.peek() else {
                return Err(self.eof_matching(start, '}'));
            };
            if stops.contains(&c) {
                break;
            }
            match c {
                '\'' => {
                    flush(&mut parts, &mut lit);
                    self.i += 1;
                    let s = self.single_quoted()?;
                    parts.push(WordPart::Quoted(s));
                }
                '"' => {
                    flush(&mut parts, &mut lit);
                    self.i += 1;
                    let inner = self.dq_parts()?;
                    parts.push(WordPart::DQ(inner));
                }
                '\\' => {
                    self.i += 1;
                    if let Some(n) = self.peek() {
                        self.i += 1;
                        flush(&mut parts, &mut lit);
                        parts.push(WordPart::Quoted(n.to_string()));
                    }
                }
                // `$'\n'` is ANSI-C quoting here too, even inside double quotes (extquote)
                '$' if self.peek_at(1) == Some('\'') => {
                    flush(&mut parts, &mut lit);
                    self.i += 2;
                    let s = self.ansi_c_quoted()?;
                    parts.push(WordPart::Quoted(s));
                }
                '$' => match self.dollar()? {
                    Some(p) => {
                        flush(&mut parts, &mut lit);
                        parts.push(p);
                    }
                    None => lit.push('$'),
                },
                '`' => {
                    flush(&mut parts, &mut lit);
                    let p = self.backquote()?;
                    parts.push(p);
                }
                _ => {
                    lit.push(c);
                    self.i += 1;
                }
            }
        }
        flush(&mut parts, &mut lit);
        Ok(Word { parts, pos })
    }

    /// At a backquote: the command text up to the closing one, with `\$`, `` \` `` and `\\`
    /// unescaped, parsed as a program.
    pub(crate) fn backquote(&mut self) -> Result<WordPart, ShellError> {
        let start = self.i;
        self.i += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.src.get(self.i).copied() else {
                return Err(self.eof_matching(start, '`'));
            };
            self.i += 1;
            match c {
                '`' => break,
                '\\' => match self.src.get(self.i).copied() {
                    Some(n @ ('$' | '`' | '\\')) => {
                        text.push(n);
                        self.i += 1;
                    }
                    Some('\n') => self.i += 1,
                    _ => text.push('\\'),
                },
                c => text.push(c),
            }
        }
        self.enter()?;
        let mut sub = Parser::new(&text, self.file.clone());
        sub.depth = self.depth;
        let base = self.pos_at(start);
        let prog = match sub.program() {
            Ok(prog) => prog,
            // bash parses backquotes when it runs them: the error is theirs, then
            Err(e) if !e.is_unsupported() && !e.message.starts_with("nesting deeper") => {
                let message =
                    crate::output::conf::substitution_syntax_error(&e, &text, base.line as usize);
                failing_substitution(message)
            }
            Err(mut e) => {
                if e.line == 1 {
                    e.column += base.col as usize;
                }
                e.line += base.line as usize - 1;
                return Err(e);
            }
        };
        self.leave();
        Ok(WordPart::CmdSub(Rc::new(prog)))
    }
}

/// A command substitution that prints `message` on stderr and fails with status 2.
fn failing_substitution(message: String) -> Program {
    let word = |p: WordPart| {
        Arg::Word(Word {
            parts: vec![p],
            pos: Pos::default(),
        })
    };
    let lit = |s: &str| word(WordPart::Lit(s.to_string()));
    let simple = |args: Vec<Arg>, redirs: Vec<Redir>| AndOr {
        first: Pipeline {
            negate: false,
            commands: vec![Command {
                kind: CommandKind::Simple {
                    assigns: Vec::new(),
                    args,
                },
                redirs,
                pos: Pos::default(),
            }],
            pos: Pos::default(),
        },
        rest: Vec::new(),
    };
    let to_stderr = Redir {
        fd: Some(1),
        op: RedirOp::DupOut,
        target: Word {
            parts: vec![WordPart::Lit("2".into())],
            pos: Pos::default(),
        },
    };
    Program {
        items: vec![
            simple(
                vec![lit("printf"), lit("%s"), word(WordPart::Quoted(message))],
                vec![to_stderr],
            ),
            simple(vec![lit("exit"), lit("2")], Vec::new()),
        ],
    }
}

pub(crate) fn simple_param(name: String, pos: Pos) -> ParamExp {
    ParamExp {
        name,
        index: None,
        prefix: ParamPrefix::None,
        op: ParamOp::None,
        pos,
        braced: false,
    }
}

pub(crate) fn flush(parts: &mut Vec<WordPart>, lit: &mut String) {
    if !lit.is_empty() {
        parts.push(WordPart::Lit(std::mem::take(lit)));
    }
}

fn flush_quoted(parts: &mut Vec<WordPart>, lit: &mut String) {
    if !lit.is_empty() {
        parts.push(WordPart::Quoted(std::mem::take(lit)));
    }
}
