//! The evaluator: a variable store with bash's scoping, expansion (parameters, command
//! substitution, arithmetic, field splitting, pathname expansion), redirections, pipelines,
//! compound commands, functions, and external commands run as real processes.
//!
//! Limits (`Limits`) bound every input: steps (commands and loop iterations), nesting of
//! calls, captured output, file size, value size and wall-clock time. Reaching one is a
//! `ShellError`, never a hang.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::arith::{self, ArithVars};
use super::ast::*;
use super::pattern;
use super::ShellError;

/// A fast non-cryptographic hash for variable names (the Fx hash): lookups dominate
/// evaluation, and names come from the files themselves, bounded by the step limit.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add_word(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        // whole words directly, the tail padded with zeros (no per-chunk copy call)
        let mut words = bytes.chunks_exact(8);
        for chunk in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add_word(u64::from_le_bytes(word));
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            let mut word = 0u64;
            for (i, &b) in tail.iter().enumerate() {
                word |= u64::from(b) << (8 * i);
            }
            self.add_word(word);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.hash =
            (self.hash.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A variable or function name: the names dkms's context sets are static text, not copies.
pub type Name = std::borrow::Cow<'static, str>;

type Map<V> = HashMap<Name, V, BuildHasherDefault<FxHasher>>;

/// Every name ever set in a shell, as a Bloom filter: most lookups are of names never set (the
/// directive names dkms serialises), and one hash answers them instead of one per scope.
#[derive(Clone, Default)]
struct NameFilter([u64; 16]);

impl NameFilter {
    fn hash(name: &str) -> u64 {
        let mut h = FxHasher::default();
        h.write(name.as_bytes());
        h.finish()
    }

    fn bits(x: u64) -> (usize, usize) {
        ((x >> 54) as usize, ((x >> 40) & 1023) as usize)
    }

    fn add(&mut self, name: &str) {
        self.add_hash(Self::hash(name));
    }

    fn add_hash(&mut self, x: u64) {
        let (a, b) = Self::bits(x);
        self.0[a / 64] |= 1 << (a % 64);
        self.0[b / 64] |= 1 << (b % 64);
    }

    fn may_have(&self, x: u64) -> bool {
        let (a, b) = Self::bits(x);
        self.0[a / 64] & (1 << (a % 64)) != 0 && self.0[b / 64] & (1 << (b % 64)) != 0
    }

    /// A name's bit in a function scope's one-word filter (`Shell::scope_bits`).
    fn scope_bit(x: u64) -> u64 {
        1 << ((x >> 20) & 63)
    }
}

/// Globals frozen into a layer shared by the shells cloned from a context.
#[derive(Default)]
struct Frozen {
    vars: Map<Var>,
    /// Their names, sorted (when `sorted`): prefix queries (`DKMS_DIRECTIVE*`) without a
    /// scan.
    names: Vec<String>,
    sorted: bool,
}

/// Bounds on an evaluation.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Commands, loop iterations and function calls executed, across subshells.
    pub max_steps: u64,
    /// Nesting of function calls, `source`, `eval`, subshells and compound commands.
    pub max_depth: usize,
    /// Bytes captured from one command substitution or pipeline stage.
    pub max_output: usize,
    /// Size of a file read by `source` or `<`.
    pub max_file_size: u64,
    /// Length of one variable value.
    pub max_value: usize,
    /// Wall-clock time for the whole evaluation, external commands included.
    pub max_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 2_000_000,
            max_depth: 100,
            max_output: 16 << 20,
            max_file_size: 8 << 20,
            max_value: 16 << 20,
            max_time: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Declared (`local x`, `export x`) but without a value.
    Unset,
    Scalar(String),
    /// Shared: a list set once (dkms's directive list) is handed to every evaluation.
    Indexed(Rc<BTreeMap<i64, String>>),
    Assoc(BTreeMap<String, String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub value: Value,
    pub exported: bool,
    pub readonly: bool,
}

impl Var {
    fn scalar(s: impl Into<String>) -> Var {
        Var {
            value: Value::Scalar(s.into()),
            exported: false,
            readonly: false,
        }
    }
}

/// Where a command's output goes.
#[derive(Clone)]
pub enum Sink {
    Null,
    Stdout,
    Stderr,
    Buf(Rc<RefCell<Vec<u8>>>),
    File(Rc<std::fs::File>),
}

/// Standard input of a command: bytes and how far they have been read.
#[derive(Debug, Default)]
pub struct Input {
    pub data: Vec<u8>,
    pub pos: Cell<usize>,
}

impl Input {
    pub fn new(data: Vec<u8>) -> Rc<Input> {
        Rc::new(Input {
            data,
            pos: Cell::new(0),
        })
    }

    pub fn remaining(&self) -> &[u8] {
        &self.data[self.pos.get().min(self.data.len())..]
    }
}

/// A command's standard streams.
#[derive(Clone)]
pub struct Io {
    pub stdin: Option<Rc<Input>>,
    pub out: Sink,
    pub err: Sink,
}

impl Io {
    /// stdin empty, stdout discarded, stderr to the process's stderr (how dkms sources a conf).
    pub fn discard_stdout() -> Io {
        Io {
            stdin: None,
            out: Sink::Null,
            err: Sink::Stderr,
        }
    }
}

/// Non-local control flow and fatal errors.
#[derive(Debug)]
pub enum Ctl {
    Break(u32),
    Continue(u32),
    Return(i32),
    Exit(i32),
    /// An expansion error (bad arithmetic, a negative substring length): the message is
    /// printed and the current top-level command is abandoned, as bash's jump to the top
    /// level does. The file goes on with its next command, status 1; a subshell (and so a
    /// dkms.conf, which dkms sources in one) exits 1.
    Discard,
    Fatal(ShellError),
}

/// The status a subshell ends with, from what its commands returned.
fn subshell_status(r: R<i32>) -> R<i32> {
    match r {
        Ok(s) | Err(Ctl::Exit(s)) | Err(Ctl::Return(s)) => Ok(s),
        Err(Ctl::Break(_)) | Err(Ctl::Continue(_)) => Ok(0),
        Err(Ctl::Discard) => Ok(1),
        Err(e) => Err(e),
    }
}

impl From<ShellError> for Ctl {
    fn from(e: ShellError) -> Self {
        Ctl::Fatal(e)
    }
}

pub type R<T> = Result<T, Ctl>;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub errexit: bool,
    pub nounset: bool,
    pub noglob: bool,
    pub nullglob: bool,
    pub nocasematch: bool,
    pub extglob: bool,
    pub xtrace: bool,
    /// `set +B`: brace expansion off.
    pub nobraceexpand: bool,
    /// No external command runs and no file is written (fuzzing, untrusted checks).
    pub no_side_effects: bool,
}

struct Budget {
    steps: Cell<u64>,
    start: Instant,
    /// Words made by brace expansion: each word's own bound does not bound a command of
    /// many such words.
    brace_words: Cell<usize>,
}

/// The result of expanding one piece of a word.
#[derive(Debug, Clone)]
enum Seg {
    /// Unquoted source text: not split, globbing active.
    Lit(String),
    /// Quoted text: neither split nor globbed.
    Quoted(String),
    /// Unquoted expansion result: split and globbed.
    Exp(String),
    /// A field boundary (`"$@"`).
    Break,
}

enum PVal {
    Unset,
    Str(String),
    /// Elements, and whether it came from `*` (joined) rather than `@`.
    List(Vec<String>, bool),
}

#[derive(Clone)]
pub struct Shell {
    /// Global variables frozen into a shared layer: a context built once is cloned for every
    /// evaluation and subshell without copying them. `scopes[0]` holds the globals set since.
    base: Rc<Frozen>,
    /// Names of `base` unset since the freeze.
    base_removed: Map<()>,
    /// Names ever inserted into `base` or `scopes` (no false negatives).
    names: NameFilter,
    scopes: Vec<Map<Var>>,
    /// For each function scope (index 1 on), a one-word filter of the names it holds: a
    /// lookup (most are of globals) skips the scopes that cannot hold the name instead of
    /// hashing into each. (Index 0, the globals, is not used.)
    scope_bits: Vec<u64>,
    funcs: Map<Rc<Command>>,
    positional: Vec<String>,
    pub arg0: String,
    pub cwd: PathBuf,
    dir_stack: Vec<PathBuf>,
    pub status: i32,
    pub opts: Options,
    pub limits: Limits,
    budget: Rc<Budget>,
    depth: usize,
    source_stack: Vec<String>,
    func_stack: Vec<String>,
    pub file: PathBuf,
    lineno: u32,
    /// Added to the line numbers of the commands run: `eval`'s text counts from the line
    /// of the `eval` (0 in files and functions).
    line_base: u32,
    errexit_off: usize,
    /// Function scopes currently open (so `local` knows it is inside one).
    func_depth: usize,
    /// Running in a subshell (`( )`, `$( )`, dkms's `safe_source`): there an expansion
    /// error ends the subshell, through `source` and `eval`, instead of the command only.
    pub in_subshell: bool,
    /// Exit status of the last command substitution of the current simple command.
    status_from_subst: Option<i32>,
    /// stderr of the command being run, for errors raised below it.
    err_sink: Sink,
    /// The directory whose remembered answers (which names exist in it, for pathname
    /// expansion of literal names: dkms's serialisation globs every line) were checked in
    /// this evaluation; dropped when a command or a redirection may have changed it.
    listing: Rc<RefCell<Option<PathBuf>>>,
}

