//! `dkms build` (spec §6.3): from the added source to `<tree>/<m>/<v>/<k>/<a>/module/`, through
//! a fresh copy in `build/`, patches, scripts, make, strip, sign and compression, published
//! atomically by renaming a `.tmp_` directory.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::commands::Context;
use crate::compress::{self, Compression};
use crate::conf::{ModuleConf, ModuleRecord};
use crate::error::{Error, IoContext, Result};
use crate::kernel::{self, CompilerEnv, KernelConfig};
use crate::output::build as msg;
use crate::runner::{self, Cmd, Framing, MakeLog, Sink};
use crate::sign::{self, Signer};

/// Variables dkms unsets at startup so that they cannot leak into kbuild.
const UNSET_AT_START: &[&str] = &["CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS"];

pub fn run(ctx: &Context) -> Result<()> {
    let (module, version) = module_and_version(ctx)?;
    let targets = targets(ctx)?;
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
    ensure_added(ctx, &module, &version)?;
    let mut preps = PrepCache::default();
    for (kernel, arch) in &targets {
        build_if_needed(ctx, &module, &version, kernel, arch, &mut preps, true)?;
    }
    Ok(())
}

/// Kernel preparation (headers, config, signing prologue) happens once per kernel/arch per run.
#[derive(Default)]
pub struct PrepCache {
    done: BTreeMap<(String, String), KernelPrep>,
}

#[derive(Clone)]
pub struct KernelPrep {
    pub source_dir: PathBuf,
    pub config_path: PathBuf,
    pub config: KernelConfig,
    pub signer: Option<Signer>,
    pub compiler: CompilerEnv,
}

/// Build unless already built (`--force` unbuilds first). `announce_skip` prints dkms's "already
/// built" line (build does, install's implicit build does not reach it).
pub fn build_if_needed(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
    preps: &mut PrepCache,
    announce_skip: bool,
) -> Result<()> {
    let built = ctx.tree.built_module_dir(module, version, kernel, arch);
    // `--force` rebuilds in place: the new build replaces the old one when it is published, and
    // an installed copy stays installed (as in dkms).
    if built.is_dir() && !ctx.inv.force {
        if announce_skip {
            ctx.out
                .line(msg::already_built(module, version, kernel, arch));
        }
        return Ok(());
    }
    build_kernel(ctx, module, version, kernel, arch, preps)
}

/// Delete `<v>/<k>/<a>` and `<v>/<k>` when it is left empty.
pub fn remove_built(ctx: &Context, module: &str, version: &str, kernel: &str, arch: &str) {
    let dir = ctx.tree.kernel_arch_dir(module, version, kernel, arch);
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(kdir) = dir.parent() {
        let _ = std::fs::remove_dir(kdir);
    }
}

