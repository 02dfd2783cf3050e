//! Words to commands: lists, and-or lists, pipelines, simple commands with assignments and
//! redirections, compound commands (`if`, `while`/`until`, `for`, `case`, `{ }`, `( )`,
//! `(( ))`, `[[ ]]`) and function definitions. Errors name the line, column and construct.

use std::rc::Rc;

use super::ast::*;
use super::lexer::{flush, is_meta, is_name, is_name_char, is_name_start, Parser};
use super::ShellError;

type PResult<T> = Result<T, ShellError>;

const RESERVED_CLOSERS: &[&str] = &["then", "elif", "else", "fi", "do", "done", "esac", "}"];

const DECLARATION_BUILTINS: &[&str] = &["local", "declare", "typeset", "export", "readonly"];

const UNARY_TESTS: &[&str] = &[
    "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-p", "-r", "-s", "-t", "-u", "-w", "-x",
    "-G", "-L", "-N", "-O", "-S", "-n", "-z", "-o", "-v", "-R",
];

const BINARY_TESTS: &[&str] = &[
    "==", "=", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef",
];

/// Parse a whole file or string.
pub fn parse(text: &str, file: impl Into<std::path::PathBuf>) -> PResult<Program> {
    Parser::new(text, file).program()
}

impl Parser {
    pub fn program(&mut self) -> PResult<Program> {
        let prog = self.list(&[])?;
        if !self.at_eof() {
            return Err(self.unexpected());
        }
        if let Some(e) = self.deferred_unsupported.take() {
            return Err(e);
        }
        Ok(prog)
    }

    /// The next complete top-level command (bash reads and runs a file one command at a
    /// time, so commands before a syntax error still run). `None` at the end.
    pub fn next_command(&mut self) -> PResult<Option<AndOr>> {
        self.skip_separators_nl();
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        if c == ')' || c == ';' || c == '&' || c == '|' {
            return Err(self.unexpected());
        }
        if RESERVED_CLOSERS.iter().any(|kw| self.at_keyword(kw)) {
            return Err(self.unexpected());
        }
        let ao = self.and_or()?;
        self.skip_blanks();
        match self.peek() {
            Some(';') if !self.starts_with(";;") && !self.starts_with(";&") => self.i += 1,
            Some('&') if !self.starts_with("&&") => self.i += 1,
            Some('\n') => {
                self.bump();
            }
            None => {}
            _ => return Err(self.unexpected()),
        }
        if let Some(e) = self.deferred_unsupported.take() {
            return Err(e);
        }
        Ok(Some(ao))
    }

    pub(crate) fn program_until_paren(&mut self) -> PResult<Program> {
        self.list(&[])
    }

    fn unexpected(&self) -> ShellError {
        let tok = self.peek_token();
        if tok.is_empty() {
            self.error("syntax error: unexpected end of file")
        } else {
            self.error(format!("syntax error near unexpected token `{tok}'"))
        }
    }

    fn peek_token(&self) -> String {
        let Some(c) = self.peek() else {
            return String::new();
        };
        for op in [
            ";;&", ";;", ";&", "&&", "||", "|&", ">>", "<<", ";", "&", "|", "(", ")", "<", ">",
            "\n",
        ] {
            if self.starts_with(op) {
                return if op == "\n" {
                    "newline".into()
                } else {
                    op.into()
                };
            }
        }
        if c == '\n' {
            return "newline".into();
        }
        self.peek_keyword().unwrap_or_else(|| c.to_string())
    }

    /// The plain word at the cursor if it could be a reserved word.
    /// End of the plain word at the cursor when it could be a reserved word.
    fn keyword_end(&self) -> Option<usize> {
        let mut k = self.i;
        while let Some(&c) = self.src.get(k) {
            if is_meta(c) || matches!(c, '\'' | '"' | '$' | '`' | '\\') {
                break;
            }
            k += 1;
        }
        if k == self.i {
            return None;
        }
        match self.src.get(k) {
            None => Some(k),
            Some(&c) if is_meta(c) => Some(k),
            _ => None,
        }
    }

    /// The plain word at the cursor if it could be a reserved word.
    pub(crate) fn peek_keyword(&self) -> Option<String> {
        let end = self.keyword_end()?;
        // reserved words and names of function definitions are short; long words are neither
        // worth nor needing an allocation here
        Some(self.src[self.i..end].iter().collect())
    }

    fn at_keyword(&self, kw: &str) -> bool {
        // reserved words hold no metacharacter or quote: comparing them and the character
        // after is enough, without scanning a long word to its end for every keyword tried
        let end = self.i + kw.len();
        self.src
            .get(self.i..end)
            .is_some_and(|w| w.iter().copied().eq(kw.chars()))
            && self.src.get(end).is_none_or(|&c| is_meta(c))
    }