fn bytes_to_string(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Shell {
    /// A shell with the process environment imported (exported), as bash starts.
    pub fn new(cwd: PathBuf) -> Shell {
        // the process environment does not change while dkms runs: read it once
        static ENV: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
        let env = ENV.get_or_init(|| {
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| super::lexer::is_name(k))
                .collect()
        });
        let mut global = Map::default();
        for (k, v) in env {
            global.insert(
                k.clone().into(),
                Var {
                    value: Value::Scalar(v.clone()),
                    exported: true,
                    readonly: false,
                },
            );
        }
        Shell::with_vars(cwd, global)
    }

    /// A shell with an empty environment.
    pub fn empty(cwd: PathBuf) -> Shell {
        Shell::with_vars(cwd, Map::default())
    }

    fn with_vars(cwd: PathBuf, mut global: Map<Var>) -> Shell {
        global.insert(
            "PWD".into(),
            Var {
                value: Value::Scalar(cwd.display().to_string()),
                exported: true,
                readonly: false,
            },
        );
        global
            .entry("IFS".into())
            .or_insert_with(|| Var::scalar(" \t\n"));
        // the bash a file tests for (`(( BASH_VERSINFO[0] >= 4 ))`): Debian's, as dkms runs it
        let machtype = format!("{}-pc-linux-gnu", std::env::consts::ARCH);
        let versinfo = ["5", "2", "15", "1", "release", machtype.as_str()];
        for (name, value) in [
            ("BASH_VERSION", Value::Scalar("5.2.15(1)-release".into())),
            (
                "BASH_VERSINFO",
                Value::Indexed(Rc::new((0..).zip(versinfo.map(String::from)).collect())),
            ),
            ("HOSTTYPE", Value::Scalar(std::env::consts::ARCH.into())),
            ("OSTYPE", Value::Scalar("linux-gnu".into())),
            ("MACHTYPE", Value::Scalar(machtype.clone())),
        ] {
            global.entry(name.into()).or_insert(Var {
                value,
                exported: false,
                readonly: name == "BASH_VERSINFO",
            });
        }
        let limits = Limits::default();
        let mut names = NameFilter::default();
        for k in global.keys() {
            names.add(k);
        }
        Shell {
            names,
            base: Rc::default(),
            base_removed: Map::default(),
            scopes: vec![global],
            scope_bits: vec![0],
            funcs: Map::default(),
            positional: Vec::new(),
            arg0: "bash".into(),
            cwd,
            dir_stack: Vec::new(),
            status: 0,
            opts: Options {
                extglob: true,
                ..Default::default()
            },
            limits,
            budget: Rc::new(Budget {
                steps: Cell::new(0),
                start: Instant::now(),
                brace_words: Cell::new(0),
            }),
            depth: 0,
            source_stack: Vec::new(),
            func_stack: Vec::new(),
            file: PathBuf::new(),
            lineno: 0,
            line_base: 0,
            errexit_off: 0,
            func_depth: 0,
            in_subshell: false,
            status_from_subst: None,
            err_sink: Sink::Stderr,
            listing: Rc::new(RefCell::new(None)),
        }
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.listing = Rc::new(RefCell::new(None));
        self.budget = Rc::new(Budget {
            steps: Cell::new(0),
            start: Instant::now(),
            brace_words: Cell::new(0),
        });
    }

    pub fn set_positional(&mut self, args: Vec<String>) {
        self.positional = args;
    }

    // ------------------------------------------------------------------ variables

    pub fn get_var(&self, name: &str) -> Option<&Var> {
        let h = NameFilter::hash(name);
        if !self.names.may_have(h) {
            return None;
        }
        let bit = NameFilter::scope_bit(h);
        for i in (1..self.scopes.len()).rev() {
            if self.scope_bits[i] & bit != 0 {
                if let Some(v) = self.scopes[i].get(name) {
                    return Some(v);
                }
            }
        }
        if !self.scopes[0].is_empty() {
            if let Some(v) = self.scopes[0].get(name) {
                return Some(v);
            }
        }
        self.base_get(name)
    }

    /// The innermost scope holding `name` (0: the globals' overlay), `h` its hash.
    fn find_scope(&self, name: &str, h: u64) -> Option<usize> {
        let bit = NameFilter::scope_bit(h);
        (1..self.scopes.len())
            .rev()
            .find(|&i| self.scope_bits[i] & bit != 0 && self.scopes[i].contains_key(name))
            .or_else(|| self.scopes[0].contains_key(name).then_some(0))
    }

    fn base_get(&self, name: &str) -> Option<&Var> {
        if !self.base_removed.is_empty() && self.base_removed.contains_key(name) {
            return None;
        }
        self.base.vars.get(name)
    }

    fn get_var_mut(&mut self, name: &str) -> Option<&mut Var> {
        let h = NameFilter::hash(name);
        if !self.names.may_have(h) {
            return None;
        }
        let found = self.find_scope(name, h);
        match found {
            Some(i) => self.scopes[i].get_mut(name),
            None => {
                // copy up: the frozen layer is shared with other shells
                let var = self.base_get(name)?.clone();
                Some(
                    self.scopes[0]
                        .entry(Name::from(name.to_string()))
                        .or_insert(var),
                )
            }
        }
    }

    /// Set a global variable (the overlay over the frozen layer).
    fn insert_global(&mut self, name: impl Into<Name>, var: Var) {
        let name = name.into();
        if !self.base_removed.is_empty() {
            self.base_removed.remove(name.as_ref());
        }
        self.names.add(&name);
        self.scopes[0].insert(name, var);
    }

    /// Remove a global variable from the overlay, and hide it in the frozen layer.
    fn remove_global(&mut self, name: &str) -> bool {
        let removed = self.scopes[0].remove(name).is_some();
        if self.base.vars.contains_key(name) && !self.base_removed.contains_key(name) {
            self.base_removed.insert(name.to_string().into(), ());
            return true;
        }
        removed
    }

    /// Freeze the current globals into the shared layer (cheap clones from now on).
    pub fn freeze_globals(&mut self) {
        let overlay = std::mem::take(&mut self.scopes[0]);
        if overlay.is_empty() && self.base_removed.is_empty() {
            return;
        }
        let mut base: Map<Var> = self
            .base
            .vars
            .iter()
            .filter(|(k, _)| !self.base_removed.contains_key(k.as_ref()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        base.extend(overlay);
        // (a context's few globals, not a sourced kernel .config: those are scanned)
        let mut names: Vec<String> = Vec::new();
        let sorted = base.len() <= 256;
        if sorted {
            names = base.keys().map(|k| k.to_string()).collect();
            names.sort_unstable();
        }
        self.base = Rc::new(Frozen {
            vars: base,
            names,
            sorted,
        });
        // room for the globals a conf and its context set
        self.scopes[0] = Map::with_capacity_and_hasher(32, Default::default());
        self.base_removed.clear();
    }

    /// A copy of this shell to run a subshell in. Many globals (a sourced kernel `.config`)
    /// are frozen first, so this and the next subshells share them instead of copying them.
    fn subshell(&mut self) -> Shell {
        if self.scopes[0].len() > 64 {
            self.freeze_globals();
        }
        let mut sub = self.clone();
        sub.in_subshell = true;
        sub
    }

    /// Every variable layer, outermost first: (the frozen globals), then the scopes.
    fn layers(&self) -> impl Iterator<Item = (&Name, &Var)> {
        self.base
            .vars
            .iter()
            .filter(|(k, _)| {
                self.base_removed.is_empty() || !self.base_removed.contains_key(k.as_ref())
            })
            .chain(self.scopes.iter().flat_map(|s| s.iter()))
    }

    /// Does the innermost scope hold `name`?
    fn top_has(&self, name: &str) -> bool {
        if self.scopes.len() == 1 {
            return self.get_var(name).is_some();
        }
        self.scopes.last().is_some_and(|s| s.contains_key(name))
    }

    /// The scalar value (`$name`): index 0 of an array.
    pub fn get(&self, name: &str) -> Option<String> {
        match &self.get_var(name)?.value {
            Value::Unset => None,
            Value::Scalar(s) => Some(s.clone()),
            Value::Indexed(m) => m.get(&0).cloned(),
            Value::Assoc(m) => m.get("0").cloned(),
        }
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.get_var(name).map(|v| &v.value)
    }

    /// All set (index, value) pairs of a variable, as bash's `${!v[@]}` lists them.
    pub fn entries(&self, name: &str) -> Vec<(String, String)> {
        match self.value(name) {
            None | Some(Value::Unset) => vec![],
            Some(Value::Scalar(s)) => vec![("0".into(), s.clone())],
            Some(Value::Indexed(m)) => m.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            Some(Value::Assoc(m)) => {
                let mut e: Vec<(String, String)> =
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                e.sort_by_key(|(k, _)| assoc_bucket(k));
                e
            }
        }
    }

    /// Names of the set variables starting with `prefix`, sorted (as `set` lists them).
    pub fn names_with_prefix(&self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        // the frozen layer's names are sorted: only its range with the prefix is looked at
        if self.base.sorted {
            let frozen = &self.base.names;
            let from = frozen.partition_point(|n| n.as_str() < prefix);
            for k in frozen[from..].iter().take_while(|n| n.starts_with(prefix)) {
                if self.base_get(k).is_some_and(|v| v.value != Value::Unset) {
                    names.push(k.clone());
                }
            }
        } else {
            for (k, v) in &self.base.vars {
                if k.starts_with(prefix)
                    && v.value != Value::Unset
                    && !self.base_removed.contains_key(k.as_ref())
                {
                    names.push(k.to_string());
                }
            }
        }
        for (k, v) in self.scopes.iter().flat_map(|s| s.iter()) {
            if k.starts_with(prefix) && v.value != Value::Unset {
                names.push(k.to_string());
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Names of all variables visible.
    pub fn var_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .layers()
            .filter(|(_, v)| v.value != Value::Unset)
            .map(|(k, _)| k.to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn check_value(&self, s: &str) -> R<()> {
        if s.len() > self.limits.max_value {
            return Err(Ctl::Fatal(self.err_here(format!(
                "value longer than {} bytes",
                self.limits.max_value
            ))));
        }
        Ok(())
    }

    /// Assign a scalar (index 0 of an existing array), honouring readonly.  `NAME[SUB]`, as
    /// `printf -v` and `read` take it, assigns that element.
    pub fn set(&mut self, name: &str, value: String) -> R<()> {
        if let Some((base, sub)) = name.strip_suffix(']').and_then(|n| n.split_once('[')) {
            return self.set_element(base, sub, value, false);
        }
        self.check_value(&value)?;
        if let Some(v) = self.get_var_mut(name) {
            if v.readonly {
                return Err(Ctl::Fatal(ShellError {
                    file: PathBuf::new(),
                    line: 0,
                    column: 0,
                    message: format!("{name}: readonly variable"),
                    unsupported: None,
                }));
            }
            match &mut v.value {
                Value::Indexed(m) => {
                    Rc::make_mut(m).insert(0, value);
                }
                Value::Assoc(m) => {
                    m.insert("0".into(), value);
                }
                other => *other = Value::Scalar(value),
            }
            return Ok(());
        }
        self.insert_global(name.to_string(), Var::scalar(value));
        Ok(())
    }

    /// Set a global scalar without checks (context variables).
    pub fn set_global(
        &mut self,
        name: impl Into<Name>,
        value: &str,
        exported: bool,
        readonly: bool,
    ) {
        self.insert_global(
            name,
            Var {
                value: Value::Scalar(value.to_string()),
                exported,
                readonly,
            },
        );
    }

    /// Set a variable in the innermost scope (a `local`).
    pub fn set_local(
        &mut self,
        name: impl Into<Name>,
        value: Value,
        exported: bool,
        readonly: bool,
    ) {
        let var = Var {
            value,
            exported,
            readonly,
        };
        if self.scopes.len() == 1 {
            self.insert_global(name, var);
            return;
        }
        let name = name.into();
        let h = NameFilter::hash(&name);
        self.names.add_hash(h);
        if let Some(bits) = self.scope_bits.last_mut() {
            *bits |= NameFilter::scope_bit(h);
        }
        if let Some(top) = self.scopes.last_mut() {
            top.insert(name, var);
        }
    }

    pub fn push_scope(&mut self) {
        // (dkms's functions declare a handful of locals: no regrowth for them; 7 is the most
        // that fit in 8 buckets, a table small enough for the allocator's fast path)
        self.push_scope_sized(7);
    }

    /// A function scope with room for `locals` variables.
    pub fn push_scope_sized(&mut self, locals: usize) {
        self.scopes
            .push(Map::with_capacity_and_hasher(locals, Default::default()));
        self.scope_bits.push(0);
        self.func_depth += 1;
    }

    pub fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
            self.scope_bits.pop();
            self.func_depth -= 1;
        }
    }

    pub fn unset(&mut self, name: &str) -> R<()> {
        let found = self.find_scope(name, NameFilter::hash(name));
        let readonly = match found {
            Some(i) => self.scopes[i].get(name).is_some_and(|v| v.readonly),
            None => match self.base_get(name) {
                Some(v) => v.readonly,
                None => return Ok(()),
            },
        };
        if readonly {
            return Err(Ctl::Fatal(
                self.err_plain(format!("{name}: cannot unset: readonly variable")),
            ));
        }
        match found {
            Some(i) if i > 0 => {
                self.scopes[i].remove(name);
            }
            _ => {
                self.remove_global(name);
            }
        }
        Ok(())
    }

    fn set_element(&mut self, name: &str, index: &str, value: String, append: bool) -> R<()> {
        self.check_value(&value)?;
        let is_assoc = matches!(self.value(name), Some(Value::Assoc(_)));
        let idx: Option<i64> = if is_assoc {
            None
        } else {
            Some(self.arith_subscript(index)?)
        };
        if self.get_var(name).is_none() {
            self.insert_global(
                name.to_string(),
                Var {
                    value: Value::Unset,
                    exported: false,
                    readonly: false,
                },
            );
        }
        let file = self.file.clone();
        let line = self.lineno as usize;
        let Some(var) = self.get_var_mut(name) else {
            return Ok(());
        };
        if var.readonly {
            return Err(Ctl::Fatal(ShellError {
                file,
                line,
                column: 0,
                message: format!("{name}: readonly variable"),
                unsupported: None,
            }));
        }
        match &mut var.value {
            Value::Assoc(m) => {
                let e = m.entry(index.to_string()).or_default();
                if append {
                    e.push_str(&value);
                } else {
                    *e = value;
                }
            }
            v => {
                let mut m = match std::mem::replace(v, Value::Unset) {
                    Value::Indexed(m) => Rc::unwrap_or_clone(m),
                    Value::Scalar(s) => BTreeMap::from([(0, s)]),
                    _ => BTreeMap::new(),
                };
                let mut i = idx.unwrap_or(0);
                if i < 0 {
                    let max = m.keys().next_back().copied().unwrap_or(-1);
                    i += max + 1;
                    if i < 0 {
                        *v = Value::Indexed(Rc::new(m));
                        // abandons the command, as bash does
                        self.report_err(&format!("{name}[{index}]: bad array subscript"));
                        return Err(Ctl::Discard);
                    }
                }
                let e = m.entry(i).or_default();
                if append {
                    e.push_str(&value);
                } else {
                    *e = value;
                }
                *v = Value::Indexed(Rc::new(m));
            }
        }
        Ok(())
    }

    fn exported_env(&self) -> Vec<(String, String)> {
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        {
            for (k, v) in self.layers() {
                if v.exported {
                    match &v.value {
                        Value::Scalar(x) => {
                            env.insert(k.to_string(), x.clone());
                        }
                        _ => {
                            env.remove(k.as_ref());
                        }
                    }
                } else {
                    env.remove(k.as_ref());
                }
            }
        }
        env.into_iter().collect()
    }

    // ------------------------------------------------------------------ errors

    fn err_here(&self, message: impl Into<String>) -> ShellError {
        ShellError {
            file: self.file.clone(),
            line: self.lineno as usize,
            column: 0,
            message: message.into(),
            unsupported: None,
        }
    }

    fn err_plain(&self, message: impl Into<String>) -> ShellError {
        self.err_here(message)
    }

    /// A non-fatal error message, bash style: `file: line N: message`.
    fn report(&self, io: &Io, message: &str) {
        self.report_to(&io.err, message);
    }

    /// `report` on the current command's error output.
    fn report_err(&self, message: &str) {
        self.report_to(&self.err_sink, message);
    }

    fn report_to(&self, sink: &Sink, message: &str) {
        let text = format!(
            "{}: line {}: {}\n",
            self.file.display(),
            self.lineno,
            message
        );
        let _ = self.write(sink, text.as_bytes());
    }

    pub fn write(&self, sink: &Sink, bytes: &[u8]) -> R<()> {
        match sink {
            Sink::Null => {}
            Sink::Stdout => {
                let mut o = std::io::stdout().lock();
                let _ = o.write_all(bytes);
                let _ = o.flush();
            }
            Sink::Stderr => {
                let _ = std::io::stderr().lock().write_all(bytes);
            }
            Sink::Buf(b) => {
                let mut b = b.borrow_mut();
                if b.len() + bytes.len() > self.limits.max_output {
                    return Err(Ctl::Fatal(self.err_here(format!(
                        "output larger than {} bytes",
                        self.limits.max_output
                    ))));
                }
                b.extend_from_slice(bytes);
            }
            Sink::File(f) => {
                let _ = (&**f).write_all(bytes);
            }
        }
        Ok(())
    }

    fn step(&self) -> R<()> {
        let n = self.budget.steps.get() + 1;
        self.budget.steps.set(n);
        if n > self.limits.max_steps {
            return Err(Ctl::Fatal(self.err_here(format!(
                "more than {} commands executed (endless loop?)",
                self.limits.max_steps
            ))));
        }
        if n.is_multiple_of(1024) && self.budget.start.elapsed() > self.limits.max_time {
            return Err(Ctl::Fatal(self.err_here(format!(
                "evaluation took longer than {:?}",
                self.limits.max_time
            ))));
        }
        Ok(())
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(Ctl::Fatal(self.err_here(format!(
                "nesting deeper than {} levels (endless recursion?)",
                self.limits.max_depth
            ))));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ------------------------------------------------------------------ running

    /// Parse and run a script text as `source` would (positional parameters unchanged).
    /// Commands run as they are parsed, so a syntax error stops the file there (reported,
    /// status 2) after the commands before it have run, as in bash.
    pub fn run_text(&mut self, text: &str, file: &Path, io: &Io) -> R<i32> {
        let saved = std::mem::replace(&mut self.file, file.to_path_buf());
        let r = self.run_text_inner(text, file, io);
        self.file = saved;
        r
    }

    fn run_text_inner(&mut self, text: &str, file: &Path, io: &Io) -> R<i32> {
        let mut parser = super::lexer::Parser::new(text, file);
        let mut status = 0;
        loop {
            match parser.next_command() {
                Ok(Some(ao)) => {
                    for w in parser.take_warnings() {
                        let text = crate::output::conf::syntax_error(&w, text);
                        self.write(&io.err, text.as_bytes())?;
                    }
                    status = match self.run_and_or(&ao, io) {
                        Err(Ctl::Discard) if !self.in_subshell => {
                            // bash abandons the whole line read (the commands after `;`)
                            parser.pending.clear();
                            self.status = 1;
                            1
                        }
                        r => r?,
                    }
                }
                Ok(None) => return Ok(status),
                Err(e) if e.message.starts_with("nesting deeper") || e.is_unsupported() => {
                    return Err(Ctl::Fatal(e))
                }
                Err(e) => {
                    let mut lines = crate::output::conf::syntax_error(&e, text);
                    if self.get("verbose").is_some_and(|v| !v.is_empty()) {
                        let open = parser.open_construct();
                        lines.push_str(&crate::output::conf::syntax_error_position(&e, open));
                    }
                    self.write(&io.err, lines.as_bytes())?;
                    if parser.error_is_fatal() {
                        return Err(Ctl::Exit(1));
                    }
                    self.status = 2;
                    return Ok(2);
                }
            }
        }
    }

    /// The last parse or evaluation position, for error messages.
    pub fn line(&self) -> u32 {
        self.lineno
    }

    /// One run of a loop's body. True when it ran `break` for this loop; `break N` and
    /// `continue N` with N > 1 go on to the enclosing loop.
    fn loop_body(&mut self, body: &Program, io: &Io, status: &mut i32) -> R<bool> {
        match self.run_program(body, io) {
            Ok(s) => {
                *status = s;
                Ok(false)
            }
            Err(Ctl::Break(n)) if n > 1 => Err(Ctl::Break(n - 1)),
            Err(Ctl::Break(_)) => Ok(true),
            Err(Ctl::Continue(n)) if n > 1 => Err(Ctl::Continue(n - 1)),
            Err(Ctl::Continue(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn run_program(&mut self, prog: &Program, io: &Io) -> R<i32> {
        let mut status = self.status;
        for item in &prog.items {
            status = self.run_and_or(item, io)?;
        }
        Ok(status)
    }

    fn run_and_or(&mut self, ao: &AndOr, io: &Io) -> R<i32> {
        let guarded = !ao.rest.is_empty();
        if guarded {
            self.errexit_off += 1;
        }
        let first = self.run_pipeline(&ao.first, io);
        if guarded {
            self.errexit_off -= 1;
        }
        let mut status = first?;
        for (n, (op, p)) in ao.rest.iter().enumerate() {
            let run = match op {
                AndOrOp::And => status == 0,
                AndOrOp::Or => status != 0,
            };
            if run {
                let last = n + 1 == ao.rest.len();
                if !last {
                    self.errexit_off += 1;
                }
                let r = self.run_pipeline(p, io);
                if !last {
                    self.errexit_off -= 1;
                }
                status = r?;
            }
        }
        Ok(status)
    }

    fn run_pipeline(&mut self, p: &Pipeline, io: &Io) -> R<i32> {
        if p.negate {
            self.errexit_off += 1;
        }
        let r = self.run_pipeline_inner(p, io);
        if p.negate {
            self.errexit_off -= 1;
        }
        let mut status = r?;
        if p.negate {
            status = i32::from(status == 0);
        }
        self.status = status;
        if status != 0 && self.opts.errexit && self.errexit_off == 0 && !p.negate {
            return Err(Ctl::Exit(status));
        }
        Ok(status)
    }

    fn run_pipeline_inner(&mut self, p: &Pipeline, io: &Io) -> R<i32> {
        if p.commands.len() == 1 {
            return self.run_command(&p.commands[0], io);
        }
        // Stages run one after the other, each in a subshell, the output of one being the
        // input of the next (what the file can observe is the same as with concurrency).
        let mut input = io.stdin.clone();
        let mut status = 0;
        let last = p.commands.len() - 1;
        for (n, cmd) in p.commands.iter().enumerate() {
            let buf = Rc::new(RefCell::new(Vec::new()));
            let stage_io = Io {
                stdin: input.clone(),
                out: if n == last {
                    io.out.clone()
                } else {
                    Sink::Buf(buf.clone())
                },
                err: io.err.clone(),
            };
            let mut sub = self.subshell();
            sub.errexit_off = 0;
            status = subshell_status(sub.run_command(cmd, &stage_io))?;
            input = Some(Input::new(std::mem::take(&mut *buf.borrow_mut())));
        }
        Ok(status)
    }

    fn run_command(&mut self, cmd: &Command, io: &Io) -> R<i32> {
        self.step()?;
        self.lineno = cmd.pos.line.saturating_add(self.line_base);
        self.err_sink = io.err.clone();
        if let CommandKind::Simple { assigns, args } = &cmd.kind {
            return self.run_simple(assigns, args, &cmd.redirs, io);
        }
        if let CommandKind::FuncDef { name, body } = &cmd.kind {
            self.funcs.insert(name.clone().into(), body.clone());
            return Ok(0);
        }
        let io2 = match self.redirect(&cmd.redirs, io)? {
            Some(i) => i,
            None => return Ok(1),
        };
        let io = &io2;
        self.enter()?;
        let r = self.run_compound(&cmd.kind, io);
        self.leave();
        r
    }

    fn run_compound(&mut self, kind: &CommandKind, io: &Io) -> R<i32> {
        match kind {
            CommandKind::Simple { .. } | CommandKind::FuncDef { .. } => Ok(0),
            CommandKind::Group(p) => self.run_program(p, io),
            CommandKind::Subshell(p) => {
                let mut sub = self.subshell();
                subshell_status(sub.run_program(p, io))
            }
            CommandKind::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.errexit_off += 1;
                    let c = self.run_program(cond, io);
                    self.errexit_off -= 1;
                    if c? == 0 {
                        return self.run_program(body, io);
                    }
                }
                match otherwise {
                    Some(p) => self.run_program(p, io),
                    None => {
                        self.status = 0;
                        Ok(0)
                    }
                }
            }
            CommandKind::While { until, cond, body } => {
                let mut status = 0;
                loop {
                    self.step()?;
                    self.errexit_off += 1;
                    let c = self.run_program(cond, io);
                    self.errexit_off -= 1;
                    let c = c?;
                    if (c == 0) == *until {
                        break;
                    }
                    if self.loop_body(body, io, &mut status)? {
                        break;
                    }
                }
                self.status = status;
                Ok(status)
            }
            CommandKind::For { var, words, body } => {
                if !super::lexer::is_name(var) {
                    self.report(io, &format!("`{var}': not a valid identifier"));
                    self.status = 1;
                    return Ok(1);
                }
                let items = match words {
                    Some(ws) => {
                        let mut v = Vec::new();
                        for w in ws {
                            v.extend(self.expand_fields(w)?);
                        }
                        v
                    }
                    None => self.positional.clone(),
                };
                let mut status = 0;
                for item in items {
                    self.step()?;
                    self.assign_checked(var, item)?;
                    if self.loop_body(body, io, &mut status)? {
                        break;
                    }
                }
                self.status = status;
                Ok(status)
            }
            CommandKind::ArithFor {
                init,
                cond,
                step,
                body,
            } => {
                // an arithmetic error fails the loop (status 1)
                if self.arith_word_report(init, io)?.is_none() {
                    return Ok(1);
                }
                let mut status = 0;
                loop {
                    self.step()?;
                    let c = if cond.parts.is_empty() {
                        Some(1)
                    } else {
                        self.arith_word_report(cond, io)?
                    };
                    match c {
                        None => return Ok(1),
                        Some(0) => break,
                        Some(_) => {}
                    }
                    if self.loop_body(body, io, &mut status)? {
                        break;
                    }
                    if self.arith_word_report(step, io)?.is_none() {
                        return Ok(1);
                    }
                }
                Ok(status)
            }
            CommandKind::Case { word, arms } => {
                let subject = self.expand_str(word)?;
                let mut status = 0;
                let mut falling = false;
                let mut i = 0;
                while i < arms.len() {
                    let arm = &arms[i];
                    let mut hit = falling;
                    if !hit {
                        for p in &arm.patterns {
                            let pat = self.expand_pattern(p)?;
                            if self.glob_match(&pat, &subject) {
                                hit = true;
                                break;
                            }
                        }
                    }
                    falling = false;
                    if hit {
                        status = self.run_program(&arm.body, io)?;
                        match arm.term {
                            CaseTerm::Break => break,
                            CaseTerm::FallThrough => falling = true,
                            CaseTerm::Continue => {}
                        }
                    }
                    i += 1;
                }
                self.status = status;
                Ok(status)
            }
            CommandKind::Arith(w) => {
                let v = self.arith_word_report(w, io)?;
                Ok(match v {
                    Some(v) => i32::from(v == 0),
                    None => 1,
                })
            }
            CommandKind::Cond(e) => match self.cond(e, io)? {
                Some(true) => Ok(0),
                Some(false) => Ok(1),
                None => Ok(2),
            },
        }
    }

    /// `(( ))` and `for (( ))`: an arithmetic error fails the command (status 1).
    fn arith_word_report(&mut self, w: &Word, io: &Io) -> R<Option<i64>> {
        let text = self.expand_str(w)?;
        self.err_sink = io.err.clone();
        Ok(self.arith_try(&text, "((: "))
    }

    /// Evaluate arithmetic text; an error is reported and abandons the current command
    /// (`$(( ))`, a substring offset), as in bash.
    pub fn arith_str(&mut self, text: &str) -> R<i64> {
        if let Ok(n) = text.parse::<i64>() {
            if !text.starts_with(['+', '0']) || text == "0" {
                return Ok(n);
            }
        }
        self.arith_try(text, "").ok_or(Ctl::Discard)
    }

    /// An array subscript: an arithmetic error there ends a non-interactive bash.
    fn arith_subscript(&mut self, text: &str) -> R<i64> {
        self.arith_str(text).map_err(|e| match e {
            Ctl::Discard => Ctl::Exit(1),
            e => e,
        })
    }

    /// Evaluate arithmetic text; on an error print bash's message (`PREFIX` names the
    /// command, as `let: ` or `((: `) and give `None`.
    pub fn arith_try(&mut self, text: &str, prefix: &str) -> Option<i64> {
        match arith::eval(text, self) {
            Ok(v) => Some(v),
            Err(e) => {
                let what = e
                    .expr
                    .as_deref()
                    .unwrap_or(text.trim_start_matches([' ', '\t', '\n']));
                // (bash names only the variable for an assignment to a read-only one)
                let message = if e.message.ends_with(": readonly variable") {
                    e.message
                } else {
                    crate::output::conf::arith_error(prefix, what, &e.message)
                };
                self.report_err(&message);
                None
            }
        }
    }

    fn glob_match(&self, pat: &str, text: &str) -> bool {
        if self.opts.nocasematch {
            pattern::glob_match(&pat.to_lowercase(), &text.to_lowercase(), self.opts.extglob)
        } else {
            pattern::glob_match(pat, text, self.opts.extglob)
        }
    }

    // ------------------------------------------------------------------ [[ ]]

    fn cond(&mut self, e: &CondExpr, io: &Io) -> R<Option<bool>> {
        Ok(match e {
            CondExpr::And(a, b) => match self.cond(a, io)? {
                Some(true) => self.cond(b, io)?,
                other => other,
            },
            CondExpr::Or(a, b) => match self.cond(a, io)? {
                Some(true) => Some(true),
                _ => self.cond(b, io)?,
            },
            CondExpr::Not(a) => self.cond(a, io)?.map(|v| !v),
            CondExpr::Single(w) => Some(!self.expand_str(w)?.is_empty()),
            CondExpr::Unary(op, w) => {
                let v = self.expand_str(w)?;
                Some(self.unary_test(op, &v))
            }
            CondExpr::Binary(a, op, b) => {
                let left = self.expand_str(a)?;
                match op.as_str() {
                    "==" | "=" | "!=" => {
                        let pat = self.expand_pattern(b)?;
                        let m = self.glob_match(&pat, &left);
                        Some(if op == "!=" { !m } else { m })
                    }
                    "<" => Some(left < self.expand_str(b)?),
                    ">" => Some(left > self.expand_str(b)?),
                    "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
                        let right = self.expand_str(b)?;
                        // an error fails the `[[` (status 1)
                        let Some(x) = self.arith_try(&left, "[[: ") else {
                            return Ok(Some(false));
                        };
                        let Some(y) = self.arith_try(&right, "[[: ") else {
                            return Ok(Some(false));
                        };
                        Some(numeric_compare(op, x, y))
                    }
                    _ => {
                        let right = self.expand_str(b)?;
                        Some(self.file_compare(op, &left, &right))
                    }
                }
            }
            CondExpr::Regex(a, b) => {
                let left = self.expand_str(a)?;
                let segs = self.expand_segs(&b.parts, false)?;
                let mut re = String::new();
                for s in segs {
                    match s {
                        Seg::Quoted(t) => re.push_str(&regex::escape(&t)),
                        Seg::Lit(t) | Seg::Exp(t) => re.push_str(&t),
                        Seg::Break => re.push(' '),
                    }
                }
                match pattern::ere(&re) {
                    None => {
                        self.report(io, &format!("[[: invalid regular expression `{re}'"));
                        None
                    }
                    Some(r) => match r.captures(&left) {
                        Some(caps) => {
                            let m: BTreeMap<i64, String> = caps
                                .iter()
                                .enumerate()
                                .map(|(i, c)| {
                                    (
                                        i as i64,
                                        c.map(|c| c.as_str().to_string()).unwrap_or_default(),
                                    )
                                })
                                .collect();
                            self.insert_global(
                                "BASH_REMATCH",
                                Var {
                                    value: Value::Indexed(Rc::new(m)),
                                    exported: false,
                                    readonly: false,
                                },
                            );
                            Some(true)
                        }
                        None => {
                            self.insert_global(
                                "BASH_REMATCH",
                                Var {
                                    value: Value::Indexed(Rc::default()),
                                    exported: false,
                                    readonly: false,
                                },
                            );
                            Some(false)
                        }
                    },
                }
            }
        })
    }

    fn resolve(&self, p: &str) -> PathBuf {
        let path = Path::new(p);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        }
    }

    pub fn unary_test(&self, op: &str, v: &str) -> bool {
        use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
        let meta = || std::fs::metadata(self.resolve(v)).ok();
        match op {
            "-n" => !v.is_empty(),
            "-z" => v.is_empty(),
            "-e" | "-a" => !v.is_empty() && meta().is_some(),
            "-f" => meta().is_some_and(|m| m.is_file()),
            "-d" => meta().is_some_and(|m| m.is_dir()),
            "-s" => meta().is_some_and(|m| m.len() > 0),
            "-h" | "-L" => {
                std::fs::symlink_metadata(self.resolve(v)).is_ok_and(|m| m.file_type().is_symlink())
            }
            "-b" => meta().is_some_and(|m| m.file_type().is_block_device()),
            "-c" => meta().is_some_and(|m| m.file_type().is_char_device()),
            "-p" => meta().is_some_and(|m| m.file_type().is_fifo()),
            "-S" => meta().is_some_and(|m| m.file_type().is_socket()),
            "-r" | "-w" | "-x" => {
                let Some(m) = meta() else { return false };
                let mode = m.permissions().mode();
                let uid = nix::unistd::geteuid().as_raw();
                let bit = match op {
                    "-r" => 4,
                    "-w" => 2,
                    _ => 1,
                };
                if uid == 0 {
                    return bit != 1 || mode & 0o111 != 0 || m.is_dir();
                }
                if m.uid() == uid {
                    mode & (bit << 6) != 0
                } else if m.gid() == nix::unistd::getegid().as_raw() {
                    mode & (bit << 3) != 0
                } else {
                    mode & bit != 0
                }
            }
            "-g" => meta().is_some_and(|m| m.permissions().mode() & 0o2000 != 0),
            "-u" => meta().is_some_and(|m| m.permissions().mode() & 0o4000 != 0),
            "-k" => meta().is_some_and(|m| m.permissions().mode() & 0o1000 != 0),
            "-O" => meta().is_some_and(|m| m.uid() == nix::unistd::geteuid().as_raw()),
            "-G" => meta().is_some_and(|m| m.gid() == nix::unistd::getegid().as_raw()),
            "-N" => meta().is_some_and(|m| m.mtime() >= m.atime()),
            "-t" => false,
            "-v" => {
                if let Some((name, rest)) = v.split_once('[') {
                    let key = rest.trim_end_matches(']');
                    self.entries(name).iter().any(|(k, _)| k == key)
                } else {
                    self.get_var(v).is_some_and(|x| x.value != Value::Unset)
                }
            }
            "-o" => matches!(v, "errexit" if self.opts.errexit),
            "-R" => false,
            _ => false,
        }
    }

    pub fn file_compare(&self, op: &str, a: &str, b: &str) -> bool {
        use std::os::unix::fs::MetadataExt;
        let ma = std::fs::metadata(self.resolve(a)).ok();
        let mb = std::fs::metadata(self.resolve(b)).ok();
        match op {
            "-nt" => match (ma, mb) {
                (Some(x), Some(y)) => x.mtime() > y.mtime(),
                (Some(_), None) => true,
                _ => false,
            },
            "-ot" => match (ma, mb) {
                (Some(x), Some(y)) => x.mtime() < y.mtime(),
                (None, Some(_)) => true,
                _ => false,
            },
            "-ef" => match (ma, mb) {
                (Some(x), Some(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
                _ => false,
            },
            _ => false,
        }
    }

    // ------------------------------------------------------------------ simple commands

    fn assign_checked(&mut self, name: &str, value: String) -> R<()> {
        if self.get_var(name).is_some_and(|v| v.readonly) {
            let msg = format!("{name}: readonly variable");
            // A failed assignment ends a non-interactive shell.
            let _ = self.write(
                &self.err_sink,
                format!("{}: line {}: {msg}\n", self.file.display(), self.lineno).as_bytes(),
            );
            return Err(Ctl::Exit(1));
        }
        self.set(name, value)
    }

    /// Perform one assignment in the current shell.
    fn assign(&mut self, a: &Assign, local: bool) -> R<()> {
        if self.get_var(&a.name).is_some_and(|v| v.readonly) {
            let _ = self.write(
                &self.err_sink,
                format!(
                    "{}: line {}: {}: readonly variable\n",
                    self.file.display(),
                    self.lineno,
                    a.name
                )
                .as_bytes(),
            );
            return Err(Ctl::Exit(1));
        }
        if local && !self.top_has(&a.name) {
            self.set_local(a.name.clone(), Value::Unset, false, false);
        }
        match (&a.value, &a.index) {
            (AssignValue::Scalar(w), None) => {
                let v = self.expand_str(w)?;
                if a.append {
                    match self.value(&a.name).cloned() {
                        Some(Value::Indexed(_)) | Some(Value::Assoc(_)) => {
                            let old = self.get(&a.name).unwrap_or_default();
                            self.set(&a.name, old + &v)?;
                        }
                        _ => {
                            let old = self.get(&a.name).unwrap_or_default();
                            self.set(&a.name, old + &v)?;
                        }
                    }
                } else {
                    self.set(&a.name, v)?;
                }
            }
            (AssignValue::Scalar(w), Some(idx)) => {
                let key = self.expand_str(idx)?;
                let v = self.expand_str(w)?;
                self.set_element(&a.name, &key, v, a.append)?;
            }
            (AssignValue::Array(items), _) => {
                let is_assoc = matches!(self.value(&a.name), Some(Value::Assoc(_)));
                let mut next: i64 = 0;
                let mut indexed: BTreeMap<i64, String> = BTreeMap::new();
                let mut assoc: BTreeMap<String, String> = BTreeMap::new();
                if a.append {
                    match self.value(&a.name) {
                        Some(Value::Indexed(m)) => {
                            indexed = (**m).clone();
                            next = m.keys().next_back().map(|k| k + 1).unwrap_or(0);
                        }
                        Some(Value::Scalar(s)) => {
                            indexed.insert(0, s.clone());
                            next = 1;
                        }
                        Some(Value::Assoc(m)) => assoc = m.clone(),
                        _ => {}
                    }
                }
                for (key, w) in items {
                    match key {
                        Some(k) => {
                            let v = self.expand_str(w)?;
                            if is_assoc {
                                let k = self.expand_str(k)?;
                                assoc.insert(k, v);
                            } else {
                                let k = self.expand_str(k)?;
                                let i = self.arith_subscript(&k)?;
                                indexed.insert(i, v);
                                next = i + 1;
                            }
                        }
                        None => {
                            for v in self.expand_fields(w)? {
                                if is_assoc {
                                    assoc.insert(next.to_string(), v);
                                } else {
                                    indexed.insert(next, v);
                                }
                                next += 1;
                            }
                        }
                    }
                }
                let value = if is_assoc {
                    Value::Assoc(assoc)
                } else {
                    Value::Indexed(Rc::new(indexed))
                };
                match self.get_var_mut(&a.name) {
                    Some(v) => v.value = value,
                    None => {
                        self.insert_global(
                            a.name.clone(),
                            Var {
                                value,
                                exported: false,
                                readonly: false,
                            },
                        );
                    }
                }
            }
        }
        Ok(())
    }

    fn run_simple(
        &mut self,
        assigns: &[Assign],
        args: &[Arg],
        redirs: &[Redir],
        io: &Io,
    ) -> R<i32> {
        // expand the words first (bash expands before assigning)
        let mut words: Vec<String> = Vec::new();
        let mut decl_assigns: Vec<(usize, &Assign)> = Vec::new();
        self.status_from_subst = None;
        // a declaration builtin's `name={a,b}` is brace-expanded like any word
        let mut braced: Vec<Option<Vec<Assign>>> = Vec::new();
        if !self.opts.nobraceexpand && args.iter().any(|a| matches!(a, Arg::Assign(_))) {
            for a in args {
                let list = match a {
                    Arg::Assign(asg) => super::brace::expand_assign(asg, self.brace_room())
                        .map_err(|e| Ctl::Fatal(self.err_here(e)))?,
                    Arg::Word(_) => None,
                };
                self.count_brace_words(list.as_ref().map_or(0, Vec::len));
                braced.push(list);
            }
        }
        for (k, a) in args.iter().enumerate() {
            match (a, braced.get(k)) {
                (Arg::Word(w), _) => words.extend(self.expand_fields(w)?),
                (Arg::Assign(_), Some(Some(list))) => {
                    decl_assigns.extend(list.iter().map(|asg| (words.len(), asg)))
                }
                (Arg::Assign(asg), _) => decl_assigns.push((words.len(), asg)),
            }
        }
        if words.is_empty() && decl_assigns.is_empty() {
            for a in assigns {
                self.assign(a, false)?;
            }
            let io2 = self.redirect(redirs, io)?;
            if io2.is_none() {
                return Ok(1);
            }
            let st = self.status_from_subst.take().unwrap_or(0);
            self.status = st;
            return Ok(st);
        }
        let io2 = match self.redirect(redirs, io)? {
            Some(i) => i,
            None => return Ok(1),
        };
        let io = &io2;
        let name = words.first().cloned().unwrap_or_default();
        // `A[0]=x cmd`: bash refuses a subscripted prefix assignment and runs the command
        // (dkms's round trip meets it when a `"` in a value breaks out of the quotes)
        let kept: Vec<Assign>;
        let assigns = if assigns.iter().any(|a| a.index.is_some()) {
            for a in assigns {
                if let Some(sub) = &a.index {
                    let msg = format!("`{}[{}]': not a valid identifier", a.name, word_text(sub));
                    self.report(io, &msg);
                }
            }
            kept = assigns
                .iter()
                .filter(|a| a.index.is_none())
                .cloned()
                .collect();
            &kept[..]
        } else {
            assigns
        };

        // declaration builtins take their assignment arguments unexpanded-as-words
        if matches!(
            name.as_str(),
            "local" | "declare" | "typeset" | "export" | "readonly"
        ) {
            let saved = self.temp_assign(assigns)?;
            let r = self.declaration(&name, &words[1..], &decl_assigns, io);
            self.restore(saved);
            let s = r?;
            self.status = s;
            return Ok(s);
        }

        if let Some(body) = self.funcs.get(name.as_str()).cloned() {
            let saved = self.temp_assign(assigns)?;
            let r = self.call_function(&name, body, words[1..].to_vec(), io);
            self.restore(saved);
            let s = r?;
            self.status = s;
            return Ok(s);
        }
        if super::builtins::is_builtin(&name) {
            let saved = self.temp_assign(assigns)?;
            let r = super::builtins::run(self, &name, &words[1..], io);
            self.restore(saved);
            let s = r?;
            self.status = s;
            return Ok(s);
        }
        let mut env = self.exported_env();
        for a in assigns {
            let v = match &a.value {
                AssignValue::Scalar(w) => self.expand_str(w)?,
                AssignValue::Array(_) => continue,
            };
            env.retain(|(k, _)| k != &a.name);
            env.push((a.name.clone(), v));
        }
        let s = self.run_external(&words, env, io)?;
        self.status = s;
        Ok(s)
    }

    /// Prefix assignments of a builtin or function call: set for its duration.
    fn temp_assign(&mut self, assigns: &[Assign]) -> R<Vec<(String, Option<Var>)>> {
        let mut saved = Vec::new();
        for a in assigns {
            let old = self.get_var(&a.name).cloned();
            self.assign(a, false)?;
            if let Some(v) = self.get_var_mut(&a.name) {
                v.exported = true;
            }
            saved.push((a.name.clone(), old));
        }
        Ok(saved)
    }

    fn restore(&mut self, saved: Vec<(String, Option<Var>)>) {
        for (name, old) in saved.into_iter().rev() {
            match old {
                Some(v) => {
                    if let Some(cur) = self.get_var_mut(&name) {
                        *cur = v;
                    }
                }
                None => match self.find_scope(&name, NameFilter::hash(&name)) {
                    Some(i) if i > 0 => {
                        self.scopes[i].remove(name.as_str());
                    }
                    _ => {
                        self.remove_global(&name);
                    }
                },
            }
        }
    }

    fn declaration(
        &mut self,
        name: &str,
        words: &[String],
        assigns: &[(usize, &Assign)],
        io: &Io,
    ) -> R<i32> {
        let mut flags = String::new();
        let mut remove = String::new();
        let mut names: Vec<String> = Vec::new();
        for w in words {
            if let Some(f) = w.strip_prefix('-') {
                if !f.is_empty() && names.is_empty() {
                    flags.push_str(f);
                    continue;
                }
            }
            if let Some(f) = w.strip_prefix('+') {
                if !f.is_empty() && names.is_empty() {
                    remove.push_str(f);
                    continue;
                }
            }
            names.push(w.clone());
        }
        let global_decl = flags.contains('g');
        let local = match name {
            "local" => {
                if self.func_depth == 0 {
                    self.report(io, "local: can only be used in a function");
                    return Ok(1);
                }
                true
            }
            "declare" | "typeset" => self.func_depth > 0 && !global_decl,
            _ => false,
        };
        let export = name == "export" || flags.contains('x');
        let readonly = name == "readonly" || flags.contains('r');
        if flags.contains('f') || flags.contains('F') || flags.contains('p') {
            return Ok(0);
        }
        let mut status = 0;
        // word arguments: `name` or `name=value` (from an expansion)
        for w in &names {
            let (n, v) = match w.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (w.clone(), None),
            };
            let n = n.trim_end_matches('+').to_string();
            if !super::lexer::is_name(&n) {
                self.report(io, &format!("{name}: `{w}': not a valid identifier"));
                status = 1;
                continue;
            }
            self.declare_one(&n, v, local, export, readonly, &flags, &remove)?;
        }
        for (_, a) in assigns {
            if local && !self.top_has(&a.name) {
                let init = if flags.contains('A') {
                    Value::Assoc(BTreeMap::new())
                } else if flags.contains('a') {
                    Value::Indexed(Rc::default())
                } else {
                    Value::Unset
                };
                self.set_local(a.name.clone(), init, false, false);
            } else if flags.contains('A') && !matches!(self.value(&a.name), Some(Value::Assoc(_))) {
                let init = Value::Assoc(BTreeMap::new());
                match self.get_var_mut(&a.name) {
                    Some(v) => v.value = init,
                    None => {
                        self.insert_global(
                            a.name.clone(),
                            Var {
                                value: init,
                                exported: false,
                                readonly: false,
                            },
                        );
                    }
                }
            }
            if self.get_var(&a.name).is_some_and(|v| v.readonly) {
                self.report(io, &format!("{}: readonly variable", a.name));
                status = 1;
                continue;
            }
            self.assign(a, false)?;
            if let Some(v) = self.get_var_mut(&a.name) {
                if export {
                    v.exported = true;
                }
                if readonly {
                    v.readonly = true;
                }
                if remove.contains('x') {
                    v.exported = false;
                }
            }
        }
        Ok(status)
    }

    #[allow(clippy::too_many_arguments)]
    fn declare_one(
        &mut self,
        n: &str,
        v: Option<String>,
        local: bool,
        export: bool,
        readonly: bool,
        flags: &str,
        remove: &str,
    ) -> R<()> {
        if local && !self.top_has(n) {
            let init = if flags.contains('A') {
                Value::Assoc(BTreeMap::new())
            } else if flags.contains('a') {
                Value::Indexed(Rc::default())
            } else {
                Value::Unset
            };
            self.set_local(n.to_string(), init, false, false);
        } else if self.get_var(n).is_none() {
            let init = if flags.contains('A') {
                Value::Assoc(BTreeMap::new())
            } else if flags.contains('a') {
                Value::Indexed(Rc::default())
            } else {
                Value::Unset
            };
            self.insert_global(
                n.to_string(),
                Var {
                    value: init,
                    exported: false,
                    readonly: false,
                },
            );
        }
        if let Some(v) = v {
            if self.get_var(n).is_some_and(|x| x.readonly) {
                let _ = self.write(
                    &self.err_sink,
                    format!(
                        "{}: line {}: {n}: readonly variable\n",
                        self.file.display(),
                        self.lineno
                    )
                    .as_bytes(),
                );
                return Ok(());
            }
            self.set(n, v)?;
        }
        if let Some(var) = self.get_var_mut(n) {
            if export {
                var.exported = true;
            }
            if remove.contains('x') {
                var.exported = false;
            }
            if readonly {
                var.readonly = true;
            }
        }
        Ok(())
    }

    pub fn call_function(
        &mut self,
        name: &str,
        body: Rc<Command>,
        args: Vec<String>,
        io: &Io,
    ) -> R<i32> {
        self.step()?;
        self.enter()?;
        let saved_pos = std::mem::replace(&mut self.positional, args);
        self.push_scope();
        self.func_stack.push(name.to_string());
        let saved_base = std::mem::take(&mut self.line_base);
        let r = self.run_command(&body, io);
        self.line_base = saved_base;
        self.func_stack.pop();
        self.pop_scope();
        self.positional = saved_pos;
        self.leave();
        match r {
            Ok(s) => Ok(s),
            Err(Ctl::Return(s)) => {
                self.status = s;
                Ok(s)
            }
            Err(e) => Err(e),
        }
    }

    /// `source FILE [ARGS]`.
    pub fn source_file(&mut self, path: &str, args: Option<Vec<String>>, io: &Io) -> R<i32> {
        let full = if path.contains('/') {
            self.resolve(path)
        } else {
            // bash looks in PATH first, then the current directory
            let mut found = None;
            for dir in self.get("PATH").unwrap_or_default().split(':') {
                let p = Path::new(if dir.is_empty() { "." } else { dir }).join(path);
                let p = if p.is_absolute() { p } else { self.cwd.join(p) };
                if p.is_file() {
                    found = Some(p);
                    break;
                }
            }
            found.unwrap_or_else(|| self.cwd.join(path))
        };
        let text = match read_limited(&full, self.limits.max_file_size) {
            Ok(t) => t,
            Err(ReadError::TooBig) => {
                return Err(Ctl::Fatal(self.err_here(format!(
                    "{path}: file larger than {} bytes",
                    self.limits.max_file_size
                ))));
            }
            Err(ReadError::Io(e)) => {
                self.report(io, &format!("{path}: {}", io_message(&e)));
                return Ok(1);
            }
        };
        self.enter()?;
        let saved_pos = args.map(|a| std::mem::replace(&mut self.positional, a));
        self.source_stack.push(path.to_string());
        let saved_line = self.lineno;
        let saved_base = std::mem::take(&mut self.line_base);
        let r = self.run_text(&text, Path::new(path), io);
        self.line_base = saved_base;
        self.lineno = saved_line;
        self.source_stack.pop();
        if let Some(p) = saved_pos {
            self.positional = p;
        }
        self.leave();
        match r {
            Ok(s) => Ok(s),
            Err(Ctl::Return(s)) => Ok(s),
            Err(e) => Err(e),
        }
    }

    /// Source already-read text as `file` (what `. file` does once the file is read).
    pub fn source_file_text(&mut self, text: &str, file: &Path, io: &Io) -> R<i32> {
        self.enter()?;
        self.source_stack.push(
            file.to_str()
                .map_or_else(|| file.display().to_string(), str::to_string),
        );
        let r = self.run_text(text, file, io);
        self.source_stack.pop();
        self.leave();
        match r {
            Err(Ctl::Return(s)) => Ok(s),
            other => other,
        }
    }

    /// Make `${BASH_SOURCE[1]}` (the script that sources the files) exist.
    pub fn push_source_name(&mut self, name: &str) {
        self.source_stack.push(name.to_string());
    }

    pub fn set_element_public(&mut self, name: &str, index: &str, value: String) -> R<()> {
        self.set_element(name, index, value, false)
    }

    /// `eval ARGS`.
    pub fn eval_string(&mut self, text: &str, io: &Io) -> R<i32> {
        self.enter()?;
        let prog = match super::parser::parse(text, self.file.clone()) {
            Ok(p) => p,
            Err(e) if e.is_unsupported() => {
                self.leave();
                return Err(Ctl::Fatal(e));
            }
            Err(e) => {
                self.leave();
                self.report(io, &format!("eval: {}", e.message));
                return Ok(2);
            }
        };
        let saved_line = self.lineno;
        let saved_base = std::mem::replace(&mut self.line_base, saved_line.saturating_sub(1));
        let r = match self.run_program(&prog, io) {
            Err(Ctl::Discard) if !self.in_subshell => Ok(1),
            r => r,
        };
        self.line_base = saved_base;
        self.lineno = saved_line;
        self.leave();
        r
    }

    pub fn run_in_subshell(&mut self, prog: &Program, io: &Io) -> R<i32> {
        let mut sub = self.subshell();
        subshell_status(sub.run_program(prog, io))
    }

    // ------------------------------------------------------------------ redirections

    /// Apply redirections; `None` when one failed (already reported, status 1).
    fn redirect(&mut self, redirs: &[Redir], io: &Io) -> R<Option<Io>> {
        if redirs.is_empty() {
            return Ok(Some(io.clone()));
        }
        let mut n = io.clone();
        for r in redirs {
            let fd = r.fd.unwrap_or(match r.op {
                RedirOp::In
                | RedirOp::DupIn
                | RedirOp::HereString
                | RedirOp::HereDoc
                | RedirOp::InProc
                | RedirOp::ReadWrite => 0,
                _ => 1,
            });
            match r.op {
                RedirOp::Out | RedirOp::Append | RedirOp::OutErr | RedirOp::AppendErr => {
                    let target = self.expand_str(&r.target)?;
                    let append = matches!(r.op, RedirOp::Append | RedirOp::AppendErr);
                    let sink = match self.open_sink(&target, append) {
                        Ok(s) => s,
                        Err(e) => {
                            self.report(&n, &format!("{target}: {}", io_message(&e)));
                            return Ok(None);
                        }
                    };
                    if matches!(r.op, RedirOp::OutErr | RedirOp::AppendErr) {
                        n.out = sink.clone();
                        n.err = sink;
                    } else if fd == 1 {
                        n.out = sink;
                    } else if fd == 2 {
                        n.err = sink;
                    }
                }
                RedirOp::DupOut => {
                    let target = self.expand_str(&r.target)?;
                    let src = match target.as_str() {
                        "1" => n.out.clone(),
                        "2" => n.err.clone(),
                        "-" => Sink::Null,
                        t if t.chars().all(|c| c.is_ascii_digit()) => continue,
                        t => match self.open_sink(t, false) {
                            Ok(s) => {
                                n.out = s.clone();
                                n.err = s;
                                continue;
                            }
                            Err(e) => {
                                self.report(&n, &format!("{t}: {}", io_message(&e)));
                                return Ok(None);
                            }
                        },
                    };
                    if fd == 1 {
                        n.out = src;
                    } else if fd == 2 {
                        n.err = src;
                    }
                }
                RedirOp::In | RedirOp::ReadWrite => {
                    let target = self.expand_str(&r.target)?;
                    if fd != 0 {
                        continue;
                    }
                    match read_limited_bytes(&self.resolve(&target), self.limits.max_file_size) {
                        Ok(b) => n.stdin = Some(Input::new(b)),
                        Err(ReadError::TooBig) => {
                            return Err(Ctl::Fatal(self.err_here(format!(
                                "{target}: file larger than {} bytes",
                                self.limits.max_file_size
                            ))));
                        }
                        Err(ReadError::Io(e)) => {
                            self.report(&n, &format!("{target}: {}", io_message(&e)));
                            return Ok(None);
                        }
                    }
                }
                RedirOp::DupIn => {}
                RedirOp::HereString => {
                    let mut s = self.expand_str(&r.target)?;
                    s.push('\n');
                    if fd == 0 {
                        n.stdin = Some(Input::new(s.into_bytes()));
                    }
                }
                RedirOp::HereDoc => {
                    let s = self.expand_str(&r.target)?;
                    if fd == 0 {
                        n.stdin = Some(Input::new(s.into_bytes()));
                    }
                }
                RedirOp::InProc => {
                    if let [WordPart::CmdSub(prog)] = r.target.parts.as_slice() {
                        let (out, _) = self.run_captured(prog)?;
                        if fd == 0 {
                            n.stdin = Some(Input::new(out));
                        }
                    }
                }
            }
        }
        Ok(Some(n))
    }

    fn open_sink(&self, target: &str, append: bool) -> std::io::Result<Sink> {
        if target == "/dev/null" {
            return Ok(Sink::Null);
        }
        if self.opts.no_side_effects {
            return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        }
        self.listing.borrow_mut().take();
        forget_directory_answers();
        if target == "/dev/stderr" {
            return Ok(Sink::Stderr);
        }
        if target == "/dev/stdout" {
            return Ok(Sink::Stdout);
        }
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .append(append)
            .truncate(!append)
            .open(self.resolve(target))?;
        Ok(Sink::File(Rc::new(f)))
    }

    // ------------------------------------------------------------------ external commands

    fn find_command(&self, name: &str) -> Option<PathBuf> {
        use std::os::unix::fs::PermissionsExt;
        if name.contains('/') {
            return Some(self.resolve(name));
        }
        let path = self.get("PATH").unwrap_or_default();
        for dir in path.split(':') {
            let d = if dir.is_empty() { "." } else { dir };
            let p = Path::new(d).join(name);
            let p = if p.is_absolute() { p } else { self.cwd.join(p) };
            if let Ok(m) = std::fs::metadata(&p) {
                if m.is_file() && m.permissions().mode() & 0o111 != 0 {
                    return Some(p);
                }
            }
        }
        None
    }

    /// Run a command given as words (`command`, `builtin`, `exec`): builtins, then (when
    /// `functions`) functions, then external commands.
    pub fn run_words(&mut self, words: &[String], io: &Io, functions: bool) -> R<i32> {
        let Some(name) = words.first() else {
            return Ok(0);
        };
        if functions {
            if let Some(body) = self.funcs.get(name.as_str()).cloned() {
                return self.call_function(name, body, words[1..].to_vec(), io);
            }
        }
        if super::builtins::is_builtin(name) {
            return super::builtins::run(self, name, &words[1..], io);
        }
        let env = self.exported_env();
        self.run_external(words, env, io)
    }

    pub fn in_sourced_file(&self) -> bool {
        !self.source_stack.is_empty()
    }

    pub fn command_exists(&self, name: &str) -> Option<PathBuf> {
        self.find_command(name)
    }

    fn run_external(&mut self, words: &[String], env: Vec<(String, String)>, io: &Io) -> R<i32> {
        use std::os::unix::process::CommandExt;
        use std::process::Stdio;
        let name = &words[0];
        let found = if self.opts.no_side_effects {
            None
        } else {
            self.find_command(name)
        };
        let Some(path) = found else {
            self.report(io, &format!("{name}: command not found"));
            return Ok(127);
        };
        let mut cmd = std::process::Command::new(&path);
        cmd.arg0(name)
            .args(&words[1..])
            .env_clear()
            .envs(env)
            .current_dir(&self.cwd);
        cmd.stdin(if io.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut readers: Vec<(std::io::PipeReader, Rc<RefCell<Vec<u8>>>)> = Vec::new();
        let mut writers: Vec<(Rc<RefCell<Vec<u8>>>, std::io::PipeWriter)> = Vec::new();
        let mut stdio_for = |sink: &Sink, fd: i32| -> std::io::Result<Stdio> {
            use std::os::fd::AsFd;
            Ok(match sink {
                Sink::Null => Stdio::null(),
                Sink::Stdout => {
                    if fd == 1 {
                        Stdio::inherit()
                    } else {
                        Stdio::from(std::io::stdout().as_fd().try_clone_to_owned()?)
                    }
                }
                Sink::Stderr => {
                    if fd == 2 {
                        Stdio::inherit()
                    } else {
                        Stdio::from(std::io::stderr().as_fd().try_clone_to_owned()?)
                    }
                }
                Sink::File(f) => Stdio::from(f.try_clone()?),
                Sink::Buf(b) => {
                    if let Some((_, w)) = writers.iter().find(|(x, _)| Rc::ptr_eq(x, b)) {
                        Stdio::from(w.try_clone()?)
                    } else {
                        let (r, w) = std::io::pipe()?;
                        let s = Stdio::from(w.try_clone()?);
                        writers.push((b.clone(), w));
                        readers.push((r, b.clone()));
                        s
                    }
                }
            })
        };
        let setup = stdio_for(&io.out, 1).and_then(|o| Ok((o, stdio_for(&io.err, 2)?)));
        let (o, e) = match setup {
            Ok(x) => x,
            Err(e) => {
                self.report(io, &format!("{name}: {}", io_message(&e)));
                return Ok(126);
            }
        };
        cmd.stdout(o).stderr(e);
        self.listing.borrow_mut().take();
        forget_directory_answers();
        let spawned = cmd.spawn();
        // The parent's copies of the pipe writers must go, or the readers never see EOF.
        drop(cmd);
        drop(writers);
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                self.report(io, &format!("{name}: {}", io_message(&e)));
                return Ok(if e.kind() == std::io::ErrorKind::NotFound {
                    127
                } else {
                    126
                });
            }
        };
        let pid = child.id();
        if let (Some(mut sin), Some(input)) = (child.stdin.take(), io.stdin.clone()) {
            let data: Vec<u8> = input.remaining().to_vec();
            input.pos.set(input.data.len());
            std::thread::spawn(move || {
                let _ = sin.write_all(&data);
            });
        }
        let limit = self.limits.max_output;
        let deadline = self
            .limits
            .max_time
            .saturating_sub(self.budget.start.elapsed());
        let (tx, rx) = std::sync::mpsc::channel();
        let mut targets = Vec::new();
        let mut pipes = Vec::new();
        for (r, b) in readers {
            targets.push(b);
            pipes.push(r);
        }
        std::thread::spawn(move || {
            let mut outs = Vec::new();
            let mut too_big = false;
            for r in pipes {
                let mut buf = Vec::new();
                let _ = r.take(limit as u64 + 1).read_to_end(&mut buf);
                if buf.len() > limit {
                    too_big = true;
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid as i32),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
                outs.push(buf);
            }
            let status = child.wait();
            let _ = tx.send((outs, status, too_big));
        });
        match rx.recv_timeout(deadline) {
            Ok((outs, status, too_big)) => {
                if too_big {
                    return Err(Ctl::Fatal(
                        self.err_here(format!("{name}: output larger than {limit} bytes")),
                    ));
                }
                for (b, data) in targets.iter().zip(outs) {
                    b.borrow_mut().extend_from_slice(&data);
                }
                use std::os::unix::process::ExitStatusExt;
                Ok(match status {
                    Ok(s) => s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0)),
                    Err(_) => 1,
                })
            }
            Err(_) => {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
                Err(Ctl::Fatal(self.err_here(format!(
                    "{name}: evaluation took longer than {:?}",
                    self.limits.max_time
                ))))
            }
        }
    }

    // ------------------------------------------------------------------ expansion

    /// Expand a word to one string: no field splitting, no pathname expansion.
    pub fn expand_str(&mut self, w: &Word) -> R<String> {
        if let [WordPart::Lit(s)] | [WordPart::Quoted(s)] = w.parts.as_slice() {
            return Ok(s.clone());
        }
        let mut out = String::new();
        if self.concat_plain(&w.parts, &mut out) {
            self.check_value(&out)?;
            return Ok(out);
        }
        out.clear();
        let segs = self.expand_segs(&w.parts, false)?;
        let ifs0 = self.ifs().chars().next();
        for s in segs {
            match s {
                Seg::Lit(t) | Seg::Quoted(t) | Seg::Exp(t) => out.push_str(&t),
                Seg::Break => out.push(ifs0.unwrap_or(' ')),
            }
        }
        self.check_value(&out)?;
        Ok(out)
    }

    /// Append to `out` the expansion of `parts` when they are only text and plain `$name`s
    /// of ordinary variables (most assignments in a conf): no segments, no copies of the
    /// values. False, with `out` part-filled, when another construct is there.
    fn concat_plain(&self, parts: &[WordPart], out: &mut String) -> bool {
        for p in parts {
            match p {
                WordPart::Lit(s) | WordPart::Quoted(s) => out.push_str(s),
                WordPart::DQ(inner) => {
                    if !self.concat_plain(inner, out) {
                        return false;
                    }
                }
                WordPart::Param(pe)
                    if pe.prefix == ParamPrefix::None
                        && pe.op == ParamOp::None
                        && pe.index.is_none()
                        && super::lexer::is_name(&pe.name)
                        && !matches!(
                            pe.name.as_str(),
                            "LINENO" | "BASH_SOURCE" | "FUNCNAME" | "RANDOM" | "SECONDS"
                        ) =>
                {
                    let v = match self.get_var(&pe.name).map(|v| &v.value) {
                        None | Some(Value::Unset) => None,
                        Some(Value::Scalar(s)) => Some(s),
                        Some(Value::Indexed(m)) => m.get(&0),
                        Some(Value::Assoc(m)) => m.get("0"),
                    };
                    match v {
                        Some(v) => out.push_str(v),
                        // (an error under `set -u`)
                        None if self.opts.nounset => return false,
                        None => {}
                    }
                }
                _ => return false,
            }
        }
        true
    }

    /// Expand a word as a pattern: quoted characters are escaped with `\`.
    pub fn expand_pattern(&mut self, w: &Word) -> R<String> {
        let segs = self.expand_segs(&w.parts, false)?;
        let mut out = String::new();
        for s in segs {
            match s {
                Seg::Lit(t) | Seg::Exp(t) => out.push_str(&t),
                Seg::Quoted(t) => escape_glob(&t, &mut out),
                Seg::Break => out.push(' '),
            }
        }
        Ok(out)
    }

    fn ifs(&self) -> std::borrow::Cow<'_, str> {
        match self.get_var("IFS").map(|v| &v.value) {
            None | Some(Value::Unset) => " \t\n".into(),
            Some(Value::Scalar(s)) => s.as_str().into(),
            _ => self.get("IFS").unwrap_or_default().into(),
        }
    }

    /// Expand a word to fields: brace expansion, then the expansions of each word, splitting
    /// on IFS and pathname expansion.
    pub fn expand_fields(&mut self, w: &Word) -> R<Vec<String>> {
        if let Some(words) = self.brace_expand(w)? {
            let mut out = Vec::new();
            for b in &words {
                out.extend(self.word_fields(b)?);
            }
            return Ok(out);
        }
        self.word_fields(w)
    }

    fn brace_expand(&self, w: &Word) -> R<Option<Vec<Word>>> {
        if self.opts.nobraceexpand {
            return Ok(None);
        }
        let words =
            super::brace::expand(w, self.brace_room()).map_err(|e| Ctl::Fatal(self.err_here(e)))?;
        self.count_brace_words(words.as_ref().map_or(0, Vec::len));
        Ok(words)
    }

    /// What brace expansion may still give in this evaluation.
    fn brace_room(&self) -> usize {
        super::brace::MAX_WORDS.saturating_sub(self.budget.brace_words.get())
    }

    fn count_brace_words(&self, n: usize) {
        let total = self.budget.brace_words.get().saturating_add(n);
        self.budget.brace_words.set(total);
    }

    fn word_fields(&mut self, w: &Word) -> R<Vec<String>> {
        if let [WordPart::Lit(s)] = w.parts.as_slice() {
            if self.opts.noglob || !pattern::has_glob(s, self.opts.extglob) {
                return Ok(vec![s.clone()]);
            }
        }
        let segs = self.expand_segs(&w.parts, false)?;
        let ifs = self.ifs();
        let fields = split_fields(&segs, &ifs);
        let mut out = Vec::new();
        for f in fields {
            out.extend(self.glob_field(f));
        }
        Ok(out)
    }

    fn expand_segs(&mut self, parts: &[WordPart], in_dq: bool) -> R<Vec<Seg>> {
        let mut out = Vec::new();
        self.expand_into(parts, in_dq, &mut out)?;
        Ok(out)
    }

    fn expand_into(&mut self, parts: &[WordPart], in_dq: bool, out: &mut Vec<Seg>) -> R<()> {
        for p in parts {
            match p {
                WordPart::Lit(s) => out.push(if in_dq {
                    Seg::Quoted(s.clone())
                } else {
                    Seg::Lit(s.clone())
                }),
                WordPart::Quoted(s) => out.push(Seg::Quoted(s.clone())),
                WordPart::DQ(inner) => {
                    let before = out.len();
                    self.expand_into(inner, true, out)?;
                    // "${a[@]}", "${!a[@]}", "${a[@]#x}", "${@:2}", "${!pre@}": an empty list
                    // is no word
                    let only_at = inner.len() == 1
                        && matches!(&inner[0], WordPart::Param(pe) if pe.prefix != ParamPrefix::Length && (pe.name == "@" || (pe.prefix == ParamPrefix::Indirect && pe.name.ends_with('@')) || pe.index.as_ref().and_then(|i| i.as_literal()) == Some("@")));
                    if out.len() == before && !only_at {
                        out.push(Seg::Quoted(String::new()));
                    }
                }
                WordPart::Param(pe) => self.expand_param(pe, in_dq, out)?,
                WordPart::CmdSub(prog) => {
                    let text = self.command_substitution(prog)?;
                    out.push(if in_dq {
                        Seg::Quoted(text)
                    } else {
                        Seg::Exp(text)
                    });
                }
                WordPart::Arith(w) => {
                    let text = self.expand_str(w)?;
                    let v = self.arith_str(&text)?;
                    out.push(if in_dq {
                        Seg::Quoted(v.to_string())
                    } else {
                        Seg::Exp(v.to_string())
                    });
                }
                WordPart::Tilde(user) => {
                    let home = if user.is_empty() {
                        self.get("HOME").unwrap_or_default()
                    } else {
                        format!("~{user}")
                    };
                    out.push(Seg::Quoted(home));
                }
            }
        }
        Ok(())
    }

    /// Run commands in a subshell; their stdout and exit status.
    fn run_captured(&mut self, prog: &Program) -> R<(Vec<u8>, i32)> {
        let buf = Rc::new(RefCell::new(Vec::new()));
        let io = Io {
            stdin: None,
            out: Sink::Buf(buf.clone()),
            err: self.err_sink.clone(),
        };
        let mut sub = self.subshell();
        sub.errexit_off = 0;
        let status = subshell_status(sub.run_program(prog, &io))?;
        let out = buf.take();
        Ok((out, status))
    }

    fn command_substitution(&mut self, prog: &Program) -> R<String> {
        let (out, status) = self.run_captured(prog)?;
        self.status_from_subst = Some(status);
        self.status = status;
        let mut text = bytes_to_string(&out);
        while text.ends_with('\n') {
            text.pop();
        }
        Ok(text)
    }

    fn positional_value(&self, name: &str) -> Option<String> {
        if name == "0" {
            return Some(self.arg0.clone());
        }
        let n: usize = name.parse().ok()?;
        self.positional.get(n - 1).cloned()
    }

    /// An expansion error (`${x:?}`, a bad indirection): bash reports it and the
    /// non-interactive shell exits, so a dkms.conf ends there and serialises nothing.
    fn expansion_error(&self, msg: &str) -> Ctl {
        let text = format!("{}: line {}: {msg}\n", self.file.display(), self.lineno);
        let _ = self.write(&self.err_sink, text.as_bytes());
        Ctl::Exit(1)
    }

    /// The value of a parameter without operators.
    fn param_value(&mut self, name: &str, index: Option<&Word>) -> R<PVal> {
        if let Some(idx) = index {
            let key = self.expand_str(idx)?;
            if key == "@" || key == "*" {
                let star = key == "*";
                let vals: Vec<String> = match name {
                    "BASH_SOURCE" => self.bash_source(),
                    "FUNCNAME" => self.func_stack.iter().rev().cloned().collect(),
                    _ => self.entries(name).into_iter().map(|(_, v)| v).collect(),
                };
                return Ok(PVal::List(vals, star));
            }
            if name == "BASH_SOURCE" || name == "FUNCNAME" {
                let i = self.arith_subscript(&key)?;
                let list: Vec<String> = if name == "FUNCNAME" {
                    self.func_stack.iter().rev().cloned().collect()
                } else {
                    self.bash_source()
                };
                return Ok(usize::try_from(i)
                    .ok()
                    .and_then(|i| list.get(i).cloned())
                    .map(PVal::Str)
                    .unwrap_or(PVal::Unset));
            }
            return Ok(match self.value(name).cloned() {
                None | Some(Value::Unset) => {
                    self.arith_subscript(&key)?;
                    PVal::Unset
                }
                Some(Value::Assoc(m)) => m.get(&key).cloned().map(PVal::Str).unwrap_or(PVal::Unset),
                Some(Value::Scalar(s)) => {
                    let i = self.arith_subscript(&key)?;
                    if i == 0 || i == -1 {
                        PVal::Str(s)
                    } else {
                        PVal::Unset
                    }
                }
                Some(Value::Indexed(m)) => {
                    let mut i = self.arith_subscript(&key)?;
                    if i < 0 {
                        i += m.keys().next_back().map(|k| k + 1).unwrap_or(0);
                        if i < 0 {
                            self.report_err(&format!("{name}: bad array subscript"));
                        }
                    }
                    m.get(&i).cloned().map(PVal::Str).unwrap_or(PVal::Unset)
                }
            });
        }
        Ok(match name {
            "@" => PVal::List(self.positional.clone(), false),
            "*" => PVal::List(self.positional.clone(), true),
            "#" => PVal::Str(self.positional.len().to_string()),
            "?" => PVal::Str(self.status.to_string()),
            "$" => PVal::Str(std::process::id().to_string()),
            "!" => PVal::Unset,
            "-" => PVal::Str(format!(
                "{}h{}",
                if self.opts.errexit { "e" } else { "" },
                if self.opts.nobraceexpand { "" } else { "B" }
            )),
            "LINENO" => PVal::Str(self.lineno.to_string()),
            "BASH_SOURCE" => self
                .bash_source()
                .first()
                .cloned()
                .map(PVal::Str)
                .unwrap_or(PVal::Unset),
            "FUNCNAME" => self
                .func_stack
                .last()
                .cloned()
                .map(PVal::Str)
                .unwrap_or(PVal::Unset),
            "RANDOM" => PVal::Str(
                ((std::process::id() as u64 * 1103515245 + self.budget.steps.get()) % 32768)
                    .to_string(),
            ),
            "SECONDS" => PVal::Str(self.budget.start.elapsed().as_secs().to_string()),
            n if n.chars().all(|c| c.is_ascii_digit()) => self
                .positional_value(n)
                .map(PVal::Str)
                .unwrap_or(PVal::Unset),
            n => self.get(n).map(PVal::Str).unwrap_or(PVal::Unset),
        })
    }

    fn bash_source(&self) -> Vec<String> {
        self.source_stack.iter().rev().cloned().collect()
    }

    fn expand_param(&mut self, pe: &ParamExp, in_dq: bool, out: &mut Vec<Seg>) -> R<()> {
        let push = |out: &mut Vec<Seg>, s: String| {
            out.push(if in_dq { Seg::Quoted(s) } else { Seg::Exp(s) });
        };
        // (borrowed from the syntax tree; owned only after an indirection)
        let mut name: std::borrow::Cow<'_, str> = pe.name.as_str().into();
        let mut index: Option<std::borrow::Cow<'_, Word>> =
            pe.index.as_ref().map(std::borrow::Cow::Borrowed);
        match pe.prefix {
            ParamPrefix::Length => {
                let v = self.param_value(&name, index.as_deref())?;
                let n = match v {
                    PVal::Unset => 0,
                    PVal::Str(s) => s.chars().count(),
                    PVal::List(l, _) => l.len(),
                };
                push(out, n.to_string());
                return Ok(());
            }
            ParamPrefix::Indirect => {
                if let Some(prefix) = name.strip_suffix(['@', '*']) {
                    let names: Vec<String> = self
                        .var_names()
                        .into_iter()
                        .filter(|n| n.starts_with(prefix))
                        .collect();
                    self.push_list(names, name.ends_with('*'), in_dq, out);
                    return Ok(());
                }
                // `${!a[@]}` alone lists the keys; with an operator it is an indirection
                if let (Some(idx), ParamOp::None) = (&index, &pe.op) {
                    let key = self.expand_str(idx)?;
                    if key == "@" || key == "*" {
                        let keys: Vec<String> =
                            self.entries(&name).into_iter().map(|(k, _)| k).collect();
                        self.push_list(keys, key == "*", in_dq, out);
                        return Ok(());
                    }
                }
                // indirection: the value names the parameter
                let target = match self.param_value(&name, index.as_deref())? {
                    PVal::Str(s) => s,
                    PVal::List(l, _) => l.join(" "),
                    PVal::Unset => {
                        self.report_err(&format!("{}: invalid indirect expansion", pe.name));
                        return Err(Ctl::Discard);
                    }
                };
                let invalid = format!("{target}: invalid variable name");
                if let Some((n, rest)) = target.split_once('[') {
                    name = n.to_string().into();
                    let inner = rest.strip_suffix(']').unwrap_or(rest);
                    index = Some(std::borrow::Cow::Owned(super::parser::lit_word(inner)));
                } else {
                    name = target.into();
                    index = None;
                }
                if name.is_empty()
                    || !(super::lexer::is_name(&name)
                        || name.chars().all(|c| c.is_ascii_digit())
                        || matches!(name.as_ref(), "@" | "*" | "#" | "?"))
                {
                    self.report_err(&invalid);
                    return Err(Ctl::Discard);
                }
            }
            ParamPrefix::None => {}
        }
        let value = self.param_value(&name, index.as_deref())?;
        let is_set = |v: &PVal, colon: bool| match v {
            PVal::Unset => false,
            PVal::Str(s) => !colon || !s.is_empty(),
            PVal::List(l, _) => !l.is_empty() && (!colon || l.iter().any(|s| !s.is_empty())),
        };
        match &pe.op {
            ParamOp::None => {
                if self.opts.nounset && matches!(value, PVal::Unset) && name != "@" && name != "*" {
                    let _ = self.write(
                        &self.err_sink,
                        format!(
                            "{}: line {}: {}: unbound variable\n",
                            self.file.display(),
                            self.lineno,
                            name
                        )
                        .as_bytes(),
                    );
                    return Err(Ctl::Exit(1));
                }
                self.push_value(value, in_dq, out);
            }
            ParamOp::Default { colon, word } => {
                if is_set(&value, *colon) {
                    self.push_value(value, in_dq, out);
                } else {
                    self.expand_into(&word.parts, in_dq, out)?;
                }
            }
            ParamOp::Alt { colon, word } => {
                if is_set(&value, *colon) {
                    self.expand_into(&word.parts, in_dq, out)?;
                }
            }
            ParamOp::Assign { colon, word } => {
                if is_set(&value, *colon) {
                    self.push_value(value, in_dq, out);
                } else {
                    let v = self.expand_str(word)?;
                    match &index {
                        Some(i) => {
                            let k = self.expand_str(i)?;
                            self.set_element(&name, &k, v.clone(), false)?;
                        }
                        None => self.assign_checked(&name, v.clone())?,
                    }
                    push(out, v);
                }
            }
            ParamOp::Error { colon, word } => {
                if is_set(&value, *colon) {
                    self.push_value(value, in_dq, out);
                } else {
                    let msg = self.expand_str(word)?;
                    let msg = if msg.is_empty() {
                        "parameter null or not set".to_string()
                    } else {
                        msg
                    };
                    return Err(self.expansion_error(&format!("{name}: {msg}")));
                }
            }
            ParamOp::RemovePrefix {
                longest,
                pattern: pw,
            } => {
                let pat = self.expand_pattern(pw)?;
                let eg = self.opts.extglob;
                let f = |s: String| match pattern::match_prefix(&pat, &s, *longest, eg) {
                    Some(n) => s[n..].to_string(),
                    None => s,
                };
                let v = map_value(value, f);
                self.push_value(v, in_dq, out);
            }
            ParamOp::RemoveSuffix {
                longest,
                pattern: pw,
            } => {
                let pat = self.expand_pattern(pw)?;
                let eg = self.opts.extglob;
                let f = |s: String| match pattern::match_suffix(&pat, &s, *longest, eg) {
                    Some(n) => s[..n].to_string(),
                    None => s,
                };
                let v = map_value(value, f);
                self.push_value(v, in_dq, out);
            }
            ParamOp::Replace {
                mode,
                pattern: pw,
                replacement,
            } => {
                let pat = self.expand_pattern(pw)?;
                let rep = self.expand_str(replacement)?;
                let g = pattern::Glob::new(&pat, self.opts.extglob);
                let mode = *mode;
                let too_complex = Cell::new(false);
                let f = |s: String| {
                    if pat.is_empty() && !matches!(mode, ReplaceMode::Prefix | ReplaceMode::Suffix)
                    {
                        return s;
                    }
                    pattern::replace(
                        &g,
                        &s,
                        &rep,
                        mode == ReplaceMode::Prefix,
                        mode == ReplaceMode::Suffix,
                        mode == ReplaceMode::All,
                    )
                    .unwrap_or_else(|| {
                        too_complex.set(true);
                        String::new()
                    })
                };
                let v = map_value(value, f);
                if too_complex.get() {
                    return Err(Ctl::Fatal(self.err_here(format!(
                        "pattern substitution: more than {} matcher steps",
                        pattern::MAX_REPLACE_WORK
                    ))));
                }
                self.push_value(v, in_dq, out);
            }
            ParamOp::Substring { offset, length } => {
                let off_text = self.expand_str(offset)?;
                let what = format!("{}: ", pe.name);
                let off = self.arith_try(&off_text, &what).ok_or(Ctl::Discard)?;
                let len = match length {
                    Some(l) => {
                        let t = self.expand_str(l)?;
                        Some(self.arith_try(&t, &what).ok_or(Ctl::Discard)?)
                    }
                    None => None,
                };
                match value {
                    PVal::Unset => {}
                    PVal::Str(s) => {
                        let chars: Vec<char> = s.chars().collect();
                        match substring(chars.len(), off, len) {
                            Some((a, b)) => push(out, chars[a..b].iter().collect()),
                            None => {
                                if let Some(l) = len.filter(|l| *l < 0) {
                                    self.report_err(&format!("{l}: substring expression < 0"));
                                    return Err(Ctl::Discard);
                                }
                            }
                        }
                    }
                    PVal::List(l, star) => {
                        // positional parameters count from $1 at offset 1
                        let (items, base) = if name == "@" || name == "*" {
                            let mut all = vec![self.arg0.clone()];
                            all.extend(l);
                            (all, 0)
                        } else {
                            (l, 0)
                        };
                        let _ = base;
                        if let Some((a, b)) = substring(items.len(), off, len) {
                            let sel = items[a..b].to_vec();
                            self.push_list(sel, star, in_dq, out);
                        }
                    }
                }
            }
            ParamOp::Case {
                upper,
                all,
                pattern: pw,
            } => {
                let pat = self.expand_pattern(pw)?;
                let eg = self.opts.extglob;
                let (upper, all) = (*upper, *all);
                let f = |s: String| {
                    let mut r = String::new();
                    for (i, c) in s.chars().enumerate() {
                        let applies = (all || i == 0)
                            && (pat.is_empty() || pattern::glob_match(&pat, &c.to_string(), eg));
                        if applies {
                            if upper {
                                r.extend(c.to_uppercase());
                            } else {
                                r.extend(c.to_lowercase());
                            }
                        } else {
                            r.push(c);
                        }
                    }
                    r
                };
                let v = map_value(value, f);
                self.push_value(v, in_dq, out);
            }
        }
        Ok(())
    }

    fn push_value(&self, v: PVal, in_dq: bool, out: &mut Vec<Seg>) {
        match v {
            PVal::Unset => {}
            PVal::Str(s) => out.push(if in_dq { Seg::Quoted(s) } else { Seg::Exp(s) }),
            PVal::List(l, star) => self.push_list(l, star, in_dq, out),
        }
    }

    fn push_list(&self, l: Vec<String>, star: bool, in_dq: bool, out: &mut Vec<Seg>) {
        if in_dq && star {
            let sep = self
                .ifs()
                .chars()
                .next()
                .map(String::from)
                .unwrap_or_default();
            out.push(Seg::Quoted(l.join(&sep)));
            return;
        }
        for (i, s) in l.into_iter().enumerate() {
            if i > 0 {
                out.push(Seg::Break);
            }
            out.push(if in_dq { Seg::Quoted(s) } else { Seg::Exp(s) });
        }
    }

    // ------------------------------------------------------------------ builtin support

    pub fn positional(&self) -> &[String] {
        &self.positional
    }

    pub fn shift_positional(&mut self, n: usize) -> bool {
        if n > self.positional.len() {
            return false;
        }
        self.positional.drain(..n);
        true
    }

    pub fn in_function(&self) -> bool {
        self.func_depth > 0
    }

    pub fn has_function(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    pub fn remove_function(&mut self, name: &str) {
        self.funcs.remove(name);
    }

    pub fn function_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.funcs.keys().map(|k| k.to_string()).collect();
        v.sort();
        v
    }

    pub fn chdir(&mut self, dir: &str, io: &Io) -> bool {
        let target = if dir.is_empty() {
            self.get("HOME").unwrap_or_default()
        } else {
            dir.to_string()
        };
        let p = normalize(&self.resolve(&target));
        if p.is_dir() {
            let old = self.cwd.display().to_string();
            self.cwd = p;
            let _ = self.set("OLDPWD", old);
            let _ = self.set("PWD", self.cwd.display().to_string());
            true
        } else {
            self.report(io, &format!("cd: {dir}: No such file or directory"));
            false
        }
    }

    pub fn push_dir(&mut self, dir: &str, io: &Io) -> bool {
        let cur = self.cwd.clone();
        if self.chdir(dir, io) {
            self.dir_stack.push(cur);
            true
        } else {
            false
        }
    }

    pub fn pop_dir(&mut self, io: &Io) -> bool {
        match self.dir_stack.pop() {
            Some(d) => self.chdir(&d.display().to_string(), io),
            None => {
                self.report(io, "popd: directory stack empty");
                false
            }
        }
    }

    pub fn dirs_line(&self) -> String {
        let mut v = vec![self.cwd.display().to_string()];
        v.extend(self.dir_stack.iter().rev().map(|d| d.display().to_string()));
        v.join(" ")
    }

    pub fn error_message(&self, io: &Io, message: &str) {
        self.report(io, message);
    }

    pub fn split_ifs(&self, text: &str) -> Vec<String> {
        let ifs = self.ifs();
        split_fields(&[Seg::Exp(text.to_string())], &ifs)
            .into_iter()
            .map(|f| f.text)
            .collect()
    }

    /// What dkms's `eval echo $n[$i]=\"${NAME[$i]%$CR}\"` prints: the serialisation line (split on
    /// IFS, pathname-expanded against the cwd, joined with single spaces), appended to `out`.
    /// `ifs` is the value of IFS.
    pub fn unquoted_echo(&self, ifs: &str, name: &str, index: &str, value: &str, out: &mut String) {
        let start = out.len();
        // IFS as a bit mask of ASCII (None: a character outside it, left to the general path)
        let ifs_mask = ifs
            .bytes()
            .try_fold(0u128, |m, b| (b < 128).then(|| m | 1 << b));
        let default_ifs = ifs == " \t\n";
        let is_ifs = |b: u8| match ifs_mask {
            _ if default_ifs => matches!(b, b' ' | b'\t' | b'\n'),
            Some(m) => b < 128 && (m >> b) & 1 != 0,
            None => false,
        };
        let blank_ifs = !ifs.is_empty() && ifs.bytes().all(|c| matches!(c, b' ' | b'\t' | b'\n'));
        let pattern_free = |t: &str| {
            !t.bytes()
                .any(|c| matches!(c, b'*' | b'?' | b'[' | b'(' | b'\\' | b']'))
        };
        // Without pattern characters the fields are literal words, and only the first
        // (`NAME[i]="…`, whose `[i]` stands for the digit alone) can match a file. Blanks of
        // IFS split the value (runs rejoined as one space); other IFS characters must not be
        // in it.
        if index.len() == 1
            && index.bytes().all(|c| c.is_ascii_digit())
            && !self.opts.noglob
            && ifs_mask.is_some()
            && pattern_free(name)
            && !name.bytes().any(is_ifs)
            && pattern_free(value)
            && (blank_ifs || !value.bytes().any(is_ifs))
        {
            // (IFS characters are ASCII here: byte offsets are character boundaries)
            let first_end = value.bytes().position(is_ifs).unwrap_or(value.len());
            out.push_str(name);
            out.push_str(index);
            out.push_str("=\"");
            out.push_str(&value[..first_end]);
            if first_end == value.len() {
                out.push('"');
            }
            let literal_end = out[start..].find('/').map_or(out.len(), |i| start + i);
            let hit = self.cwd_has(&out[start..literal_end]);
            out.truncate(start);
            if !hit {
                out.push_str(name);
                out.push('[');
                out.push_str(index);
                out.push_str("]=\"");
                let mut blank = false;
                let mut word = 0;
                for (i, b) in value.bytes().enumerate() {
                    if is_ifs(b) {
                        if !blank {
                            out.push_str(&value[word..i]);
                            blank = true;
                        }
                    } else if blank {
                        out.push(' ');
                        blank = false;
                        word = i;
                    }
                }
                if blank {
                    out.push(' ');
                } else {
                    out.push_str(&value[word..]);
                }
                out.push('"');
                return;
            }
        }
        let segs = vec![
            Seg::Exp(name.to_string()),
            Seg::Lit("[".to_string()),
            Seg::Exp(index.to_string()),
            Seg::Lit("]=".to_string()),
            Seg::Quoted("\"".to_string()),
            Seg::Exp(value.to_string()),
            Seg::Quoted("\"".to_string()),
        ];
        out.push_str(&self.echo_segs(&segs));
    }

    /// An unquoted `echo $text`.
    pub fn unquoted_echo_text(&self, text: &str) -> Vec<String> {
        let segs = vec![Seg::Exp(text.to_string())];
        let ifs = self.ifs();
        let mut out = Vec::new();
        for f in split_fields(&segs, &ifs) {
            out.extend(self.glob_field(f));
        }
        out
    }

    fn echo_segs(&self, segs: &[Seg]) -> String {
        let ifs = self.ifs();
        let mut words = Vec::new();
        for f in split_fields(segs, &ifs) {
            words.extend(self.glob_field(f));
        }
        words.join(" ")
    }

    /// Is `name` an entry of the working directory? (Answers are remembered.)
    fn cwd_has(&self, name: &str) -> bool {
        let mut l = self.listing.borrow_mut();
        if l.as_ref() != Some(&self.cwd) {
            check_directory_answers(&self.cwd);
            *l = Some(self.cwd.clone());
        }
        DIRECTORY_ANSWERS.with(|a| {
            let mut a = a.borrow_mut();
            let mut answers = a.as_mut().filter(|c| c.dir == self.cwd);
            if let Some(hit) = answers.as_ref().and_then(|c| c.seen.get(name)) {
                return *hit;
            }
            let hit = std::fs::symlink_metadata(self.cwd.join(name)).is_ok();
            if let Some(c) = answers.as_mut() {
                c.seen.insert(name.to_string().into(), hit);
            }
            hit
        })
    }

    fn glob_field(&self, f: Field) -> Vec<String> {
        if f.globbable && !self.opts.noglob && pattern::has_glob(&f.pattern, self.opts.extglob) {
            // a relative pattern whose first component is literal matches nothing unless
            // that name exists here
            if !f.pattern.starts_with('/') {
                let first = f.pattern.split('/').next().unwrap_or("");
                if let Some(lit) = pattern::Glob::new(first, self.opts.extglob).literal() {
                    if !self.cwd_has(&lit) {
                        return if self.opts.nullglob {
                            vec![]
                        } else {
                            vec![f.text]
                        };
                    }
                }
            }
            let m = pattern::expand_path(&f.pattern, &self.cwd, self.opts.extglob);
            if !m.is_empty() {
                return m;
            }
            if self.opts.nullglob {
                return vec![];
            }
        }
        vec![f.text]
    }

    pub fn ifs_value(&self) -> String {
        self.ifs().into_owned()
    }

    pub fn set_array(&mut self, name: impl Into<Name>, items: Vec<String>) -> R<()> {
        let name = name.into();
        let name = &name;
        let m: BTreeMap<i64, String> = items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i as i64, v))
            .collect();
        if self.get_var(name).is_some_and(|v| v.readonly) {
            return Err(Ctl::Fatal(
                self.err_here(format!("{name}: readonly variable")),
            ));
        }
        match self.get_var_mut(name) {
            Some(v) => v.value = Value::Indexed(Rc::new(m)),
            None => {
                self.insert_global(
                    name.clone(),
                    Var {
                        value: Value::Indexed(Rc::new(m)),
                        exported: false,
                        readonly: false,
                    },
                );
            }
        }
        Ok(())
    }

    /// `unset NAME[KEY]`; false when KEY is a negative index out of range (reported).
    pub fn unset_element(&mut self, name: &str, key: &str) -> R<bool> {
        let is_assoc = matches!(self.value(name), Some(Value::Assoc(_)));
        let idx = if is_assoc { 0 } else { self.arith_str(key)? };
        if let Some(v) = self.get_var_mut(name) {
            match &mut v.value {
                Value::Indexed(m) => {
                    let i = if idx < 0 {
                        idx + m.keys().next_back().map(|k| k + 1).unwrap_or(0)
                    } else {
                        idx
                    };
                    if i < 0 {
                        self.report_err(&format!("unset: [{key}]: bad array subscript"));
                        return Ok(false);
                    }
                    Rc::make_mut(m).remove(&i);
                }
                Value::Assoc(m) => {
                    m.remove(key);
                }
                Value::Scalar(_) if idx == 0 => v.value = Value::Unset,
                _ => {}
            }
        }
        Ok(true)
    }

    pub fn export_name(&mut self, name: &str) {
        if let Some(v) = self.get_var_mut(name) {
            v.exported = true;
        }
    }
}