/// One build for one kernel/arch (spec §6.3 steps 2–12).
pub fn build_kernel(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
    preps: &mut PrepCache,
) -> Result<()> {
    let install_kernel_dir = ctx.tree.kernel_modules_dir(kernel);
    let compression = compress::detect(&install_kernel_dir);
    let (conf, config_path, config) = effective_conf(ctx, module, version, kernel, arch)?;
    let records = conf.modules.clone();
    if !conf.modules.is_empty() && records.iter().all(|r| r.excluded) {
        ctx.out.warning(&msg::build_exclusive(
            &ctx.tree
                .kernel_arch_dir(module, version, kernel, arch)
                .join("dkms.conf"),
            module,
            version,
        ));
        return Err(Error::Exit(77));
    }

    let source = ctx.tree.source_link(module, version);
    let entries = std::fs::read_dir(&source).map(|d| d.count()).unwrap_or(0);
    if entries < 2 {
        return Err(Error::dkms(
            8,
            [
                format!(
                    "The directory {} does not appear to have module source located",
                    source.display()
                ),
                "within it.  Build halted.".to_string(),
            ],
        ));
    }

    let key = (kernel.to_string(), arch.to_string());
    if !preps.done.contains_key(&key) {
        let prep = prepare_kernel(ctx, kernel, config_path, config)?;
        preps.done.insert(key.clone(), prep);
    }
    let Some(prep) = preps.done.get(&key).cloned() else {
        return Ok(());
    };

    check_build_depends(ctx, &conf, module, version, kernel, arch)?;

    let build_dir = ctx.tree.build_dir(module, version);
    let _ = std::fs::remove_dir_all(&build_dir);
    copy_tree(&source, &build_dir)?;
    let overlay = ctx.settings.confdir.join(module).join("patches");
    if overlay.is_dir() {
        copy_tree(&overlay, &build_dir.join("patches"))?;
    }

    let log_path = build_dir.join("make.log");
    let mut log = MakeLog::create(&log_path, module, version, kernel, arch)?;
    let dots = runner::wants_dots(module);
    let env = build_env(ctx, &prep)?;

    apply_patches(ctx, &conf, kernel, &build_dir, &mut log, dots)?;
    run_build_script(
        ctx,
        &conf,
        "PRE_BUILD",
        "pre_build",
        &build_dir,
        &mut log,
        &env,
        dots,
    )?;

    let make = make_command(ctx, &conf, kernel, &prep, &build_dir);
    let cmd = Cmd::shell(make).cwd(&build_dir).envs(&env);
    let mut cmd = cmd;
    cmd.env_remove = UNSET_AT_START.iter().map(OsString::from).collect();
    let outcome = runner::invoke(
        &ctx.out,
        "Building module(s)",
        &cmd,
        Sink::Log(&mut log),
        Framing::Step,
        dots,
    )?;
    if !outcome.success() {
        if outcome.interrupted {
            return Err(Error::Exit(130));
        }
        return Err(Error::dkms(
            10,
            msg::bad_build_status(kernel, arch, &log_path),
        ));
    }

    for r in records.iter().filter(|r| !r.excluded) {
        let ko = build_dir.join(format!("{}{}.ko", r.built_location, r.built_name));
        if !ko.is_file() {
            return Err(Error::dkms(
                7,
                msg::missing_ko(
                    &format!("{}{}", r.built_location, r.built_name),
                    kernel,
                    arch,
                    &log_path,
                ),
            ));
        }
    }

    let version_kernel_dir = ctx.tree.version_dir(module, version).join(kernel);
    std::fs::create_dir_all(&version_kernel_dir).at(&version_kernel_dir)?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".tmp_{arch}_"))
        .rand_bytes(6)
        .tempdir_in(&version_kernel_dir)
        .at(&version_kernel_dir)?;
    let staging_module = staging.path().join("module");
    let staging_log = staging.path().join("log");
    std::fs::create_dir_all(&staging_module).at(&staging_module)?;
    std::fs::create_dir_all(&staging_log).at(&staging_log)?;
    let symvers = build_dir.join("Module.symvers");
    if symvers.is_file() {
        std::fs::copy(&symvers, staging_module.join("Module.symvers")).at(&symvers)?;
    }
    for r in records.iter().filter(|r| !r.excluded) {
        let ko = build_dir.join(format!("{}{}.ko", r.built_location, r.built_name));
        if r.strip {
            let strip = if prep.compiler.clang {
                "llvm-strip"
            } else {
                "strip"
            };
            let _ = runner::quiet(
                &ctx.out,
                &Cmd::exec([strip.as_ref(), "-g".as_ref(), ko.as_os_str()] as [&std::ffi::OsStr; 3]),
            );
        }
        if let Some(signer) = &prep.signer {
            signer.sign(&ctx.out, &ko);
        }
        let finished = match compression {
            Some(c) => compress::compress(&ctx.out, &ctx.settings, c, &ko),
            None => ko.clone(),
        };
        let dest = staging_module.join(format!(
            "{}.ko{}",
            r.dest_name,
            if finished == ko {
                ""
            } else {
                compress::suffix(compression)
            }
        ));
        std::fs::copy(&finished, &dest).at(&dest)?;
    }
    for r in records.iter().filter(|r| !r.excluded) {
        let found = staging_module.join(format!("{}.ko", r.dest_name)).is_file()
            || compression
                .map(|c: Compression| {
                    staging_module
                        .join(format!("{}.ko{}", r.dest_name, c.suffix()))
                        .is_file()
                })
                .unwrap_or(false);
        if !found {
            return Err(Error::dkms(
                7,
                [format!(
                    "Build tree {} is incomplete.",
                    staging.path().display()
                )],
            ));
        }
    }
    set_mode(staging.path(), 0o755);
    let final_dir = ctx.tree.kernel_arch_dir(module, version, kernel, arch);
    if final_dir.exists() {
        let _ = std::fs::remove_dir_all(&final_dir);
    }
    let staging_path = staging.keep();
    if let Err(e) = std::fs::rename(&staging_path, &final_dir) {
        let _ = std::fs::remove_dir_all(&staging_path);
        return Err(Error::dkms(
            7,
            [format!(
                "Failed to move {} to {}: {e}",
                staging_path.display(),
                final_dir.display()
            )],
        ));
    }

    run_build_script(
        ctx,
        &conf,
        "POST_BUILD",
        "post_build",
        &build_dir,
        &mut log,
        &env,
        dots,
    )?;
    let final_log = final_dir.join("log").join("make.log");
    if std::fs::rename(&log_path, &final_log).is_err() {
        let _ = std::fs::copy(&log_path, &final_log);
    }
    log.set_path(final_log);
    let _ = std::fs::remove_dir_all(&build_dir);
    Ok(())
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// Headers check (exit 21), config, compiler environment and the signing prologue.
fn prepare_kernel(
    ctx: &Context,
    kernel: &str,
    config_path: PathBuf,
    config: KernelConfig,
) -> Result<KernelPrep> {
    let source_dir = kernel::find_source_dir(
        &ctx.tree.install_tree,
        kernel,
        ctx.inv.kernel_source_dir.as_deref(),
    )
    .map_err(|_| {
        let kdir = ctx.tree.kernel_modules_dir(kernel);
        Error::dkms(
            21,
            msg::headers_missing(kernel, &kdir.join("build"), &kdir.join("source")),
        )
    })?;
    let signer = sign::prepare(&ctx.out, &ctx.settings, kernel, &config_path, &config);
    let compiler = kernel::compiler_env(&source_dir, &config);
    Ok(KernelPrep {
        source_dir,
        config_path,
        config,
        signer,
        compiler,
    })
}

