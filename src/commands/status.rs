//! `dkms status` (spec §5.1): one pass per requested kernel (or one pass over all kernels),
//! every module version in bash glob order, a line per built/installed kernel/arch, `added`
//! when nothing matched, `broken` with an error block on stderr. Always exit 0.
//!
//! The `-m`, `-v`, `-k` and `-a` filters are bash glob patterns, as in dkms, which puts them
//! into paths unquoted; without `-k` only kernel directories starting with a digit count.
//!
//! Speed matters (fleet scripts call status in loops): no process is started, a dkms.conf
//! of plain assignments is read once per module version, and the only file contents read
//! are the built and installed modules of installed lines, compared byte for byte.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::commands::add::{read_conf, ConfOutcome};
use crate::commands::Context;
use crate::conf::ModuleRecord;
use crate::error::Result;
use crate::output::tree::{self as msg, StatusEntry};
use crate::tree::{glob_match, AddState, KernelArch, Tree};

pub fn run(ctx: &Context) -> Result<()> {
    let status = Status::new(ctx);
    let json = ctx.inv.json;
    let mut entries = Vec::new();
    let candidates = status.candidates();
    for (kernel, arch) in passes(ctx) {
        for (module, version) in &candidates {
            status.report(
                module,
                version,
                kernel.as_deref(),
                arch.as_deref(),
                json,
                &mut entries,
            );
        }
    }
    if json {
        ctx.out.line(msg::status_json(&entries));
    }
    Ok(())
}

/// `(kernel, arch)` filters, one per pass: each `-k` is its own pass; a single `-a` applies
/// to every kernel, several pair up 1:1 (the CLI has already rejected other counts).
fn passes(ctx: &Context) -> Vec<(Option<String>, Option<String>)> {
    let inv = &ctx.inv;
    // An empty kernel or arch (`-k 6.1/`) filters nothing, as in dkms.
    let given = |s: Option<&String>| s.filter(|s| !s.is_empty()).cloned();
    if inv.kernels.is_empty() {
        return vec![(None, given(inv.arches.first()))];
    }
    inv.kernels
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let arch = if inv.arches.len() == 1 {
                given(inv.arches.first())
            } else {
                given(inv.arches.get(i))
            };
            (given(Some(k)), arch)
        })
        .collect()
}

struct Status<'a> {
    ctx: &'a Context,
    /// Reads of dkms.conf files that only assign plain values, keyed by (conf path, module,
    /// version): their result cannot depend on the kernel, so one read serves every line of a
    /// module version; the messages it printed are replayed on every line, as dkms re-reads
    /// and re-prints them.
    confs: RefCell<HashMap<(PathBuf, String, String), ConfOutcome>>,
    /// Any other conf is re-read whenever the (path, module, version, kernel, arch) tuple
    /// changes, exactly as dkms does (its commands run and print again).
    last_dynamic: RefCell<Option<(ConfKey, ConfOutcome)>>,
    /// The names in the config directory, for spotting per-module override files.
    confdir_files: Vec<String>,
    weak_kernels: Vec<String>,
}

impl<'a> Status<'a> {
    fn new(ctx: &'a Context) -> Self {
        Status {
            ctx,
            confs: RefCell::new(HashMap::new()),
            last_dynamic: RefCell::new(None),
            confdir_files: std::fs::read_dir(&ctx.settings.confdir)
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default(),
            weak_kernels: ctx.tree.weak_update_kernels(),
        }
    }

    fn tree(&self) -> &Tree {
        &self.ctx.tree
    }

    /// The module versions to look at, in glob order, after the `-m`/`-v` filters (bash glob
    /// patterns, as dkms puts them into a path unquoted).
    fn candidates(&self) -> Vec<(String, String)> {
        let inv = &self.ctx.inv;
        // An empty module or version (`status hello/`) filters nothing, as in dkms.
        let module = inv.module.as_deref().filter(|m| !m.is_empty());
        let version = inv.version.as_deref().filter(|v| !v.is_empty());
        self.tree().module_versions_matching(module, version)
    }