fn numeric_compare(op: &str, x: i64, y: i64) -> bool {
    match op {
        "-eq" => x == y,
        "-ne" => x != y,
        "-lt" => x < y,
        "-le" => x <= y,
        "-gt" => x > y,
        _ => x >= y,
    }
}

pub fn numeric_test(op: &str, x: i64, y: i64) -> bool {
    numeric_compare(op, x, y)
}

/// A word's source text, near enough for a message (quotes dropped, `$name` kept).
fn word_text(w: &Word) -> String {
    w.parts
        .iter()
        .map(|p| match p {
            WordPart::Lit(t) | WordPart::Quoted(t) => t.clone(),
            WordPart::Param(pe) => format!("${}", pe.name),
            WordPart::DQ(inner) => word_text(&Word {
                parts: inner.clone(),
                pos: w.pos,
            }),
            _ => String::new(),
        })
        .collect()
}

fn map_value(v: PVal, f: impl Fn(String) -> String) -> PVal {
    match v {
        PVal::Unset => PVal::Unset,
        PVal::Str(s) => PVal::Str(f(s)),
        PVal::List(l, star) => PVal::List(l.into_iter().map(f).collect(), star),
    }
}

/// `${v:off:len}` bounds on a sequence of `n` items.
fn substring(n: usize, off: i64, len: Option<i64>) -> Option<(usize, usize)> {
    let n = n as i64;
    let start = if off < 0 { n + off } else { off };
    if start < 0 || start > n {
        return None;
    }
    let end = match len {
        None => n,
        Some(l) if l < 0 => n + l,
        Some(l) => (start + l).min(n),
    };
    if end < start {
        return None;
    }
    Some((start as usize, end as usize))
}

