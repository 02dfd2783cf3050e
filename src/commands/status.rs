//! `dkms status` (spec §5.1): one pass per requested kernel (or one pass over all kernels),
//! every module version in bash glob order, a line per built/installed kernel/arch, `added`
//! when nothing matched, `broken` with an error block on stderr. Always exit 0.
//!
//! Speed matters (fleet scripts call status in loops): no process is started, each
//! (conf file, module, version) is read once per run, and the only file contents read are
//! the built and installed modules of installed lines, compared byte for byte.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::commands::add::{read_conf, ConfOutcome};
use crate::commands::Context;
use crate::conf::ModuleRecord;
use crate::error::Result;
use crate::output::tree::{self as msg, StatusEntry};
use crate::tree::{AddState, KernelArch, KernelState, Tree};

pub fn run(ctx: &Context) -> Result<()> {
    let status = Status::new(ctx);
    let json = ctx.inv.json;
    let mut entries = Vec::new();
    for (kernel, arch) in passes(ctx) {
        for (module, version) in status.candidates() {
            status.report(
                &module,
                &version,
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
    if inv.kernels.is_empty() {
        return vec![(None, inv.arches.first().cloned())];
    }
    inv.kernels
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let arch = if inv.arches.len() == 1 {
                inv.arches.first().cloned()
            } else {
                inv.arches.get(i).cloned()
            };
            (Some(k.clone()), arch)
        })
        .collect()
}

struct Status<'a> {
    ctx: &'a Context,
    /// dkms.conf reads keyed by (conf path, module, version). The interim reader's result does
    /// not depend on the kernel, so one read serves every line of a module version; the
    /// messages it printed are replayed on every line, as dkms re-reads and re-prints them.
    confs: RefCell<HashMap<(PathBuf, String, String), ConfOutcome>>,
    weak_kernels: Vec<String>,
}

impl<'a> Status<'a> {
    fn new(ctx: &'a Context) -> Self {
        Status {
            ctx,
            confs: RefCell::new(HashMap::new()),
            weak_kernels: ctx.tree.weak_update_kernels(),
        }
    }

    fn tree(&self) -> &Tree {
        &self.ctx.tree
    }

    /// The module versions to look at, in glob order, after the `-m`/`-v` filters.
    fn candidates(&self) -> Vec<(String, String)> {
        let inv = &self.ctx.inv;
        let pairs: Vec<(String, String)> = match &inv.module {
            Some(m) => self
                .tree()
                .versions_of(m)
                .into_iter()
                .map(|v| (m.clone(), v))
                .collect(),
            None => self.tree().module_versions(),
        };
        match &inv.version {
            Some(v) => pairs.into_iter().filter(|(_, pv)| pv == v).collect(),
            None => pairs,
        }
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
        for ka in self.tree().built_kernels(module, version) {
            if kernel.is_some_and(|k| k != ka.kernel) || arch.is_some_and(|a| a != ka.arch) {
                continue;
            }
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
        let installed = tree.kernel_state(module, version, k, a) == KernelState::Installed;
        let state = if installed { "installed" } else { "built" };
        let prefix = msg::status_kernel_prefix(module, version, k, a, state);
        let original = tree.has_original_modules(module, k, a);
        let conf = self.conf(module, version, k, a);
        // dkms prints the state before reading dkms.conf; when the read prints something,
        // keep that order on a shared terminal, else write the line in one go.
        let prints_on_read = has_messages(&conf);
        if !json && prints_on_read {
            self.ctx.out.partial(&prefix);
        }
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
                let location =
                    Tree::install_location(&self.ctx.settings.distro, &record.dest_location);
                let dir = tree
                    .kernel_modules_dir(k)
                    .join(location.trim_start_matches('/'));
                let same = Tree::find_module_file(&dir, &record.dest_name)
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
            if kernel.is_some_and(|k| k != weak_kernel) {
                continue;
            }
            for ka in &built {
                if arch.is_some_and(|a| a != ka.arch)
                    || tree.is_built(module, version, weak_kernel, &ka.arch)
                    || !tree.is_installed(module, version, &ka.kernel, &ka.arch)
                {
                    continue;
                }
                let conf = self.conf(module, version, weak_kernel, &ka.arch);
                let records = self.emit_and_records(conf);
                let all_linked = !records.is_empty()
                    && records.iter().all(|r| {
                        tree.weak_link_source_kernel(weak_kernel, &r.dest_name)
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
        let key = (path.clone(), module.to_string(), version.to_string());
        let mut cache = self.confs.borrow_mut();
        cache
            .entry(key)
            .or_insert_with(|| read_conf(self.ctx, &path, module, version, kernel, arch))
            .clone()
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
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    if ma.len() != mb.len() {
        return false;
    }
    let (Ok(mut fa), Ok(mut fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
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