/// The environment of make and the build scripts: compiler variables, then `build_environment`.
fn build_env(ctx: &Context, prep: &KernelPrep) -> Result<Vec<(OsString, OsString)>> {
    let mut env = prep.compiler.vars.clone();
    let file = ctx
        .settings
        .build_environment
        .clone()
        .or_else(|| std::env::var("build_environment").ok())
        .filter(|f| !f.is_empty());
    if let Some(file) = file {
        env.extend(import_environment(ctx, Path::new(&file)));
    }
    Ok(env)
}

/// The variables a `build_environment` file exports, found by sourcing it in bash and comparing
/// the environment before and after.
fn import_environment(ctx: &Context, file: &Path) -> Vec<(OsString, OsString)> {
    if !file.is_file() {
        return Vec::new();
    }
    let cmd = Cmd::exec([
        "bash".as_ref(),
        "-c".as_ref(),
        "set -a; . \"$1\" >/dev/null 2>&1; env -0".as_ref(),
        "dkms".as_ref(),
        file.as_os_str(),
    ] as [&std::ffi::OsStr; 5]);
    let Ok(o) = runner::quiet(&ctx.out, &cmd) else {
        return Vec::new();
    };
    let before: BTreeMap<OsString, OsString> = std::env::vars_os().collect();
    o.output
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let text = String::from_utf8_lossy(entry);
            let (k, v) = text.split_once('=')?;
            if matches!(k, "_" | "SHLVL" | "PWD" | "OLDPWD") {
                return None;
            }
            let (k, v) = (OsString::from(k), OsString::from(v));
            (before.get(&k) != Some(&v)).then_some((k, v))
        })
        .collect()
}