    fn report(
        &self,
        module: &str,
        version: &str,
        kernel: Option<&str>,
        arch: Option<&str>,
        json: bool,
        entries: &mut Vec<StatusEntry>,
    ) {
        let out = &self.ctx.out;
        match self.tree().add_state(module, version) {
            AddState::NotAdded => return,
            AddState::Broken => {
                entries.push(plain_entry(module, version, "broken"));
                if !json {
                    out.line(msg::status_broken(module, version));
                }
                out.error(&msg::status_broken_error(module, version));
                return;
            }
            // A binary-only load has no source link but is built: shown like an added module
            // (upstream hides it, a bug nobody can rely on).
            AddState::Added | AddState::BinaryOnly => {}
        }

        let mut printed = false;
        for ka in self
            .tree()
            .built_kernels_matching(module, version, kernel, arch)
        {
            printed = true;
            let entry = self.kernel_line(module, version, &ka, json);
            entries.push(entry);
        }
        for entry in self.weak_lines(module, version, kernel, arch) {
            printed = true;
            if !json {
                out.line(msg::status_weak(
                    &entry.module,
                    &entry.version,
                    entry.kernel.as_deref().unwrap_or(""),
                    entry.arch.as_deref().unwrap_or(""),
                    entry.weak_from.as_deref().unwrap_or(""),
                ));
            }
            entries.push(entry);
        }
        if !printed {
            entries.push(plain_entry(module, version, "added"));
            if !json {
                out.line(msg::status_added(module, version));
            }
        }
    }

    /// One built/installed line. The state is printed before dkms.conf is read, so whatever
    /// the conf prints on stderr lands where dkms puts it.
    fn kernel_line(&self, module: &str, version: &str, ka: &KernelArch, json: bool) -> StatusEntry {
        let tree = self.tree();
        let (k, a) = (ka.kernel.as_str(), ka.arch.as_str());
        // Listed by built_kernels_matching, so built; installed if the link points here.
        let installed = tree.is_installed(module, version, k, a);
        let state = if installed { "installed" } else { "built" };
        let prefix = msg::status_kernel_prefix(module, version, k, a, state);
        let original = tree.has_original_modules(module, k, a);
        // dkms prints the state before reading dkms.conf; when the read prints something
        // (`--directive` echoes, messages), keep that order, else write the line in one go.
        let echoes = !self.ctx.inv.directives.is_empty();
        if !json && echoes {
            self.ctx.out.partial(&prefix);
        }
        let conf = self.conf(module, version, k, a);
        let messages = !echoes && has_messages(&conf);
        if !json && messages {
            self.ctx.out.partial(&prefix);
        }
        let prints_on_read = echoes || messages;
        let records = self.emit_and_records(conf);
        let built_dir = tree.built_module_dir(module, version, k, a);
        let mut missing = false;
        let mut differs = false;
        for record in &records {
            let Some(built) = Tree::find_module_file(&built_dir, &record.dest_name) else {
                missing = true;
                break;
            };
            if installed {
                // the distribution's location first, then DEST_MODULE_LOCATION itself (where
                // an older dkms or the admin put it): the first copy found is compared
                let location =
                    crate::commands::install::install_location(self.ctx, &record.dest_location);
                let kernel_dir = tree.kernel_modules_dir(k);
                let same = [location.as_str(), record.dest_location.as_str()]
                    .iter()
                    .find_map(|loc| {
                        let dir = kernel_dir.join(loc.trim_start_matches('/'));
                        Tree::find_module_file(&dir, &record.dest_name)
                    })
                    .is_some_and(|inst| same_contents(&built, &inst));
                if !same {
                    differs = true;
                    break;
                }
            }
        }
        if !json {
            let mut tail = if prints_on_read {
                String::new()
            } else {
                prefix
            };
            if original {
                tail.push_str(msg::SUFFIX_ORIGINAL_MODULES);
            }
            if missing {
                tail.push_str(msg::SUFFIX_BUILT_MISSING);
            } else if differs {
                tail.push_str(msg::SUFFIX_DIFFERS);
            }
            self.ctx.out.line(tail);
        }
        StatusEntry {
            module: module.to_string(),
            version: version.to_string(),
            kernel: Some(k.to_string()),
            arch: Some(a.to_string()),
            state,
            original_modules_exist: original,
            built_modules_missing: missing,
            differs_from_installed: differs,
            weak_from: None,
        }
    }