fn escape_glob(t: &str, out: &mut String) {
    for c in t.chars() {
        if matches!(
            c,
            '\\' | '*' | '?' | '[' | ']' | '(' | ')' | '|' | '@' | '!' | '+'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
}

struct Field {
    text: String,
    pattern: String,
    globbable: bool,
}

/// Field splitting of expanded segments (bash's rules for IFS white space and other
/// delimiters), keeping an escaped pattern of each field for pathname expansion.
fn split_fields(segs: &[Seg], ifs: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut cur = Field {
        text: String::new(),
        pattern: String::new(),
        globbable: false,
    };
    let mut has = false;
    let mut after_ws_delim = false;
    let finish = |cur: &mut Field, fields: &mut Vec<Field>| {
        fields.push(std::mem::replace(
            cur,
            Field {
                text: String::new(),
                pattern: String::new(),
                globbable: false,
            },
        ));
    };
    for s in segs {
        match s {
            Seg::Lit(t) => {
                cur.text.push_str(t);
                cur.pattern.push_str(t);
                cur.globbable = true;
                has = true;
                after_ws_delim = false;
            }
            Seg::Quoted(t) => {
                cur.text.push_str(t);
                escape_glob(t, &mut cur.pattern);
                has = true;
                after_ws_delim = false;
            }
            Seg::Break => {
                if has {
                    finish(&mut cur, &mut fields);
                }
                has = false;
                after_ws_delim = false;
            }
            Seg::Exp(t) => {
                if ifs.is_empty() {
                    if !t.is_empty() {
                        cur.text.push_str(t);
                        cur.pattern.push_str(t);
                        cur.globbable = true;
                        has = true;
                    }
                    continue;
                }
                for c in t.chars() {
                    if ifs.contains(c) {
                        if c == ' ' || c == '\t' || c == '\n' {
                            if has {
                                finish(&mut cur, &mut fields);
                                has = false;
                                after_ws_delim = true;
                            }
                        } else {
                            if after_ws_delim && !has {
                                after_ws_delim = false;
                                continue;
                            }
                            finish(&mut cur, &mut fields);
                            has = false;
                            after_ws_delim = false;
                        }
                    } else {
                        cur.text.push(c);
                        cur.pattern.push(c);
                        cur.globbable = true;
                        has = true;
                        after_ws_delim = false;
                    }
                }
            }
        }
    }
    if has {
        fields.push(cur);
    }
    fields
}

impl ArithVars for Shell {
    fn arith_get(&mut self, name: &str, index: Option<i64>) -> String {
        match index {
            None => self.get(name).unwrap_or_default(),
            Some(i) => match self.value(name) {
                Some(Value::Indexed(m)) => m.get(&i).cloned().unwrap_or_default(),
                Some(Value::Scalar(s)) if i == 0 => s.clone(),
                Some(Value::Assoc(m)) => m.get(&i.to_string()).cloned().unwrap_or_default(),
                _ => String::new(),
            },
        }
    }

    fn arith_set(&mut self, name: &str, index: Option<i64>, value: i64) -> Result<(), String> {
        if self.get_var(name).is_some_and(|v| v.readonly) {
            return Err(format!("{name}: readonly variable"));
        }
        let r = match index {
            None => self.set(name, value.to_string()),
            Some(i) => self.set_element(name, &i.to_string(), value.to_string(), false),
        };
        r.map_err(|e| match e {
            Ctl::Fatal(e) => e.message,
            Ctl::Discard => "bad array subscript".to_string(),
            _ => "assignment failed".to_string(),
        })
    }
}

/// The bucket of KEY in bash's table for an associative array (1024 buckets, FNV-1 hash):
/// bash lists keys and values bucket by bucket.  Within one bucket bash lists the newest key
/// first; that order is not kept here (keys of one bucket come in sorted order).
fn assoc_bucket(key: &str) -> u32 {
    let h = key.bytes().fold(2_166_136_261u32, |h, b| {
        h.wrapping_mul(16_777_619) ^ u32::from(b)
    });
    h & 1023
}

enum ReadError {
    TooBig,
    Io(std::io::Error),
}

fn read_limited_bytes(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let f = std::fs::File::open(path).map_err(ReadError::Io)?;
    // sized from the file's length: one read instead of a series of growing ones
    let hint = f.metadata().map(|m| m.len()).unwrap_or(0).min(max) as usize;
    let mut buf = Vec::with_capacity(hint + 1);
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > max {
        return Err(ReadError::TooBig);
    }
    Ok(buf)
}

fn read_limited(path: &Path, max: u64) -> Result<String, ReadError> {
    // (valid UTF-8, the usual case, is taken as it is: no second copy)
    read_limited_bytes(path, max)
        .map(|b| String::from_utf8(b).unwrap_or_else(|e| bytes_to_string(e.as_bytes())))
}

/// Read a script file within the size limit (text decoded lossily).
pub fn read_script(path: &Path, max: u64) -> Result<String, std::io::Result<()>> {
    match read_limited(path, max) {
        Ok(t) => Ok(t),
        Err(ReadError::TooBig) => Err(Ok(())),
        Err(ReadError::Io(e)) => Err(Err(e)),
    }
}

pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl Shell {
    /// The variables of every scope, global first (the frozen layer merged under its
    /// overlay), for the bash fallback to rebuild them.
    pub fn variable_scopes(&self) -> Vec<Vec<(&str, &Var)>> {
        let overlay = &self.scopes[0];
        let mut global: Vec<(&str, &Var)> = self
            .base
            .vars
            .iter()
            .filter(|(k, _)| {
                !self.base_removed.contains_key(k.as_ref()) && !overlay.contains_key(k.as_ref())
            })
            .map(|(k, v)| (k.as_ref(), v))
            .collect();
        global.extend(overlay.iter().map(|(k, v)| (k.as_ref(), v)));
        global.sort_by(|a, b| a.0.cmp(b.0));
        let mut all = vec![global];
        for scope in &self.scopes[1..] {
            let mut vars: Vec<(&str, &Var)> = scope.iter().map(|(k, v)| (k.as_ref(), v)).collect();
            vars.sort_by(|a, b| a.0.cmp(b.0));
            all.push(vars);
        }
        all
    }
}

/// Answers of `cwd_has` kept across evaluations (dkms reads many confs from one directory).
struct DirectoryAnswers {
    dir: PathBuf,
    /// The directory's ctime when the answers began: any entry added, removed or renamed
    /// since changes it, and unlike the mtime it cannot be set back.
    ctime: (i64, i64),
    since: std::time::SystemTime,
    seen: Map<bool>,
}

thread_local! {
    static DIRECTORY_ANSWERS: RefCell<Option<DirectoryAnswers>> = const { RefCell::new(None) };
}

fn directory_ctime(dir: &Path) -> Option<(i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(dir).ok()?;
    Some((m.ctime(), m.ctime_nsec()))
}

/// Keep the remembered answers if they are for `dir` and it has not changed since they were
/// looked up; else start anew for `dir`. A directory changed less than a second before the
/// answers began is not trusted (a change within the same clock tick would keep its ctime).
fn check_directory_answers(dir: &Path) {
    let ctime = directory_ctime(dir);
    DIRECTORY_ANSWERS.with(|a| {
        let mut a = a.borrow_mut();
        if let (Some(cached), Some(ctime)) = (a.as_ref(), ctime) {
            let changed_at = std::time::UNIX_EPOCH
                + Duration::new(ctime.0.max(0) as u64, ctime.1.clamp(0, 999_999_999) as u32);
            if cached.dir == dir
                && cached.ctime == ctime
                && changed_at + Duration::from_secs(1) < cached.since
            {
                return;
            }
        }
        *a = ctime.map(|ctime| DirectoryAnswers {
            dir: dir.to_path_buf(),
            ctime,
            since: std::time::SystemTime::now(),
            seen: Map::default(),
        });
    })
}

/// A command or a written file may have changed any directory.
fn forget_directory_answers() {
    DIRECTORY_ANSWERS.with(|a| a.borrow_mut().take());
}
