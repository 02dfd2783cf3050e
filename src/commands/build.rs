//! `dkms build` (spec §6.3): from the added source to `<tree>/<m>/<v>/<k>/<a>/module/`, through
//! a fresh copy in `build/`, patches, scripts, make, strip, sign and compression, published
//! atomically by renaming a `.tmp_` directory.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::commands::Context;
use crate::compress::{self, Compression};
use crate::conf::{ConfRequest, ModuleConf};
use crate::error::{Error, Result};
use crate::kernel::{self, CompilerEnv, KernelConfig};
use crate::output::build as msg;
use crate::runner::{self, Cmd, Framing, MakeLog, Sink};
use crate::sign::{self, Signer};

/// Variables dkms unsets at startup so that they cannot leak into kbuild.
const UNSET_AT_START: &[&str] = &["CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS"];

pub fn run(ctx: &Context) -> Result<()> {
    let (module, version) = crate::cli::module_version(&ctx.inv, "add")?;
    let targets = crate::cli::targets(&ctx.inv)?;
    crate::settings::require_writable_tree(&ctx.settings)?;
    let _lock = crate::lock::acquire(&ctx.out, &ctx.tree.dkms_tree, &module, &version);
    crate::commands::each_kernel(ctx, &targets, |kernel, arch| {
        // the auto-add, too, is tried for every kernel
        crate::commands::add::ensure_added(ctx, &module, &version)?;
        // dkms prepares (headers, signing prologue) on every build it starts, even for a kernel
        // named twice
        let mut preps = PrepCache::default();
        build_if_needed(ctx, &module, &version, kernel, arch, &mut preps, true)
    })
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
    let kernel_arch_dir = ctx.tree.kernel_arch_dir(module, version, kernel, arch);
    if !built.is_dir() && std::fs::symlink_metadata(&kernel_arch_dir).is_ok() {
        return Err(Error::dkms(
            3,
            msg::build_dir_exists(kernel, &kernel_arch_dir),
        ));
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
    let (conf, config_path, config) = effective_conf(ctx, module, version, kernel, arch, true)?;
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
        return Err(Error::dkms(8, msg::no_module_source(&source)));
    }

    let key = (kernel.to_string(), arch.to_string());
    if !preps.done.contains_key(&key) {
        let vars = sign::BuildVars {
            kernel,
            arch,
            module,
            version,
        };
        let prep = prepare_kernel(ctx, &vars, config_path, config)?;
        preps.done.insert(key.clone(), prep);
    }
    let Some(prep) = preps.done.get(&key).cloned() else {
        return Ok(());
    };

    check_build_depends(ctx, &conf, module, version, kernel, arch)?;

    let build_dir = ctx.tree.build_dir(module, version);
    let _ = std::fs::remove_dir_all(&build_dir);
    crate::commands::add::copy_tree(&source, &build_dir)?;
    let overlay = ctx.settings.confdir.join(module).join("patches");
    if overlay.is_dir() {
        crate::commands::add::copy_tree(&overlay, &build_dir.join("patches"))?;
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
    let outcome = logged_step(ctx, "Building module(s)", &cmd, &mut log, dots)?;
    if !outcome.success() {
        if outcome.interrupted {
            return Err(Error::Exit(runner::interrupted_exit_code()));
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
    // a full or read-only dkms tree: the build is not stored, the previous one stays
    let stored_module_dir = ctx
        .tree
        .kernel_arch_dir(module, version, kernel, arch)
        .join("module");
    let storing = |e: std::io::Error| {
        Error::dkms(
            7,
            [crate::output::faults::storing_build_failed(
                &stored_module_dir,
                &e,
            )],
        )
    };
    std::fs::create_dir_all(&version_kernel_dir).map_err(storing)?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".tmp_{arch}_"))
        .rand_bytes(6)
        .tempdir_in(&version_kernel_dir)
        .map_err(storing)?;
    let staging_module = staging.path().join("module");
    let staging_log = staging.path().join("log");
    std::fs::create_dir_all(&staging_module).map_err(storing)?;
    std::fs::create_dir_all(&staging_log).map_err(storing)?;
    let symvers = build_dir.join("Module.symvers");
    if symvers.is_file() {
        std::fs::copy(&symvers, staging_module.join("Module.symvers")).map_err(storing)?;
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
        std::fs::copy(&finished, &dest).map_err(storing)?;
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
    if !ctx.inv.force {
        record_dependency_versions(ctx, &conf, &final_dir, kernel, arch);
    }
    Ok(())
}

/// BUILD_DEPENDS_REBUILD=yes: remember the installed version of each dependency in
/// `<k>/<a>/.dep_<dependency>`, so that installing another version of it rebuilds this module.
fn record_dependency_versions(
    ctx: &Context,
    conf: &ModuleConf,
    built_dir: &Path,
    kernel: &str,
    arch: &str,
) {
    if !conf
        .scalar("BUILD_DEPENDS_REBUILD")
        .eq_ignore_ascii_case("yes")
    {
        return;
    }
    for (_, dep) in conf.array("BUILD_DEPENDS") {
        if dep.is_empty() || dep.contains('/') {
            continue;
        }
        if let Some(v) = ctx.tree.installed_version(dep, kernel, arch) {
            let _ = std::fs::write(built_dir.join(format!(".dep_{dep}")), format!("{v}\n"));
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// Headers check (exit 21), config, compiler environment and the signing prologue.
fn prepare_kernel(
    ctx: &Context,
    vars: &sign::BuildVars,
    config_path: PathBuf,
    config: KernelConfig,
) -> Result<KernelPrep> {
    let kernel = vars.kernel;
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
    let signer = sign::prepare(
        &ctx.out,
        &ctx.settings,
        vars,
        &source_dir,
        &config_path,
        &config,
    );
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
        ". \"$1\" >/dev/null 2>&1; env -0".as_ref(),
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
        command = format!(
            "make {} KERNELRELEASE={kernel}{rest}",
            ctx.settings.make_jobs_arg()
        );
    }
    command
}

/// bash `[[ text =~ pattern ]]`: an unanchored extended regular expression (an invalid one
/// matches nothing).
pub fn ere_matches(pattern: &str, text: &str) -> bool {
    crate::shell::pattern::ere_search(pattern, text).unwrap_or(false)
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
        let outcome = logged_step(ctx, &format!("Applying patch {patch}"), &cmd, log, dots)?;
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

/// One step of a build (patch, script, make): `description...` with dkms's framing, the
/// command's output in make.log.
fn logged_step(
    ctx: &Context,
    description: &str,
    cmd: &Cmd,
    log: &mut MakeLog,
    dots: bool,
) -> Result<runner::Outcome> {
    Ok(runner::invoke(
        &ctx.out,
        description,
        cmd,
        Sink::Log(log),
        Framing::Step,
        dots,
    )?)
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
    if !is_executable(&path) {
        ctx.out.blank();
        ctx.out.warning(&[msg::script_not_executable(kind)]);
        return Ok(());
    }
    let mut line = format!("cd {}/ && {}", build_dir.display(), path.display());
    for a in &args {
        line.push(' ');
        line.push_str(a);
    }
    let cmd = Cmd::shell(line).envs(env);
    let outcome = logged_step(ctx, &format!("Running the {kind} script"), &cmd, log, dots)?;
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

/// The module's dkms.conf for a kernel/arch with the per-record BUILD_EXCLUSIVE decisions made,
/// plus the kernel config they were made with.
pub fn effective_conf(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
    strict: bool,
) -> Result<(ModuleConf, PathBuf, KernelConfig)> {
    let req = ConfRequest::for_module(ctx, module, version, kernel, arch);
    let mut conf = crate::conf::read_conf(&req, strict)?;
    if strict {
        crate::commands::add::name_deprecations(ctx, &conf, &req.path);
    }
    let config_path = req.kernel_config_path();
    let config = KernelConfig::read(&config_path);
    let exclusion = conf.exclusion(kernel, arch, Some(&config_path));
    for (i, record) in conf.modules.iter_mut().enumerate() {
        record.excluded |= exclusion.module_excluded(i);
    }
    Ok((conf, config_path, config))
}

/// The module's dkms.conf for a kernel/arch, read as dkms's `read_conf` (or, for build and
/// install, `read_conf_strict`) does.
pub fn read_conf(
    ctx: &Context,
    module: &str,
    version: &str,
    kernel: &str,
    arch: &str,
    strict: bool,
) -> Result<ModuleConf> {
    let req = ConfRequest::for_module(ctx, module, version, kernel, arch);
    crate::conf::read_conf(&req, strict)
}