/// MAKE/MAKE_MATCH selection, the default command, `LLVM=1`, and the `make` prefix rewrite.
pub fn make_command(
    ctx: &Context,
    conf: &ModuleConf,
    kernel: &str,
    prep: &KernelPrep,
    build_dir: &Path,
) -> String {
    let makes = conf.array("MAKE");
    let matches = conf.array("MAKE_MATCH");
    let mut chosen: Option<String> = None;
    let match_of = |i: usize| {
        matches
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, m)| *m)
            .unwrap_or("")
    };
    if let Some((_, m0)) = makes.iter().find(|(i, _)| *i == 0) {
        if match_of(0).is_empty() {
            chosen = Some(m0.to_string());
        }
    }
    for (i, m) in &makes {
        let pattern = match_of(*i);
        if !pattern.is_empty() && ere_matches(pattern, kernel) {
            chosen = Some(m.to_string());
        }
    }
    let mut command = chosen.unwrap_or_else(|| {
        format!(
            "make -C {} M={}",
            prep.source_dir.display(),
            build_dir.display()
        )
    });
    if prep.compiler.llvm {
        command.push_str(" LLVM=1");
    }
    if let Some(rest) = command.strip_prefix("make") {
        let jobs = parallel_jobs(ctx);
        let j = if jobs == 0 {
            "-j".to_string()
        } else {
            format!("-j{jobs}")
        };
        command = format!("make {j} KERNELRELEASE={kernel}{rest}");
    }
    command
}

fn parallel_jobs(ctx: &Context) -> u32 {
    ctx.inv
        .jobs
        .as_deref()
        .and_then(|j| j.parse().ok())
        .or_else(|| {
            std::env::var("parallel_jobs")
                .ok()
                .and_then(|j| j.parse().ok())
        })
        .unwrap_or(ctx.settings.parallel_jobs)
}

/// bash `[[ text =~ pattern ]]`: an unanchored extended regular expression.
pub fn ere_matches(pattern: &str, text: &str) -> bool {
    regex::Regex::new(pattern)
        .map(|re| re.is_match(text))
        .unwrap_or(false)
}

fn apply_patches(
    ctx: &Context,
    conf: &ModuleConf,
    kernel: &str,
    build_dir: &Path,
    log: &mut MakeLog,
    dots: bool,
) -> Result<()> {
    let matches = conf.array("PATCH_MATCH");
    for (i, patch) in conf.array("PATCH") {
        let pattern = matches
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, m)| *m)
            .unwrap_or("");
        if !pattern.is_empty() && !ere_matches(pattern, kernel) {
            continue;
        }
        if patch.contains("..") {
            return Err(Error::dkms(
                5,
                [format!(
                    "Patch {patch} as specified in dkms.conf contains '..' path component."
                )],
            ));
        }
        let file = build_dir.join("patches").join(patch);
        if !file.is_file() {
            return Err(Error::dkms(
                5,
                [
                    format!("Patch {patch} as specified in dkms.conf cannot be"),
                    format!("found in {}/patches/.", build_dir.display()),
                ],
            ));
        }
        let cmd = Cmd::exec(["patch", "-p1"])
            .stdin(&file)
            .cwd(build_dir)
            .display(format!("patch -p1 < ./patches/{patch}"));
        let outcome = runner::invoke(
            &ctx.out,
            &format!("Applying patch {patch}"),
            &cmd,
            Sink::Log(log),
            Framing::Step,
            dots,
        )?;
        if !outcome.success() {
            return Err(Error::dkms(
                6,
                [
                    format!("Application of patch {patch} failed."),
                    msg::consult_log(&log.path),
                ],
            ));
        }
    }
    Ok(())
}