    fn eat_keyword(&mut self, kw: &str) -> PResult<()> {
        self.skip_separators_nl();
        if self.at_keyword(kw) {
            self.i += kw.chars().count();
            Ok(())
        } else {
            let e = self.unexpected();
            Err(ShellError {
                message: format!("{} (expected `{kw}')", e.message),
                ..e
            })
        }
    }

    fn skip_separators_nl(&mut self) {
        loop {
            self.skip_blanks();
            if self.peek() == Some('\n') {
                self.bump();
            } else {
                break;
            }
        }
    }

    /// A list of and-or lists up to EOF, `)`, `;;`, or one of the `stops` keywords.
    fn list(&mut self, stops: &[&str]) -> PResult<Program> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            self.skip_separators_nl();
            let Some(c) = self.peek() else { break };
            if c == ')' || self.starts_with(";;") || self.starts_with(";&") {
                break;
            }
            if stops.iter().any(|kw| self.at_keyword(kw)) {
                break;
            }
            if RESERVED_CLOSERS.iter().any(|kw| self.at_keyword(kw)) {
                return Err(self.unexpected());
            }
            if c == ';' || c == '&' || c == '|' {
                return Err(self.unexpected());
            }
            let ao = self.and_or()?;
            items.push(ao);
            self.skip_blanks();
            match self.peek() {
                Some(';') if !self.starts_with(";;") && !self.starts_with(";&") => {
                    self.i += 1;
                }
                Some('&') if !self.starts_with("&&") => {
                    self.i += 1;
                }
                Some('\n') => {
                    self.bump();
                }
                _ => break,
            }
        }
        self.leave();
        Ok(Program { items })
    }

    fn and_or(&mut self) -> PResult<AndOr> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            self.skip_blanks();
            let op = if self.starts_with("&&") {
                AndOrOp::And
            } else if self.starts_with("||") {
                AndOrOp::Or
            } else {
                break;
            };
            self.i += 2;
            self.skip_separators_nl();
            rest.push((op, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> PResult<Pipeline> {
        self.skip_blanks();
        let pos = self.pos();
        let mut negate = false;
        while self.at_keyword("!") {
            negate = !negate;
            self.i += 1;
            self.skip_blanks();
        }
        let mut commands = vec![self.command()?];
        loop {
            self.skip_blanks();
            if self.peek() == Some('|') && !self.starts_with("||") {
                self.i += 1;
                if self.peek() == Some('&') {
                    self.i += 1;
                    if let Some(last) = commands.last_mut() {
                        last.redirs.push(Redir {
                            fd: Some(2),
                            op: RedirOp::DupOut,
                            target: lit_word("1"),
                        });
                    }
                }
                self.skip_separators_nl();
                commands.push(self.command()?);
            } else {
                break;
            }
        }
        Ok(Pipeline {
            negate,
            commands,
            pos,
        })
    }

    fn command(&mut self) -> PResult<Command> {
        self.skip_blanks();
        self.enter()?;
        let pos = self.pos();
        let kind = if self.starts_with("((") {
            let start = self.i;
            self.i += 2;
            CommandKind::Arith(self.arith_command_body(start)?)
        } else if self.peek() == Some('(') {
            self.i += 1;
            let body = self.list(&[])?;
            if self.peek() != Some(')') {
                return Err(self.unexpected());
            }
            self.i += 1;
            CommandKind::Subshell(body)
        } else {
            let kw = match self.keyword_end() {
                Some(end) if end - self.i <= 8 => self.peek_keyword(),
                _ => None,
            };
            match kw.as_deref() {
                Some("if") => self.if_command()?,
                Some("while") => self.while_command(false)?,
                Some("until") => self.while_command(true)?,
                Some("for") => self.for_command()?,
                Some("case") => self.case_command()?,
                Some("{") => {
                    self.i += 1;
                    let body = self.list(&["}"])?;
                    self.eat_keyword("}")?;
                    CommandKind::Group(body)
                }
                Some("[[") => {
                    self.i += 2;
                    let e = self.cond_or()?;
                    self.skip_separators_nl();
                    if !self.at_keyword("]]") {
                        return Err(
                            self.error("syntax error in conditional expression: expected `]]'")
                        );
                    }
                    self.i += 2;
                    CommandKind::Cond(e)
                }
                Some("function") => {
                    self.i += "function".len();
                    self.skip_blanks();
                    let name = self.peek_keyword().unwrap_or_default();
                    if name.is_empty() {
                        return Err(self.unexpected());
                    }
                    self.i += name.chars().count();
                    self.skip_blanks();
                    if self.peek() == Some('(') {
                        self.i += 1;
                        self.skip_blanks();
                        if self.peek() != Some(')') {
                            return Err(self.unexpected());
                        }
                        self.i += 1;
                    }
                    self.function_body(name)?
                }
                Some(kw) if RESERVED_CLOSERS.contains(&kw) => return Err(self.unexpected()),
                _ => {
                    if let Some(name) = self.function_def_name() {
                        self.function_body(name)?
                    } else {
                        let cmd = self.simple_command(pos)?;
                        self.leave();
                        return Ok(cmd);
                    }
                }
            }
        };
        let mut redirs = Vec::new();
        loop {
            self.skip_blanks();
            match self.redirection()? {
                Some(r) => redirs.push(r),
                None => break,
            }
        }
        self.leave();
        Ok(Command { kind, redirs, pos })
    }

    /// `name ( )` at the cursor: consumes it and returns the name.
    fn function_def_name(&mut self) -> Option<String> {
        let end = self.keyword_end()?;
        let mut k = end;
        while matches!(self.src.get(k), Some(' ' | '\t')) {
            k += 1;
        }
        if self.src.get(k) != Some(&'(') {
            return None;
        }
        let name = self.peek_keyword()?;
        let n = name.chars().count();
        let mut k = self.i + n;
        while matches!(self.src.get(k), Some(' ' | '\t')) {
            k += 1;
        }
        if self.src.get(k) != Some(&'(') {
            return None;
        }
        k += 1;
        while matches!(self.src.get(k), Some(' ' | '\t')) {
            k += 1;
        }
        if self.src.get(k) != Some(&')') {
            return None;
        }
        if name.contains(['=', '[']) {
            return None;
        }
        self.i = k + 1;
        Some(name)
    }

    fn function_body(&mut self, name: String) -> PResult<CommandKind> {
        self.skip_separators_nl();
        let body = self.command()?;
        match body.kind {
            CommandKind::Simple { .. } | CommandKind::FuncDef { .. } => Err(self.error(format!(
                "syntax error: function `{name}' needs a compound command as its body"
            ))),
            _ => Ok(CommandKind::FuncDef {
                name,
                body: Rc::new(body),
            }),
        }
    }

    fn arith_command_body(&mut self, start: usize) -> PResult<Word> {
        let pos = self.pos();
        let mut depth = 0usize;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            self.skip_continuations();
            let Some(c) = self.peek() else {
                return Err(self.error_at(start, "unterminated (( arithmetic command"));
            };
            match c {
                '(' => {
                    depth += 1;
                    lit.push(c);
                    self.i += 1;
                }
                ')' if depth == 0 => {
                    if self.peek_at(1) == Some(')') {
                        self.i += 2;
                        break;
                    }
                    return Err(self.error_at(start, "unbalanced parentheses in (( ))"));
                }
                ')' => {
                    depth -= 1;
                    lit.push(c);
                    self.i += 1;
                }
                '$' | '`' | '"' | '\'' => {
                    flush(&mut parts, &mut lit);
                    let mut tmp = Vec::new();
                    let mut l = String::new();
                    // one quoted/expansion unit
                    let save = self.i;
                    self.word_parts_one(&mut tmp, &mut l)?;
                    if self.i == save {
                        lit.push(c);
                        self.i += 1;
                    }
                    flush(&mut tmp, &mut l);
                    parts.extend(tmp);
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

    /// Scan exactly one quoting or expansion unit at the cursor.
    fn word_parts_one(&mut self, parts: &mut Vec<WordPart>, lit: &mut String) -> PResult<()> {
        match self.peek() {
            Some('$') => {
                if let Some(p) = self.dollar()? {
                    parts.push(p);
                } else {
                    lit.push('$');
                }
            }
            Some('\'') => {
                self.i += 1;
                let s = self.single_quoted()?;
                parts.push(WordPart::Quoted(s));
            }
            Some('"') => {
                self.i += 1;
                let inner = self.dq_parts()?;
                parts.push(WordPart::DQ(inner));
            }
            Some('`') => {
                let p = self.backquote()?;
                parts.push(p);
            }
            _ => {}
        }
        Ok(())
    }

    fn if_command(&mut self) -> PResult<CommandKind> {
        self.i += 2;
        let mut branches = Vec::new();
        let cond = self.list(&["then"])?;
        self.eat_keyword("then")?;
        let body = self.list(&["elif", "else", "fi"])?;
        branches.push((cond, body));
        let mut otherwise = None;
        loop {
            self.skip_separators_nl();
            if self.at_keyword("elif") {
                self.i += 4;
                let cond = self.list(&["then"])?;
                self.eat_keyword("then")?;
                let body = self.list(&["elif", "else", "fi"])?;
                branches.push((cond, body));
            } else if self.at_keyword("else") {
                self.i += 4;
                otherwise = Some(self.list(&["fi"])?);
                self.eat_keyword("fi")?;
                break;
            } else {
                self.eat_keyword("fi")?;
                break;
            }
        }
        Ok(CommandKind::If {
            branches,
            otherwise,
        })
    }

    fn while_command(&mut self, until: bool) -> PResult<CommandKind> {
        self.i += 5;
        let cond = self.list(&["do"])?;
        self.eat_keyword("do")?;
        let body = self.list(&["done"])?;
        self.eat_keyword("done")?;
        Ok(CommandKind::While { until, cond, body })
    }

    fn for_command(&mut self) -> PResult<CommandKind> {
        self.i += 3;
        self.skip_blanks();
        if self.starts_with("((") {
            let start = self.i;
            self.i += 2;
            let [init, cond, step] = arith_for_clauses(self.arith_command_body(start)?);
            self.skip_blanks();
            if self.peek() == Some(';') {
                self.i += 1;
            }
            self.skip_separators_nl();
            let body = self.loop_body()?;
            return Ok(CommandKind::ArithFor {
                init,
                cond,
                step,
                body,
            });
        }
        let var = self.peek_keyword().unwrap_or_default();
        if !is_name(&var) {
            return Err(self.error(format!("`{var}': not a valid identifier")));
        }
        self.i += var.len();
        self.skip_separators_nl();
        let mut words = None;
        if self.at_keyword("in") {
            self.i += 2;
            let mut list = Vec::new();
            loop {
                self.skip_blanks();
                match self.peek() {
                    Some(';') | Some('\n') => {
                        self.bump();
                        break;
                    }
                    None => break,
                    _ => match self.word()? {
                        Some(w) => {
                            if let Err(e) = self.reject_brace_expansion(&w) {
                                self.defer_unsupported(e);
                            }
                            list.push(w)
                        }
                        None => return Err(self.unexpected()),
                    },
                }
            }
            words = Some(list);
        } else if self.peek() == Some(';') {
            self.i += 1;
        }
        self.skip_separators_nl();
        let body = self.loop_body()?;
        Ok(CommandKind::For { var, words, body })
    }

    fn loop_body(&mut self) -> PResult<Program> {
        if self.at_keyword("{") {
            self.i += 1;
            let body = self.list(&["}"])?;
            self.eat_keyword("}")?;
            return Ok(body);
        }
        self.eat_keyword("do")?;
        let body = self.list(&["done"])?;
        self.eat_keyword("done")?;
        Ok(body)
    }

    fn case_command(&mut self) -> PResult<CommandKind> {
        self.i += 4;
        self.skip_blanks();
        let word = self.word()?.ok_or_else(|| self.unexpected())?;
        self.skip_separators_nl();
        self.eat_keyword("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_separators_nl();
            if self.at_keyword("esac") {
                self.i += 4;
                break;
            }
            if self.at_eof() {
                return Err(self.error("syntax error: unexpected end of file (expected `esac')"));
            }
            if self.peek() == Some('(') {
                self.i += 1;
            }
            let mut patterns = Vec::new();
            loop {
                self.skip_blanks();
                let w = self.word()?.ok_or_else(|| self.unexpected())?;
                patterns.push(w);
                self.skip_blanks();
                match self.peek() {
                    Some('|') => self.i += 1,
                    Some(')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.unexpected()),
                }
            }
            let body = self.list(&["esac"])?;
            self.skip_separators_nl();
            let term = if self.starts_with(";;&") {
                self.i += 3;
                CaseTerm::Continue
            } else if self.starts_with(";;") {
                self.i += 2;
                CaseTerm::Break
            } else if self.starts_with(";&") {
                self.i += 2;
                CaseTerm::FallThrough
            } else if self.at_keyword("esac") {
                CaseTerm::Break
            } else {
                return Err(self.unexpected());
            };
            arms.push(CaseArm {
                patterns,
                body,
                term,
            });
        }
        Ok(CommandKind::Case { word, arms })
    }

    // ---- [[ ]]

    fn cond_or(&mut self) -> PResult<CondExpr> {
        let mut left = self.cond_and()?;
        loop {
            self.skip_separators_nl();
            if self.starts_with("||") {
                self.i += 2;
                let right = self.cond_and()?;
                left = CondExpr::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn cond_and(&mut self) -> PResult<CondExpr> {
        let mut left = self.cond_not()?;
        loop {
            self.skip_separators_nl();
            if self.starts_with("&&") {
                self.i += 2;
                let right = self.cond_not()?;
                left = CondExpr::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn cond_not(&mut self) -> PResult<CondExpr> {
        self.skip_separators_nl();
        self.enter()?;
        let r = if self.at_keyword("!") {
            self.i += 1;
            Ok(CondExpr::Not(Box::new(self.cond_not()?)))
        } else {
            self.cond_primary()
        };
        self.leave();
        r
    }

    fn cond_word(&mut self) -> PResult<Word> {
        self.skip_separators_nl();
        if self.at_keyword("]]") || self.at_eof() {
            return Err(self.error("syntax error in conditional expression"));
        }
        self.word()?.ok_or_else(|| {
            self.error(format!(
                "syntax error in conditional expression near `{}'",
                self.peek_token()
            ))
        })
    }

    fn cond_primary(&mut self) -> PResult<CondExpr> {
        self.skip_separators_nl();
        if self.peek() == Some('(') {
            self.i += 1;
            let e = self.cond_or()?;
            self.skip_separators_nl();
            if self.peek() != Some(')') {
                return Err(self.error("syntax error in conditional expression: expected `)'"));
            }
            self.i += 1;
            return Ok(e);
        }
        let first = self.cond_word()?;
        self.skip_blanks();
        if let Some(op) = first.as_literal() {
            if UNARY_TESTS.contains(&op) && !self.at_cond_end() && !self.at_binary_op() {
                let operand = self.cond_word()?;
                return Ok(CondExpr::Unary(op.to_string(), operand));
            }
        }
        if self.starts_with("=~") && matches!(self.peek_at(2), Some(' ' | '\t')) {
            self.i += 2;
            self.skip_blanks();
            let pos = self.pos();
            let mut parts = Vec::new();
            let mut lit = String::new();
            self.word_parts(&mut parts, &mut lit, &[], true)?;
            flush(&mut parts, &mut lit);
            return Ok(CondExpr::Regex(first, Word { parts, pos }));
        }
        if let Some(c @ ('<' | '>')) = self.peek() {
            self.i += 1;
            let right = self.cond_word()?;
            return Ok(CondExpr::Binary(first, c.to_string(), right));
        }
        if let Some(kw) = self.peek_keyword() {
            if BINARY_TESTS.contains(&kw.as_str()) {
                self.i += kw.len();
                let right = self.cond_word()?;
                return Ok(CondExpr::Binary(first, kw, right));
            }
        }
        Ok(CondExpr::Single(first))
    }

    fn at_cond_end(&self) -> bool {
        self.at_keyword("]]")
            || self.starts_with("&&")
            || self.starts_with("||")
            || self.peek() == Some(')')
    }

    fn at_binary_op(&self) -> bool {
        if self.starts_with("=~") || matches!(self.peek(), Some('<' | '>')) {
            return true;
        }
        self.peek_keyword()
            .is_some_and(|k| BINARY_TESTS.contains(&k.as_str()))
    }

    // ---- simple commands

    fn simple_command(&mut self, pos: Pos) -> PResult<Command> {
        let mut assigns = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let mut redirs = Vec::new();
        loop {
            self.skip_blanks();
            if self.starts_with("<(") || self.starts_with(">(") {
                return Err(self.unsupported_at(self.i, "process substitution"));
            }
            if let Some(r) = self.redirection()? {
                redirs.push(r);
                continue;
            }
            let Some(c) = self.peek() else { break };
            if matches!(c, '\n' | ';' | '&' | '|' | ')') {
                break;
            }
            if c == '(' {
                return Err(self.unexpected());
            }
            let declaration = args
                .first()
                .and_then(|a| match a {
                    Arg::Word(w) => w.as_literal(),
                    _ => None,
                })
                .is_some_and(|w| DECLARATION_BUILTINS.contains(&w));
            if args.is_empty() || declaration {
                if let Some(a) = self.assignment()? {
                    if args.is_empty() {
                        assigns.push(a);
                    } else {
                        args.push(Arg::Assign(a));
                    }
                    continue;
                }
            }
            match self.word()? {
                Some(w) => {
                    // keywords with a syntax of their own: the rest cannot be parsed here
                    if args.is_empty() && assigns.is_empty() {
                        if let Some(kw @ ("select" | "coproc")) = w.as_literal() {
                            return Err(self.unsupported_at_pos(w.pos, &format!("`{kw}'")));
                        }
                    }
                    args.push(Arg::Word(w))
                }
                None => return Err(self.unexpected()),
            }
        }
        if assigns.is_empty() && args.is_empty() && redirs.is_empty() {
            return Err(self.unexpected());
        }
        if let Err(e) = self.reject_unsupported_command(&args) {
            self.defer_unsupported(e);
        }
        Ok(Command {
            kind: CommandKind::Simple { assigns, args },
            redirs,
            pos,
        })
    }

    /// `name=value`, `name+=value`, `name[i]=value`, `name=(…)` at the cursor.
    fn assignment(&mut self) -> PResult<Option<Assign>> {
        let start = self.i;
        let pos = self.pos();
        if !self.peek().is_some_and(is_name_start) {
            return Ok(None);
        }
        let mut k = self.i;
        while self.src.get(k).copied().is_some_and(is_name_char) {
            k += 1;
        }
        let name: String = self.src[self.i..k].iter().collect();
        let mut has_index = false;
        if self.src.get(k) == Some(&'[') {
            // find the matching `]`
            let mut depth = 0usize;
            let mut j = k;
            loop {
                match self.src.get(j) {
                    None | Some('\n') => return Ok(None),
                    Some('[') => depth += 1,
                    Some(']') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            has_index = true;
            k = j + 1;
        }
        let append = self.src.get(k) == Some(&'+') && self.src.get(k + 1) == Some(&'=');
        if !(append || self.src.get(k) == Some(&'=')) {
            return Ok(None);
        }
        // commit
        self.i += name.len();
        let index = if has_index {
            self.i += 1;
            Some(self.subscript()?)
        } else {
            None
        };
        self.i += if append { 2 } else { 1 };
        let value = if self.peek() == Some('(') {
            self.i += 1;
            AssignValue::Array(self.array_literal(start)?)
        } else if self.peek().is_none_or(is_meta) {
            AssignValue::Scalar(Word {
                parts: vec![],
                pos: self.pos(),
            })
        } else {
            AssignValue::Scalar(self.word()?.unwrap_or_default())
        };
        Ok(Some(Assign {
            name,
            index,
            append,
            value,
            pos,
        }))
    }

    fn array_literal(&mut self, start: usize) -> PResult<Vec<(Option<Word>, Word)>> {
        let mut items = Vec::new();
        loop {
            self.skip_separators_nl();
            match self.peek() {
                None => return Err(self.error_at(start, "unterminated array assignment `('")),
                Some(')') => {
                    self.i += 1;
                    return Ok(items);
                }
                Some('[') => {
                    let save = self.i;
                    self.i += 1;
                    let key = self.subscript()?;
                    if self.peek() == Some('=') {
                        self.i += 1;
                        let value = if self.peek().is_none_or(is_meta) {
                            Word::default()
                        } else {
                            self.word()?.unwrap_or_default()
                        };
                        items.push((Some(key), value));
                    } else {
                        self.i = save;
                        let w = self.word()?.ok_or_else(|| self.unexpected())?;
                        items.push((None, w));
                    }
                }
                Some(_) => {
                    let w = self.word()?.ok_or_else(|| self.unexpected())?;
                    items.push((None, w));
                }
            }
        }
    }

    /// A redirection at the cursor, if there is one.
    fn redirection(&mut self) -> PResult<Option<Redir>> {
        let save = self.i;
        let mut k = self.i;
        while self.src.get(k).is_some_and(|c| c.is_ascii_digit()) {
            k += 1;
        }
        let fd: Option<u32> = if k > self.i {
            let digits: String = self.src[self.i..k].iter().collect();
            match self.src.get(k) {
                Some('<' | '>') => digits.parse().ok(),
                _ => return Ok(None),
            }
        } else {
            None
        };
        self.i = k;
        let op = if self.starts_with("&>>") && fd.is_none() {
            self.i += 3;
            RedirOp::AppendErr
        } else if self.starts_with("&>") && fd.is_none() {
            self.i += 2;
            RedirOp::OutErr
        } else if self.starts_with("<<<") {
            self.i += 3;
            RedirOp::HereString
        } else if self.starts_with("<<") {
            self.i += 2;
            let strip = self.peek() == Some('-');
            if strip {
                self.i += 1;
            }
            return self.heredoc(fd, strip).map(Some);
        } else if self.starts_with("<&") {
            self.i += 2;
            RedirOp::DupIn
        } else if self.starts_with("<>") {
            self.i += 2;
            RedirOp::ReadWrite
        } else if self.starts_with("<") {
            self.i += 1;
            RedirOp::In
        } else if self.starts_with(">>") {
            self.i += 2;
            RedirOp::Append
        } else if self.starts_with(">&") {
            self.i += 2;
            RedirOp::DupOut
        } else if self.starts_with(">|") {
            self.i += 2;
            RedirOp::Out
        } else if self.starts_with(">") {
            self.i += 1;
            RedirOp::Out
        } else {
            self.i = save;
            return Ok(None);
        };
        self.skip_blanks();
        if self.starts_with("<(") && op == RedirOp::In {
            // `done < <(cmd)`: stdin is the commands' output, as for `$(cmd)` unstripped
            let (start, pos) = (self.i, self.pos());
            self.i += 2;
            let prog = self.paren_body(start, "unterminated <( process substitution")?;
            let target = Word {
                parts: vec![WordPart::CmdSub(Rc::new(prog))],
                pos,
            };
            let op = RedirOp::InProc;
            return Ok(Some(Redir { fd, op, target }));
        }
        if self.starts_with("<(") || self.starts_with(">(") {
            return Err(self.unsupported_at(self.i, "process substitution"));
        }
        let target = self.word()?.ok_or_else(|| {
            self.error(format!(
                "syntax error near unexpected token `{}'",
                self.peek_token()
            ))
        })?;
        Ok(Some(Redir { fd, op, target }))
    }

    fn heredoc(&mut self, fd: Option<u32>, strip_tabs: bool) -> PResult<Redir> {
        self.skip_blanks();
        let delim_word = self.word()?.ok_or_else(|| self.unexpected())?;
        let quoted = delim_word
            .parts
            .iter()
            .any(|p| !matches!(p, WordPart::Lit(_)));
        let delim: String = delim_word
            .parts
            .iter()
            .map(|p| match p {
                WordPart::Lit(s) | WordPart::Quoted(s) => s.clone(),
                WordPart::DQ(inner) => inner
                    .iter()
                    .map(|q| match q {
                        WordPart::Quoted(s) | WordPart::Lit(s) => s.clone(),
                        _ => String::new(),
                    })
                    .collect(),
                _ => String::new(),
            })
            .collect();
        // The body starts after the end of the current line (or after an earlier body).
        let (nl, mut k) = match self.heredoc_skip {
            Some((nl, end)) => (nl, end),
            None => {
                let mut j = self.i;
                while j < self.src.len() && self.src[j] != '\n' {
                    j += 1;
                }
                (j, j + 1)
            }
        };
        let mut body = String::new();
        loop {
            if k >= self.src.len() {
                break;
            }
            let mut e = k;
            while e < self.src.len() && self.src[e] != '\n' {
                e += 1;
            }
            let mut line: String = self.src[k..e].iter().collect();
            if strip_tabs {
                line = line.trim_start_matches('\t').to_string();
            }
            k = (e + 1).min(self.src.len() + 1);
            if line == delim {
                break;
            }
            body.push_str(&line);
            body.push('\n');
        }
        let k = k.min(self.src.len());
        self.heredoc_skip = Some((nl, k));
        let pos = delim_word.pos;
        let target = if quoted {
            Word {
                parts: vec![WordPart::Quoted(body)],
                pos,
            }
        } else {
            let mut sub = Parser::new(&body, self.file.clone());
            sub.depth = self.depth;
            Word {
                parts: vec![WordPart::DQ(sub.heredoc_parts()?)],
                pos,
            }
        };
        Ok(Redir {
            fd,
            op: RedirOp::HereDoc,
            target,
        })
    }

    fn heredoc_parts(&mut self) -> PResult<Vec<WordPart>> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        while let Some(c) = self.peek() {
            match c {
                '\\' => {
                    match self.peek_at(1) {
                        Some('\n') => {}
                        Some(n @ ('$' | '`' | '\\')) => lit.push(n),
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
                        if !lit.is_empty() {
                            parts.push(WordPart::Quoted(std::mem::take(&mut lit)));
                        }
                        parts.push(p);
                    }
                    None => lit.push('$'),
                },
                '`' => {
                    if !lit.is_empty() {
                        parts.push(WordPart::Quoted(std::mem::take(&mut lit)));
                    }
                    let mut w = Vec::new();
                    let mut l = String::new();
                    self.word_parts_one(&mut w, &mut l)?;
                    parts.extend(w);
                }
                _ => {
                    lit.push(c);
                    self.i += 1;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(WordPart::Quoted(lit));
        }
        Ok(parts)
    }
}

/// The three clauses of a `for (( ))` header: its text split at the first two `;`s outside
/// expansions and quotes (`i < ${#A[@]}` stays one clause); a blank clause is empty.
fn arith_for_clauses(header: Word) -> [Word; 3] {
    let mut clauses: [Word; 3] = Default::default();
    let mut k = 0;
    for part in header.parts {
        match part {
            WordPart::Lit(text) if k < 2 && text.contains(';') => {
                let mut cur = String::new();
                for c in text.chars() {
                    if c == ';' && k < 2 {
                        clauses[k]
                            .parts
                            .push(WordPart::Lit(std::mem::take(&mut cur)));
                        k += 1;
                    } else {
                        cur.push(c);
                    }
                }
                clauses[k].parts.push(WordPart::Lit(cur));
            }
            other => clauses[k].parts.push(other),
        }
    }
    for c in &mut clauses {
        c.pos = header.pos;
        if c.parts
            .iter()
            .all(|p| matches!(p, WordPart::Lit(t) if t.trim().is_empty()))
        {
            c.parts.clear();
        }
    }
    clauses
}

pub(crate) fn lit_word(s: &str) -> Word {
    Word {
        parts: if s.is_empty() {
            vec![]
        } else {
            vec![WordPart::Lit(s.to_string())]
        },
        pos: Pos::default(),
    }
}

/// Bash builtins and keywords the evaluator does not implement: a file using one is evaluated
/// by bash (`fallback`) rather than failing with "command not found".
const UNSUPPORTED_COMMANDS: &[&str] = &[
    "coproc", "select", "getopts", "bind", "compgen", "complete", "compopt", "disown", "fc",
    "history", "jobs", "fg", "bg", "suspend", "logout",
];

/// Declaration options whose semantics (integer, case conversion, name references) the
/// evaluator does not implement.
const UNSUPPORTED_DECLARE_OPTIONS: &[char] = &['n', 'i', 'l', 'u', 'I'];

impl Parser {
    fn unsupported_at_pos(&self, pos: Pos, construct: &str) -> ShellError {
        ShellError {
            file: self.file.clone(),
            line: pos.line as usize,
            column: pos.col as usize,
            message: format!("{construct} is outside the built-in shell subset"),
            unsupported: Some(construct.to_string()),
        }
    }

    fn defer_unsupported(&mut self, e: ShellError) {
        if self.deferred_unsupported.is_none() {
            self.deferred_unsupported = Some(e);
        }
    }

    fn reject_brace_expansion(&self, w: &Word) -> PResult<()> {
        match brace_expansion(w) {
            Some(kind) => Err(self.unsupported_at_pos(w.pos, kind)),
            None => Ok(()),
        }
    }

    /// Bash builtins, keywords and words the evaluator does not implement.
    fn reject_unsupported_command(&self, args: &[Arg]) -> PResult<()> {
        let words = args.iter().filter_map(|a| match a {
            Arg::Word(w) => Some(w),
            _ => None,
        });
        let mut first = None;
        for (n, w) in words.enumerate() {
            if n == 0 {
                first = w.as_literal();
                if let Some(name) = first.filter(|f| UNSUPPORTED_COMMANDS.contains(f)) {
                    return Err(self.unsupported_at_pos(w.pos, &format!("`{name}'")));
                }
            } else if first.is_some_and(|f| matches!(f, "declare" | "typeset" | "local")) {
                if let Some(opt) = w.as_literal().filter(|o| o.starts_with(['-', '+'])) {
                    if opt[1..].contains(UNSUPPORTED_DECLARE_OPTIONS) {
                        let construct = format!("`{} {opt}'", first.unwrap_or_default());
                        return Err(self.unsupported_at_pos(w.pos, &construct));
                    }
                }
            }
            self.reject_brace_expansion(w)?;
        }
        Ok(())
    }
}

/// Whether an unquoted part of the word holds a brace expansion (`{a,b}` or `{1..3}`), and
/// which kind. Quoted text and expansions count as ordinary characters inside the braces.
pub(crate) fn brace_expansion(w: &Word) -> Option<&'static str> {
    // the common case, checked without allocating: no unquoted `{` at all
    if !w
        .parts
        .iter()
        .any(|p| matches!(p, WordPart::Lit(s) if s.contains('{')))
    {
        return None;
    }
    // (char, unquoted): only unquoted braces, commas and dots are syntax
    let mut text: Vec<(char, bool)> = Vec::new();
    for part in &w.parts {
        match part {
            WordPart::Lit(s) => text.extend(s.chars().map(|c| (c, true))),
            _ => text.push(('x', false)),
        }
    }
    for open in 0..text.len() {
        if text[open] != ('{', true) || (open > 0 && text[open - 1] == ('$', true)) {
            continue;
        }
        let mut depth = 0;
        let mut comma = false;
        for (k, &(c, unquoted)) in text.iter().enumerate().skip(open + 1) {
            if !unquoted {
                continue;
            }
            match c {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                '}' => {
                    if comma {
                        return Some("brace expansion");
                    }
                    let inner: String = text[open + 1..k].iter().map(|&(c, _)| c).collect();
                    if is_sequence(&inner) {
                        return Some("brace expansion");
                    }
                    break;
                }
                ',' if depth == 0 => comma = true,
                _ => {}
            }
        }
    }
    None
}

/// `1..3`, `a..e`, `1..10..2`: a brace sequence expression.
fn is_sequence(inner: &str) -> bool {
    let parts: Vec<&str> = inner.split("..").collect();
    let int = |s: &str| {
        let d = s.strip_prefix(['-', '+']).unwrap_or(s);
        !d.is_empty() && d.chars().all(|c| c.is_ascii_digit())
    };
    let letter = |s: &str| s.chars().count() == 1 && s.chars().all(|c| c.is_ascii_alphabetic());
    match parts.as_slice() {
        [a, b] => (int(a) && int(b)) || (letter(a) && letter(b)),
        [a, b, step] => ((int(a) && int(b)) || (letter(a) && letter(b))) && int(step),
        _ => false,
    }
}