    /// Kernels whose `weak-updates/` links every module of this version to a kernel the
    /// version is installed for (RHEL/SUSE kABI compatibility), where it is not built itself.
    fn weak_lines(
        &self,
        module: &str,
        version: &str,
        kernel: Option<&str>,
        arch: Option<&str>,
    ) -> Vec<StatusEntry> {
        if self.weak_kernels.is_empty() {
            return Vec::new();
        }
        let tree = self.tree();
        let built = tree.built_kernels(module, version);
        let mut lines = Vec::new();
        for weak_kernel in &self.weak_kernels {
            if kernel.is_some_and(|k| !glob_match(k, weak_kernel)) {
                continue;
            }
            for ka in &built {
                if arch.is_some_and(|a| !glob_match(a, &ka.arch))
                    || tree.is_built(module, version, weak_kernel, &ka.arch)
                    || !tree.is_installed(module, version, &ka.kernel, &ka.arch)
                {
                    continue;
                }
                let conf = self.conf(module, version, weak_kernel, &ka.arch);
                let no_weak = matches!(&conf, ConfOutcome::Read { conf, .. }
                    if conf.scalar("NO_WEAK_MODULES").eq_ignore_ascii_case("yes"));
                let records = self.emit_and_records(conf);
                let all_linked = !no_weak
                    && !records.is_empty()
                    && records.iter().all(|r| {
                        let location =
                            crate::commands::install::install_location(self.ctx, &r.dest_location);
                        tree.weak_link_source_kernel(weak_kernel, &location, &r.dest_name)
                            .as_deref()
                            == Some(ka.kernel.as_str())
                    });
                if all_linked {
                    lines.push(StatusEntry {
                        module: module.to_string(),
                        version: version.to_string(),
                        kernel: Some(weak_kernel.clone()),
                        arch: Some(ka.arch.clone()),
                        state: "installed-weak",
                        original_modules_exist: false,
                        built_modules_missing: false,
                        differs_from_installed: false,
                        weak_from: Some(ka.kernel.clone()),
                    });
                    break;
                }
            }
        }
        lines
    }

    /// `<m>/<v>`'s dkms.conf as dkms reads it for this kernel/arch (from the run's cache).
    fn conf(&self, module: &str, version: &str, kernel: &str, arch: &str) -> ConfOutcome {
        let path = self
            .ctx
            .inv
            .conf_file
            .clone()
            .unwrap_or_else(|| self.tree().source_link(module, version).join("dkms.conf"));
        let read = || read_conf(self.ctx, &path, module, version, kernel, arch);
        if !self.ctx.inv.directives.is_empty() {
            // dkms echoes the `--directive`s on every read, also of a tuple just read
            return read();
        }
        let static_key = (path.clone(), module.to_string(), version.to_string());
        if let Some(outcome) = self.confs.borrow().get(&static_key) {
            return outcome.clone();
        }
        if self.is_static(&path, module) {
            let outcome = read();
            self.confs.borrow_mut().insert(static_key, outcome.clone());
            return outcome;
        }
        let key: ConfKey = [
            path.display().to_string(),
            module.to_string(),
            version.to_string(),
            kernel.to_string(),
            arch.to_string(),
        ];
        let mut last = self.last_dynamic.borrow_mut();
        if let Some((k, outcome)) = last.as_ref() {
            if *k == key {
                return outcome.clone();
            }
        }
        let outcome = read();
        *last = Some((key, outcome.clone()));
        outcome
    }

    /// A conf whose reading cannot depend on the kernel and has no effect but its values:
    /// only plain assignments, and no per-module override file in the config directory.
    fn is_static(&self, path: &Path, module: &str) -> bool {
        let Ok(text) = std::fs::read(path) else {
            // a missing file gives the same message every time
            return !path.exists();
        };
        if !only_plain_assignments(&text) {
            return false;
        }
        let prefixes = [format!("{module}."), format!("{module}-")];
        !self.confdir_files.iter().any(|name| {
            name.ends_with(".conf") && prefixes.iter().any(|p| name.starts_with(p.as_str()))
        })
    }