/// PRE_BUILD / POST_BUILD: run from the build directory, logged; a failure ends dkms with the
/// script's own exit status.
#[allow(clippy::too_many_arguments)]
fn run_build_script(
    ctx: &Context,
    conf: &ModuleConf,
    directive: &str,
    kind: &str,
    build_dir: &Path,
    log: &mut MakeLog,
    env: &[(OsString, OsString)],
    dots: bool,
) -> Result<()> {
    let value = conf.scalar(directive);
    if value.is_empty() {
        return Ok(());
    }
    let mut words = value.split_whitespace();
    let Some(script) = words.next() else {
        return Ok(());
    };
    let args: Vec<&str> = words.collect();
    let path = script_path(ctx, conf, script, build_dir);
    if !path.exists() {
        return Ok(());
    }
    if !is_executable(&path) {
        ctx.out.warning(&[msg::script_not_executable(kind)]);
        return Ok(());
    }
    let mut line = format!("cd {}/ && {}", build_dir.display(), path.display());
    for a in &args {
        line.push(' ');
        line.push_str(a);
    }
    let cmd = Cmd::shell(line).envs(env);
    let outcome = runner::invoke(
        &ctx.out,
        &format!("Running the {kind} script"),
        &cmd,
        Sink::Log(log),
        Framing::Step,
        dots,
    )?;
    if !outcome.success() {
        ctx.out.line(msg::consult_log(&log.path));
        return Err(Error::Exit(outcome.code));
    }
    Ok(())
}

/// A module script: an executable `/etc/dkms/<m>/<script>` overrides the package's own.
pub fn script_path(ctx: &Context, conf: &ModuleConf, script: &str, dir: &Path) -> PathBuf {
    let name = Path::new(script)
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_default();
    let overlay = ctx.settings.confdir.join(&conf.package_name).join(&name);
    if is_executable(&overlay) {
        return overlay;
    }
    dir.join(script)
}

pub fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// BUILD_DEPENDS: every dependency must be installed for this kernel/arch (exit 13 unless
/// `--force`).
fn check_build_depends(
    ctx: &Context,
    conf: &ModuleConf,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> Result<()> {
    let missing: Vec<&str> = conf
        .array("BUILD_DEPENDS")
        .into_iter()
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
        .filter(|d| {
            let link = ctx.tree.installed_link(d, kernel, arch);
            !link.join("module").is_dir()
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let deps = missing.join(" ");
    if ctx.inv.force {
        ctx.out.warning(&[msg::forced_build_depends(
            module, version, kernel, arch, &deps,
        )]);
        return Ok(());
    }
    Err(Error::dkms(
        13,
        msg::missing_build_depends(module, version, kernel, arch, &deps),
    ))
}

/// Copy a directory tree keeping modes and symlinks (dkms uses `cp -a`).
pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).at(to)?;
    let from_meta = std::fs::metadata(from).at(from)?;
    for entry in std::fs::read_dir(from).at(from)? {
        let entry = entry.at(from)?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let ft = entry.file_type().at(&src)?;
        if ft.is_symlink() {
            let target = std::fs::read_link(&src).at(&src)?;
            let _ = std::fs::remove_file(&dst);
            std::os::unix::fs::symlink(&target, &dst).at(&dst)?;
        } else if ft.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).at(&src)?;
        }
    }
    let _ = std::fs::set_permissions(
        to,
        std::fs::Permissions::from_mode(from_meta.permissions().mode()),
    );
    Ok(())
}

