//! The syntax tree the parser builds and the evaluator walks. Every command and word keeps its
//! source position so that errors can point at it.

use std::rc::Rc;

/// 1-based line and column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WordPart {
    /// Unquoted text from the source: not split, but glob characters stay active.
    Lit(String),
    /// Single-quoted, `$'...'`, or backslash-escaped text: taken as is.
    Quoted(String),
    /// `"..."`
    DQ(Vec<WordPart>),
    Param(Box<ParamExp>),
    /// `$(...)` or backquotes.
    CmdSub(Rc<Program>),
    /// `$((...))`: the text is expanded, then evaluated arithmetically.
    Arith(Word),
    /// `~` or `~user` at the start of a word.
    Tilde(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Word {
    pub parts: Vec<WordPart>,
    pub pos: Pos,
}

impl Word {
    /// The word's text when it is plain unquoted literal text (keywords, names).
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Lit(s)] => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamPrefix {
    None,
    /// `${#v}`
    Length,
    /// `${!v}` (indirect) or `${!a[@]}` (keys)
    Indirect,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamOp {
    None,
    /// `-` `:-`
    Default {
        colon: bool,
        word: Word,
    },
    /// `=` `:=`
    Assign {
        colon: bool,
        word: Word,
    },
    /// `+` `:+`
    Alt {
        colon: bool,
        word: Word,
    },
    /// `?` `:?`
    Error {
        colon: bool,
        word: Word,
    },
    /// `#` `##`
    RemovePrefix {
        longest: bool,
        pattern: Word,
    },
    /// `%` `%%`
    RemoveSuffix {
        longest: bool,
        pattern: Word,
    },
    /// `/` `//` `/#` `/%`
    Replace {
        mode: ReplaceMode,
        pattern: Word,
        replacement: Word,
    },
    /// `:off` `:off:len`
    Substring {
        offset: Word,
        length: Option<Word>,
    },
    /// `^` `^^` `,` `,,`
    Case {
        upper: bool,
        all: bool,
        pattern: Word,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplaceMode {
    First,
    All,
    Prefix,
    Suffix,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamExp {
    pub name: String,
    /// `[...]` subscript text (`@`, `*`, or an expression).
    pub index: Option<Word>,
    pub prefix: ParamPrefix,
    pub op: ParamOp,
    pub pos: Pos,
    /// Written `${…}` (not `$name`): brace expansion sees `$name` as text.
    pub braced: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AssignValue {
    Scalar(Word),
    /// `(a b [3]=c)`
    Array(Vec<(Option<Word>, Word)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    pub name: String,
    pub index: Option<Word>,
    pub append: bool,
    pub value: AssignValue,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    /// `>` (also `>|`)
    Out,
    /// `>>`
    Append,
    /// `<`
    In,
    /// `>&` with a word (fd number or `-`)
    DupOut,
    /// `<&`
    DupIn,
    /// `&>`
    OutErr,
    /// `&>>`
    AppendErr,
    /// `<<<`
    HereString,
    /// `<<` (the body is the target word)
    HereDoc,
    /// `<>`
    ReadWrite,
    /// `< <(...)`: the output of the commands (the target is their `CmdSub`)
    InProc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Redir {
    pub fd: Option<u32>,
    pub op: RedirOp,
    pub target: Word,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Word(Word),
    /// An assignment argument of a declaration builtin (`local a=(x y)`).
    Assign(Assign),
}

#[derive(Debug, Clone, PartialEq)]
pub enum CondExpr {
    And(Box<CondExpr>, Box<CondExpr>),
    Or(Box<CondExpr>, Box<CondExpr>),
    Not(Box<CondExpr>),
    Unary(String, Word),
    Binary(Word, String, Word),
    /// `=~`: the right side keeps its quoting (quoted parts match literally).
    Regex(Word, Word),
    Single(Word),
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaseTerm {
    /// `;;`
    Break,
    /// `;&`
    FallThrough,
    /// `;;&`
    Continue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseArm {
    pub patterns: Vec<Word>,
    pub body: Program,
    pub term: CaseTerm,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CommandKind {
    Simple {
        assigns: Vec<Assign>,
        args: Vec<Arg>,
    },
    If {
        branches: Vec<(Program, Program)>,
        otherwise: Option<Program>,
    },
    While {
        until: bool,
        cond: Program,
        body: Program,
    },
    For {
        var: String,
        words: Option<Vec<Word>>,
        body: Program,
    },
    ArithFor {
        init: Word,
        cond: Word,
        step: Word,
        body: Program,
    },
    Case {
        word: Word,
        arms: Vec<CaseArm>,
    },
    Group(Program),
    Subshell(Program),
    FuncDef {
        name: String,
        body: Rc<Command>,
    },
    /// `(( ... ))`
    Arith(Word),
    /// `[[ ... ]]`
    Cond(CondExpr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub kind: CommandKind,
    pub redirs: Vec<Redir>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub negate: bool,
    pub commands: Vec<Command>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AndOrOp {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(AndOrOp, Pipeline)>,
}

/// A list of and-or lists (`;`, `&` and newlines separate them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub items: Vec<AndOr>,
}