    /// Print what dkms prints when reading the conf (a missing file, validation messages)
    /// and return its module records.
    fn emit_and_records(&self, outcome: ConfOutcome) -> Vec<ModuleRecord> {
        match outcome {
            ConfOutcome::Missing(p) => {
                self.ctx.out.error(&msg::missing_conf(&p));
                Vec::new()
            }
            ConfOutcome::Read { conf, messages, .. } => {
                for m in &messages {
                    self.ctx.out.err_line(m);
                }
                conf.modules
            }
        }
    }
}

fn has_messages(outcome: &ConfOutcome) -> bool {
    match outcome {
        ConfOutcome::Missing(_) => true,
        ConfOutcome::Read { messages, .. } => !messages.is_empty(),
    }
}

type ConfKey = [String; 5];

/// Every line is blank, a comment, or `NAME=value` / `NAME[i]=value` whose value has nothing
/// bash would expand or run (`$`, backquote, `\\`, operators, a second word).
fn only_plain_assignments(text: &[u8]) -> bool {
    static PLAIN: std::sync::OnceLock<Option<regex::bytes::Regex>> = std::sync::OnceLock::new();
    let Some(re) = PLAIN
        .get_or_init(|| {
            regex::bytes::Regex::new(
                r#"^[ \t]*(?:#.*|[A-Za-z_][A-Za-z0-9_]*(?:\[[0-9]+\])?=(?:"[^"$`\\!]*"|'[^'$`\\!]*'|[^\s"'$`\\;&|<>()!*?\[\]{}~#]*)[ \t]*(?:#.*)?)?\r?$"#,
            )
            .ok()
        })
        .as_ref()
    else {
        return false;
    };
    text.split(|b| *b == b'\n').all(|line| re.is_match(line))
}

fn plain_entry(module: &str, version: &str, state: &'static str) -> StatusEntry {
    StatusEntry {
        module: module.to_string(),
        version: version.to_string(),
        kernel: None,
        arch: None,
        state,
        original_modules_exist: false,
        built_modules_missing: false,
        differs_from_installed: false,
        weak_from: None,
    }
}

/// `diff -q`-like: same size, then the same bytes; unreadable counts as different.
fn same_contents(a: &Path, b: &Path) -> bool {
    let (Ok(mut fa), Ok(mut fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let (Ok(ma), Ok(mb)) = (fa.metadata(), fb.metadata()) else {
        return false;
    };
    if ma.len() != mb.len() {
        return false;
    }
    let mut ba = [0u8; 64 * 1024];
    let mut bb = [0u8; 64 * 1024];
    loop {
        let Ok(na) = read_full(&mut fa, &mut ba) else {
            return false;
        };
        let Ok(nb) = read_full(&mut fb, &mut bb) else {
            return false;
        };
        if na != nb || ba[..na] != bb[..nb] {
            return false;
        }
        if na == 0 {
            return true;
        }
    }
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::only_plain_assignments;

    #[test]
    fn plain_assignment_files() {
        assert!(only_plain_assignments(
            b"# comment\nPACKAGE_NAME=\"hello\"\nPACKAGE_VERSION=1.0\n\nBUILT_MODULE_NAME[0]='hello'\r\nAUTOINSTALL=yes # trailing\n"
        ));
        for dynamic in [
            &b"MAKE=\"make -C $kernel_source_dir\"\n"[..],
            b"PACKAGE_VERSION=`cat VERSION`\n",
            b"X='$kernelver'\n",
            b"echo hi >&2\n",
            b"uname -r\n",
            b"A=b cmd\n",
            b"if true; then A=1; fi\n",
            b"A=$(uname -r)\n",
            b"A=\"x\\\"y\"\n",
        ] {
            assert!(
                !only_plain_assignments(dynamic),
                "{}",
                String::from_utf8_lossy(dynamic)
            );
        }
    }
}