/// The module's dkms.conf for a kernel/arch with the per-record BUILD_EXCLUSIVE decisions made,
/// plus the kernel config they were made with.
pub fn effective_conf(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> Result<(ModuleConf, PathBuf, KernelConfig)> {
    let mut conf = read_conf(ctx, module, version, kernel, arch)?;
    let prospective_source = ctx
        .inv
        .kernel_source_dir
        .clone()
        .unwrap_or_else(|| ctx.tree.kernel_modules_dir(kernel).join("build"));
    let config_path = kernel::config_file(&prospective_source, ctx.inv.kernel_config.as_deref());
    let config = KernelConfig::read(&config_path);
    conf.modules = apply_build_exclusive(&conf, kernel, arch, &config);
    Ok((conf, config_path, config))
}

/// Per-record BUILD_EXCLUSIVE decisions (index i, else index 0, else no restriction).
pub fn apply_build_exclusive(
    conf: &ModuleConf,
    kernel: &str,
    arch: &str,
    config: &KernelConfig,
) -> Vec<ModuleRecord> {
    let at = |name: &str, i: usize| -> String {
        let arr = conf.array(name);
        arr.iter()
            .find(|(j, _)| *j == i)
            .or_else(|| arr.iter().find(|(j, _)| *j == 0))
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    conf.modules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            let k = at("BUILD_EXCLUSIVE_KERNEL", i);
            let kmin = at("BUILD_EXCLUSIVE_KERNEL_MIN", i);
            let kmax = at("BUILD_EXCLUSIVE_KERNEL_MAX", i);
            let a = at("BUILD_EXCLUSIVE_ARCH", i);
            let c = at("BUILD_EXCLUSIVE_CONFIG", i);
            let mut excluded = r.excluded;
            excluded |= !k.is_empty() && !ere_matches(&k, kernel);
            excluded |= !kmin.is_empty()
                && kernel::compare_versions(kernel, &kmin) == std::cmp::Ordering::Less;
            excluded |= !kmax.is_empty()
                && kernel::compare_versions(kernel, &kmax) == std::cmp::Ordering::Greater;
            excluded |= !a.is_empty() && !ere_matches(&a, arch);
            if !c.is_empty() && config.found {
                for item in c.split_whitespace() {
                    let ok = match item.strip_prefix('!') {
                        Some(name) => !config.enabled(name),
                        None => config.enabled(item),
                    };
                    excluded |= !ok;
                }
            }
            r.excluded = excluded;
            r
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Interim helpers, to be replaced by the shared ones when they land on main:
// `cli::targets`, the `add` action's auto-add, `conf::read_conf`.
// ---------------------------------------------------------------------------------------------

/// INTERIM (until the CLI work lands): module and version from the command line.
pub fn module_and_version(ctx: &Context) -> Result<(String, String)> {
    match (&ctx.inv.module, &ctx.inv.version) {
        (Some(m), Some(v)) if !m.is_empty() && !v.is_empty() => Ok((m.clone(), v.clone())),
        _ => Err(Error::dkms(
            1,
            [
                "Arguments <module> and <module-version> are not specified.",
                "Usage: add <module>/<module-version> or",
                "       add -m <module>/<module-version> or",
                "       add -m <module> -v <module-version>",
            ],
        )),
    }
}

/// INTERIM (until `cli::targets`): kernels from `-k` (default: the running kernel), arches from
/// `-a` (default: the machine's), one arch replicated over several kernels.
pub fn targets(ctx: &Context) -> Result<Vec<(String, String)>> {
    let kernels = if ctx.inv.kernels.is_empty() {
        vec![kernel::running_kernel()]
    } else {
        ctx.inv.kernels.clone()
    };
    let arches = &ctx.inv.arches;
    if arches.len() > 1 && arches.len() != kernels.len() {
        return Err(Error::dkms(
            1,
            [
                "If more than one arch is specified on the command line, then there",
                "must be an equal number of kernel versions also specified (1:1 relationship).",
            ],
        ));
    }
    Ok(kernels
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let a = match arches.len() {
                0 => kernel::machine_arch(),
                1 => arches[0].clone(),
                _ => arches[i].clone(),
            };
            (k.clone(), a)
        })
        .collect())
}

/// INTERIM (until `add` lands): auto-add a module whose source is in the source tree, with
/// add's message and the blank line that separates it from what follows.
pub fn ensure_added(ctx: &Context, module: &str, version: &str) -> Result<()> {
    let link = ctx.tree.source_link(module, version);
    if std::fs::symlink_metadata(&link).is_ok() {
        return Ok(());
    }
    let src = ctx.tree.source_dir(module, version);
    if !src.is_dir() {
        return Err(Error::dkms(
            2,
            [
                "Could not find module source directory.".to_string(),
                format!("Directory: {} does not exist.", src.display()),
            ],
        ));
    }
    ctx.out.line(format!(
        "Creating symlink {} -> {}",
        link.display(),
        src.display()
    ));
    let vdir = ctx.tree.version_dir(module, version);
    std::fs::create_dir_all(&vdir).at(&vdir)?;
    std::os::unix::fs::symlink(&src, &link).at(&link)?;
    let build = ctx.tree.build_dir(module, version);
    std::fs::create_dir_all(&build).at(&build)?;
    ctx.out.blank();
    Ok(())
}

/// INTERIM (until `conf::read_conf`): read `source/dkms.conf` (or `-c`) for a kernel/arch.
/// Understands `NAME=value`, `NAME[i]=value` with double or single quotes and `$kernelver`,
/// `$arch`, `$kernel_source_dir`.
pub fn read_conf(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
) -> Result<ModuleConf> {
    let path = ctx
        .inv
        .conf_file
        .clone()
        .unwrap_or_else(|| ctx.tree.source_link(module, version).join("dkms.conf"));
    let text = std::fs::read_to_string(&path).map_err(|_| {
        Error::dkms(
            4,
            [
                "Could not locate dkms.conf file.".to_string(),
                format!("File: {} does not exist.", path.display()),
            ],
        )
    })?;
    let ksrc = ctx
        .inv
        .kernel_source_dir
        .clone()
        .unwrap_or_else(|| ctx.tree.kernel_modules_dir(kernel).join("build"));
    let mut conf = ModuleConf {
        path: path.clone(),
        ..Default::default()
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let Some((lhs, rhs)) = line.split_once('=') else {
            continue;
        };
        let (name, index) = match lhs.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().unwrap_or(0)),
            None => (lhs, 0),
        };
        if !crate::conf::DIRECTIVE_NAMES.contains(&name) && !name.starts_with("BUILD_EXCLUSIVE_") {
            continue;
        }
        let value = rhs
            .trim()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| {
                rhs.trim()
                    .strip_prefix('\'')
                    .and_then(|v| v.strip_suffix('\''))
            })
            .unwrap_or(rhs.trim());
        let value = value
            .replace("${kernelver}", kernel)
            .replace("$kernelver", kernel)
            .replace("${arch}", arch)
            .replace("$arch", arch)
            .replace("${kernel_source_dir}", &ksrc.display().to_string())
            .replace("$kernel_source_dir", &ksrc.display().to_string());
        conf.directives
            .entry(name.to_string())
            .or_default()
            .insert(index, value);
    }
    conf.package_name = conf.scalar("PACKAGE_NAME").to_string();
    conf.package_version = conf.scalar("PACKAGE_VERSION").to_string();
    if conf.package_name.is_empty() || conf.package_version.is_empty() {
        let which = if conf.package_name.is_empty() {
            "PACKAGE_NAME"
        } else {
            "PACKAGE_VERSION"
        };
        ctx.out.err_line(format!(
            "dkms.conf: Error! No '{which}' directive specified."
        ));
        return Err(Error::dkms(
            8,
            [
                "Bad conf file.".to_string(),
                format!(
                    "File: {} does not represent a valid dkms.conf file.",
                    path.display()
                ),
            ],
        ));
    }
    let count = [
        "BUILT_MODULE_NAME",
        "BUILT_MODULE_LOCATION",
        "DEST_MODULE_NAME",
        "DEST_MODULE_LOCATION",
    ]
    .iter()
    .filter_map(|n| conf.array(n).last().map(|(i, _)| i + 1))
    .max()
    .unwrap_or(0);
    let get = |name: &str, i: usize| -> String {
        conf.array(name)
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    let strip0 = get("STRIP", 0);
    let mut modules = Vec::new();
    for i in 0..count {
        let mut built_name = get("BUILT_MODULE_NAME", i);
        if built_name.is_empty() && count == 1 {
            built_name = conf.package_name.clone();
        }
        let mut built_location = get("BUILT_MODULE_LOCATION", i);
        if !built_location.is_empty() && !built_location.ends_with('/') {
            built_location.push('/');
        }
        let mut dest_name = get("DEST_MODULE_NAME", i);
        if dest_name.is_empty() {
            dest_name = built_name.clone();
        }
        let mut strip = get("STRIP", i);
        if strip.is_empty() {
            strip = strip0.clone();
        }
        modules.push(ModuleRecord {
            built_name,
            built_location,
            dest_name,
            dest_location: get("DEST_MODULE_LOCATION", i),
            strip: !strip.starts_with(['n', 'N']),
            excluded: false,
        });
    }
    conf.modules = modules;
    Ok(conf)
}
