//! Words to commands: lists, and-or lists, pipelines, simple commands with assignments and
//! redirections, compound commands (`if`, `while`/`until`, `for`, `case`, `{ }`, `( )`,
//! `(( ))`, `[[ ]]`) and function definitions. Errors name the line, column and construct.

use std::rc::Rc;

use super::ast::*;
use super::lexer::{flush, is_meta, is_name_char, is_name_start, Parser};
use super::ShellError;

type PResult<T> = Result<T, ShellError>;

/// Reserved words that cannot start a command.
const RESERVED_CLOSERS: &[&str] = &[
    "then", "elif", "else", "fi", "do", "done", "esac", "}", "in", "]]",
];

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
        self.deferred_errors()?;
        Ok(prog)
    }

    /// The next complete top-level command (bash reads and runs a file one command at a
    /// time, so commands before a syntax error still run). `None` at the end. Bash parses a
    /// whole line (the and-or lists up to a newline) before it runs the first of them.
    pub fn next_command(&mut self) -> PResult<Option<AndOr>> {
        if let Some(ao) = self.pending.pop_front() {
            return Ok(Some(ao));
        }

        self.skip_separators_nl();
        if self.at_eof() {
            return Ok(None);
        }
        loop {
            if self.at_list_end(&[]) {
                return Err(self.unexpected());
            }
            let ao = self.and_or()?;
            self.pending.push_back(ao);
            self.skip_blanks();
            match self.peek() {
                Some(';') | Some('&')
                    if !self.starts_with(";;")
                        && !self.starts_with(";&")
                        && !self.starts_with("&&") =>
                {
                    self.i += 1;
                    self.skip_blanks();
                    match self.peek() {
                        None => break,
                        Some('\n') => {
                            self.bump();
                            break;
                        }
                        _ => {}
                    }
                }
                Some('\n') => {
                    self.bump();
                    break;
                }
                None => break,
                _ => return Err(self.unexpected()),
            }
        }
        self.deferred_errors()?;
        Ok(self.pending.pop_front())
    }

    /// The errors found in a line that parsed: a bad `${ }` (bash's, when the line runs),
    /// else a construct outside the subset.
    fn deferred_errors(&mut self) -> PResult<()> {
        if let Some((e, fatal)) = self.deferred_bad.take() {
            self.fatal = fatal;
            self.deferred_unsupported = None;
            return Err(e);
        }
        match self.deferred_unsupported.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// At a token that cannot start a command: an operator, `)`, or a reserved word that
    /// closes a compound command.
    fn at_list_end(&self, stops: &[&str]) -> bool {
        match self.peek() {
            None => false,
            Some(')' | '|' | ';' | '&') => true,
            _ => {
                !stops.iter().any(|kw| self.at_keyword(kw))
                    && RESERVED_CLOSERS.iter().any(|kw| self.at_keyword(kw))
            }
        }
    }

    /// A list that must hold a command (the parts of compound commands).
    fn compound_list(&mut self, stops: &[&str]) -> PResult<Program> {
        let p = self.list(stops)?;
        if p.items.is_empty() {
            return Err(self.unexpected());
        }
        Ok(p)
    }

    pub(crate) fn program_until_paren(&mut self) -> PResult<Program> {
        self.list(&[])
    }

    /// At `2>` or `0<`: a redirection's descriptor, not a word.
    fn at_io_number(&self) -> bool {
        let digits = self.src[self.i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        digits > 0 && matches!(self.src.get(self.i + digits), Some('<' | '>'))
    }

    /// The word at the cursor as written (a name bash checks only when it runs: `for`'s
    /// variable, `function`'s name), after its quotes and substitutions have parsed.
    fn raw_word(&mut self) -> PResult<Option<String>> {
        if self.at_io_number() {
            return Ok(None);
        }
        let start = self.i;
        if self.word()?.is_none() {
            return Ok(None);
        }
        let text: String = self.src[start..self.i].iter().collect();
        Ok(Some(text.replace("\\\n", "")))
    }

    /// The innermost compound command still open where parsing stopped, and where it
    /// starts (line, column): what an unexpected end of file leaves unclosed.
    pub fn open_construct(&self) -> Option<(&'static str, Pos)> {
        self.open.last().map(|&(kw, at)| (kw, self.pos_at(at)))
    }

    /// Warnings bash prints while reading (a here-document ended by the end of the file).
    pub fn take_warnings(&mut self) -> Vec<ShellError> {
        std::mem::take(&mut self.warnings)
    }

    /// Whether the last error ends the shell reading the file, not just the file (bash
    /// exits at these: an array assignment open at the end, an error inside `$( )`, a bad
    /// `${ }`), so that nothing after it runs.
    pub fn error_is_fatal(&self) -> bool {
        self.fatal
    }

    pub(crate) fn unexpected(&self) -> ShellError {
        let (tok, end) = self.peek_token_end();
        if tok.is_empty() {
            return self.error("syntax error: unexpected end of file");
        }
        // bash reads the whole word first: an error inside its quotes or `$( )` comes first
        if self.src[self.i..end]
            .iter()
            .any(|&c| matches!(c, '$' | '`' | '\'' | '"'))
        {
            let text: String = self.src.iter().collect();
            let mut word = Parser::new(&text, self.file.clone());
            word.i = self.i;
            if let Err(e) = word.word() {
                return e;
            }
        }
        let mut e = self.error(format!(
            "syntax error near unexpected token `{}'",
            ansi_c_token(&tok)
        ));
        // bash names the line its tokenizer has reached: past a `\`-newline in the token
        if tok != "newline" && self.src[self.i..end].contains(&'\n') {
            e.line = self.pos_at(end).line as usize;
        }
        e
    }

    fn peek_token(&self) -> String {
        self.peek_token_end().0
    }

    /// The token at the cursor as bash names it in messages, and the index after it.
    fn peek_token_end(&self) -> (String, usize) {
        let Some(c) = self.peek() else {
            return (String::new(), self.i);
        };
        for op in [
            ";;&", ";;", ";&", "&&", "||", "|&", ">>", "<<", ";", "&", "|", "(", ")", "<", ">",
            "\n",
        ] {
            if self.starts_with(op) {
                let name = if op == "\n" { "newline" } else { op };
                return (name.into(), self.i + op.len());
            }
        }
        let end = self
            .raw_word_end(self.i, true)
            .max(self.i + 1)
            .min(self.src.len());
        let _ = c;
        let text: String = self.src[self.i..end].iter().collect();
        (text.replace("\\\n", ""), end)
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
            Err(self.unexpected())
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
        let (mut negate, mut bang) = (false, false);
        while self.at_keyword("!") {
            (negate, bang) = (!negate, true);
            self.i += 1;
            self.skip_blanks();
        }
        // `!` alone before the end of the line is a command of its own (status 1)
        if bang && matches!(self.peek(), None | Some('\n' | ';')) && !self.starts_with(";;") {
            return Ok(Pipeline {
                negate,
                commands: vec![Command {
                    kind: CommandKind::Simple {
                        assigns: Vec::new(),
                        args: Vec::new(),
                    },
                    redirs: Vec::new(),
                    pos,
                }],
                pos,
            });
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
                // `!` starts a pipeline, not a command in one
                if self.at_keyword("!") {
                    return Err(self.unexpected());
                }
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
        // the compound command being read, for an error at the end of the file
        let mark = self.open.len();
        let opener = match self.peek() {
            Some('(') if !self.starts_with("((") => Some("("),
            _ => ["if", "while", "until", "for", "case", "{", "function"]
                .into_iter()
                .find(|kw| self.at_keyword(kw)),
        };
        if let Some(kw) = opener {
            self.open.push((kw, self.i));
        }
        // `((` not closed by `))` is two subshells, as bash reads it: `((cd x); y)`
        let arith = self.starts_with("((").then(|| {
            let start = self.i;
            self.i += 2;
            let r = self.arith_command_body(start);
            let unbalanced = r
                .as_ref()
                .is_err_and(|e| e.message.starts_with("unbalanced"));
            if unbalanced {
                self.i = start;
            }
            (r, unbalanced)
        });
        let kind = if let Some((r, false)) = arith {
            CommandKind::Arith(r?)
        } else if self.peek() == Some('(') {
            self.i += 1;
            let body = self.compound_list(&[])?;
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
                    let body = self.compound_list(&["}"])?;
                    self.eat_keyword("}")?;
                    CommandKind::Group(body)
                }
                Some("[[") => {
                    self.i += 2;
                    let e = self.cond_or()?;
                    match self.cond_peek() {
                        (CondTok::End, _) => self.i += 2,
                        (CondTok::Word, _) => {
                            // bash has read the word: an error inside it comes first
                            let at = self.i;
                            self.word()?;
                            return Err(self.error_at(at, "syntax error in conditional expression"));
                        }
                        (_, t) => {
                            return Err(self.error(format!(
                                "syntax error in conditional expression: unexpected token `{}'",
                                t.unwrap_or_default()
                            )))
                        }
                    }
                    CommandKind::Cond(e)
                }
                Some("function") => {
                    self.i += "function".len();
                    self.skip_blanks();
                    let Some(name) = self.raw_word()? else {
                        return Err(self.unexpected());
                    };
                    self.skip_blanks();
                    // `function f ()`, or `function f ( ... )` with a subshell as the body
                    if self.peek() == Some('(') {
                        let save = self.i;
                        self.i += 1;
                        self.skip_blanks();
                        if self.peek() == Some(')') {
                            self.i += 1;
                        } else {
                            self.i = save;
                        }
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
        self.open.truncate(mark);
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
        // the body is a compound command: anything else is the unexpected token
        let compound = self.peek() == Some('(')
            || ["{", "[[", "if", "while", "until", "for", "case", "select"]
                .iter()
                .any(|kw| self.at_keyword(kw));
        if !compound {
            return Err(self.unexpected());
        }
        let body = self.command()?;
        Ok(CommandKind::FuncDef {
            name,
            body: Rc::new(body),
        })
    }

    fn arith_command_body(&mut self, start: usize) -> PResult<Word> {
        let pos = self.pos();
        let mut depth = 0usize;
        let mut parts = Vec::new();
        let mut lit = String::new();
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
                // an escaped character is itself (`\"` opens no string)
                '\\' if self.peek_at(1).is_some() => {
                    lit.push(c);
                    lit.extend(self.peek_at(1));
                    self.i += 2;
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
        let cond = self.compound_list(&["then"])?;
        self.eat_keyword("then")?;
        let body = self.compound_list(&["elif", "else", "fi"])?;
        branches.push((cond, body));
        let mut otherwise = None;
        loop {
            self.skip_separators_nl();
            if self.at_keyword("elif") {
                self.i += 4;
                let cond = self.compound_list(&["then"])?;
                self.eat_keyword("then")?;
                let body = self.compound_list(&["elif", "else", "fi"])?;
                branches.push((cond, body));
            } else if self.at_keyword("else") {
                self.i += 4;
                otherwise = Some(self.compound_list(&["fi"])?);
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
        let cond = self.compound_list(&["do"])?;
        self.eat_keyword("do")?;
        let body = self.compound_list(&["done"])?;
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
        // any word parses here; bash rejects a bad name only when the loop runs
        let Some(var) = self.raw_word()? else {
            return Err(self.unexpected());
        };
        let after_var = self.i;
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
                        Some(w) => list.push(w),
                        None => return Err(self.unexpected()),
                    },
                }
            }
            words = Some(list);
        } else if self.peek() == Some(';') && !self.starts_with(";;") {
            self.i += 1;
        }
        self.skip_separators_nl();
        // `{` is a reserved word only after a separator: `for x {` is an error
        if words.is_none()
            && self.at_keyword("{")
            && !self.src[after_var..self.i].contains(&';')
            && !self.src[after_var..self.i].contains(&'\n')
        {
            return Err(self.unexpected());
        }
        let body = self.loop_body()?;
        Ok(CommandKind::For { var, words, body })
    }

    fn loop_body(&mut self) -> PResult<Program> {
        if self.at_keyword("{") {
            self.i += 1;
            let body = self.compound_list(&["}"])?;
            self.eat_keyword("}")?;
            return Ok(body);
        }
        self.eat_keyword("do")?;
        let body = self.compound_list(&["done"])?;
        self.eat_keyword("done")?;
        Ok(body)
    }

    fn case_command(&mut self) -> PResult<CommandKind> {
        self.i += 4;
        self.skip_blanks();
        if self.at_io_number() {
            return Err(self.unexpected());
        }
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
                return Err(self.unexpected());
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

    // ---- [[ ]], as bash's `cond_term`: its messages, and the silent errors where bash
    // prints none (an empty message)

    /// The token at the cursor inside `[[ ]]` (blanks skipped): its kind and bash's text for
    /// it in messages (`None` for a word).
    fn cond_peek(&mut self) -> (CondTok, Option<String>) {
        self.skip_blanks();
        let Some(c) = self.peek() else {
            return (CondTok::Eof, Some("EOF".into()));
        };
        let op = |t: CondTok, s: &str| (t, Some(s.to_string()));
        for two in ["<<<", "<<", ">>", "<&", ">&", "<>", "<(", ">("] {
            if self.starts_with(two) {
                return op(CondTok::Other, two);
            }
        }
        if self.starts_with("&&") {
            return op(CondTok::AndAnd, "&&");
        }
        if self.starts_with("||") {
            return op(CondTok::OrOr, "||");
        }
        match c {
            '\n' => op(CondTok::Newline, "newline"),
            '(' => op(CondTok::LParen, "("),
            ')' => op(CondTok::RParen, ")"),
            '<' | '>' if !self.starts_with("<(") && !self.starts_with(">(") => {
                op(CondTok::Less, &c.to_string())
            }
            ';' | '&' | '|' => {
                let t = self.peek_token();
                (CondTok::Other, Some(t))
            }
            _ if self.at_keyword("]]") => op(CondTok::End, "]]"),
            _ => (CondTok::Word, None),
        }
    }

    fn cond_skip_newlines(&mut self) -> (CondTok, Option<String>) {
        loop {
            let t = self.cond_peek();
            if t.0 != CondTok::Newline {
                return t;
            }
            self.bump();
        }
    }

    fn cond_or(&mut self) -> PResult<CondExpr> {
        self.cond_chain(false)
    }

    /// `a || b`, or with `and` `a && b`: bash's right-recursive `cond_or` and `cond_and`.
    fn cond_chain(&mut self, and: bool) -> PResult<CondExpr> {
        let left = if and {
            self.cond_term()?
        } else {
            self.cond_chain(true)?
        };
        let op = if and { CondTok::AndAnd } else { CondTok::OrOr };
        if self.cond_peek().0 != op {
            return Ok(left);
        }
        self.i += 2;
        let (left, right) = (Box::new(left), Box::new(self.cond_chain(and)?));
        Ok(if and {
            CondExpr::And(left, right)
        } else {
            CondExpr::Or(left, right)
        })
    }

    fn cond_word(&mut self) -> PResult<Word> {
        let start = self.i;
        self.word()?
            .ok_or_else(|| self.error_at(start, "syntax error in conditional expression"))
    }

    fn cond_term(&mut self) -> PResult<CondExpr> {
        self.enter()?;
        let r = self.cond_term_inner();
        self.leave();
        r
    }

    fn cond_term_inner(&mut self) -> PResult<CondExpr> {
        let (tok, text) = self.cond_skip_newlines();
        let start = self.i;
        let term = match tok {
            CondTok::End => return Err(self.error("")),
            CondTok::LParen => {
                self.i += 1;
                let inner = self.cond_or();
                let (tok, text) = self.cond_peek();
                let e = match inner {
                    Ok(e) if tok == CondTok::RParen => e,
                    other => {
                        let mut msg = match text {
                            Some(t) if other.is_ok() => {
                                format!("unexpected token `{t}', expected `)'")
                            }
                            _ => "expected `)'".to_string(),
                        };
                        // bash reports the inner error, then the missing `)`
                        if let Err(inner) = other {
                            if !inner.message.is_empty() {
                                msg = format!(
                                    "{}\n{}",
                                    inner.message,
                                    crate::output::conf::follow_up(
                                        self.pos_at(start).line as usize,
                                        &msg
                                    )
                                );
                                return Err(ShellError {
                                    message: msg,
                                    ..inner
                                });
                            }
                        }
                        return Err(self.error_at(start, msg));
                    }
                };
                self.i += 1;
                self.cond_skip_newlines();
                e
            }
            CondTok::Word if self.at_keyword("!") => {
                self.i += 1;
                CondExpr::Not(Box::new(self.cond_term()?))
            }
            CondTok::Word => {
                let first = self.cond_word()?;
                let unary = first
                    .as_literal()
                    .filter(|op| UNARY_TESTS.contains(op))
                    .map(str::to_string);
                if let Some(op) = unary {
                    let (tok, text) = self.cond_peek();
                    if tok != CondTok::Word || self.at_keyword("]]") {
                        let msg = match text {
                            Some(t) => {
                                format!("unexpected argument `{t}' to conditional unary operator")
                            }
                            None => "unexpected argument to conditional unary operator".into(),
                        };
                        return Err(self.error(msg));
                    }
                    let operand = self
                        .cond_word()
                        .map_err(|e| self.operand_at_eof(e, "unary"))?;
                    self.cond_skip_newlines();
                    CondExpr::Unary(op, operand)
                } else {
                    let term = self.cond_binary(first)?;
                    self.cond_skip_newlines();
                    term
                }
            }
            _ => {
                let t = text.unwrap_or_default();
                return Err(self.error(format!("unexpected token `{t}' in conditional command")));
            }
        };
        Ok(term)
    }

    /// After the left word: a binary operator and its right word, or `[[ x ]]` alone.
    fn cond_binary(&mut self, first: Word) -> PResult<CondExpr> {
        let (tok, text) = self.cond_peek();
        let op = match tok {
            CondTok::End | CondTok::AndAnd | CondTok::OrOr | CondTok::RParen => {
                return Ok(CondExpr::Single(first));
            }
            CondTok::Less => {
                let c = self.peek().unwrap_or('<');
                self.i += 1;
                c.to_string()
            }
            CondTok::Word => match self.peek_keyword() {
                Some(kw) if kw == "=~" || BINARY_TESTS.contains(&kw.as_str()) => {
                    self.i += kw.len();
                    kw
                }
                _ => {
                    // bash has read the word it expected an operator in: an error there
                    // comes first, and the operator is then missing at the end
                    let at = self.i;
                    if let Err(e) = self.word() {
                        let more = crate::output::conf::follow_up(
                            self.pos_at(self.src.len()).line as usize,
                            "conditional binary operator expected",
                        );
                        return Err(ShellError {
                            message: format!("{}\n{more}", e.message),
                            ..e
                        });
                    }
                    return Err(self.error_at(at, "conditional binary operator expected"));
                }
            },
            _ => {
                let t = text.unwrap_or_default();
                return Err(self.error(format!(
                    "unexpected token `{t}', conditional binary operator expected"
                )));
            }
        };
        let (tok, text) = self.cond_peek();
        if tok != CondTok::Word && !(op == "=~" && matches!(tok, CondTok::LParen | CondTok::Other))
        {
            let msg = match text {
                Some(t) => format!("unexpected argument `{t}' to conditional binary operator"),
                None => "unexpected argument to conditional binary operator".into(),
            };
            return Err(self.error(msg));
        }
        if op == "=~" {
            let pos = self.pos();
            let mut parts = Vec::new();
            let mut lit = String::new();
            let r = self.word_parts(&mut parts, &mut lit, &[], true);
            r.map_err(|e| self.operand_at_eof(e, "binary"))?;
            flush(&mut parts, &mut lit);
            return Ok(CondExpr::Regex(first, Word { parts, pos }));
        }
        let right = self
            .cond_word()
            .map_err(|e| self.operand_at_eof(e, "binary"))?;
        Ok(CondExpr::Binary(first, op, right))
    }

    /// An operand of `[[ ]]` that ran into the end of the file: bash then also finds the
    /// operator without its argument there.
    fn operand_at_eof(&self, e: ShellError, kind: &str) -> ShellError {
        if !e.message.starts_with("unexpected EOF") {
            return e;
        }
        let end = self.pos_at(self.src.len()).line as usize;
        let more = crate::output::conf::follow_up(
            end,
            &format!("unexpected argument to conditional {kind} operator"),
        );
        ShellError {
            message: format!("{}\n{more}", e.message),
            ..e
        }
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
                // after one word, bash reads `name (` as the start of a function definition
                if assigns.is_empty()
                    && redirs.is_empty()
                    && matches!(args.as_slice(), [Arg::Word(_)])
                {
                    self.i += 1;
                    self.skip_blanks();
                }
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
                None => {
                    self.fatal = true;
                    return Err(self.eof_matching(start, ')'));
                }
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
            let prog = self.paren_body(start)?;
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
        // `2>` is a redirection of its own, not this one's target
        if self.at_io_number() {
            return Err(self.unexpected());
        }
        let target = self.word()?.ok_or_else(|| self.unexpected())?;
        Ok(Some(Redir { fd, op, target }))
    }

    fn heredoc(&mut self, fd: Option<u32>, strip_tabs: bool) -> PResult<Redir> {
        let op_line = self.pos().line;
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
                // bash warns, and takes the rest of the file as the body
                let last = self.src.len().saturating_sub(1);
                self.warnings.push(self.error_at(
                    last,
                    format!(
                        "warning: here-document at line {op_line} delimited by end-of-file (wanted `{delim}')"
                    ),
                ));
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
            // what does not parse in a body is bash's error when it is expanded; kept as
            // text here
            let parts = sub
                .heredoc_parts()
                .unwrap_or_else(|_| vec![WordPart::Quoted(body)]);
            Word {
                parts: vec![WordPart::DQ(parts)],
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

/// A token as bash shows it in a message: `$'…'` when it holds control characters.
fn ansi_c_token(tok: &str) -> std::borrow::Cow<'_, str> {
    if !tok.chars().any(|c| c.is_ascii_control()) {
        return tok.into();
    }
    let mut out = String::from("$'");
    for c in tok.chars() {
        match c {
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x1b' => out.push_str("\\E"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out.into()
}

/// The tokens `[[ ]]` tells apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CondTok {
    Word,
    End,
    AndAnd,
    OrOr,
    LParen,
    RParen,
    Less,
    Newline,
    Eof,
    Other,
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
        }
        Ok(())
    }
}
