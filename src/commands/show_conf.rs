//! `dkms show_conf [-m M -v V | PATH] [-k K] [-a A] [--json]`: the directives of a dkms.conf as
//! dkms would use them for that module, kernel and arch (our extension).

use std::path::PathBuf;

use crate::commands::Context;
use crate::conf::{self, ConfRequest};
use crate::error::{Error, Result};
use crate::output::conf as text;

pub fn run(ctx: &Context) -> Result<()> {
    let inv = &ctx.inv;
    let kernel = inv.kernels.first().cloned().unwrap_or_else(running_kernel);
    let arch = inv
        .arches
        .first()
        .cloned()
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let explicit = explicit_path(ctx);
    let req = match (&explicit, &inv.module, &inv.version) {
        (Some(path), _, _) => {
            let mut req = ConfRequest::for_module(ctx, "", "", &kernel, &arch);
            req.path = path.clone();
            // The module and version come from the file itself, as `dkms add <dir>` does.
            let first = conf::evaluate(&req)?;
            let get = |n: &str| {
                first
                    .get(n)
                    .and_then(|a| a.get(&0))
                    .cloned()
                    .unwrap_or_default()
            };
            let mut req = ConfRequest::for_module(
                ctx,
                &get("PACKAGE_NAME"),
                &get("PACKAGE_VERSION"),
                &kernel,
                &arch,
            );
            req.path = path.clone();
            req
        }
        (None, Some(m), Some(v)) => ConfRequest::for_module(ctx, m, v, &kernel, &arch),
        _ => {
            return Err(Error::dkms(
                1,
                [
                    "Arguments <module> and <module-version> are not specified.",
                    "Usage: show_conf <module>/<module-version> or",
                    "       show_conf -m <module>/<module-version> or",
                    "       show_conf -m <module> -v <module-version>",
                ],
            ))
        }
    };
    if !req.path.is_file() {
        return Err(Error::dkms(
            4,
            [
                "Could not locate dkms.conf file.".to_string(),
                format!("File: {} does not exist.", req.path.display()),
            ],
        ));
    }
    let directives = conf::evaluate(&req)?;
    // Why (or whether) this kernel/arch is excluded: what a packager wants to see.
    let mc = conf::ModuleConf::from_directives(&req.path, directives.clone());
    let config = req.kernel_config_path();
    let ex = mc.exclusion(&kernel, &arch, Some(&config));
    let whole: Vec<&str> = ex.whole.iter().map(|r| r.directive()).collect();
    let modules: Vec<(String, Vec<&str>)> = mc
        .modules
        .iter()
        .zip(&ex.modules)
        .map(|(m, r)| {
            (
                m.built_name.clone(),
                r.iter().map(|x| x.directive()).collect(),
            )
        })
        .collect();
    if inv.json {
        let json = text::show_conf_json(&directives);
        let extra = text::exclusion_json(ex.all_excluded(), &whole, &modules);
        // `{"directives": {...}}` + `, "build_exclusive": {...}}`
        let body = json.strip_suffix('}').unwrap_or(&json);
        ctx.out
            .line(format!("{body}, \"build_exclusive\": {extra}}}"));
    } else {
        for line in text::show_conf_text(&directives) {
            ctx.out.line(line);
        }
        for line in text::exclusion_lines(&kernel, &arch, &mc.package_name, &whole, &modules) {
            ctx.out.line(line);
        }
    }
    Ok(())
}

/// A PATH argument: a dkms.conf file, or a directory holding one.
fn explicit_path(ctx: &Context) -> Option<PathBuf> {
    let inv = &ctx.inv;
    if let Some(c) = &inv.conf_file {
        return Some(c.clone());
    }
    if let Some(d) = &inv.source_dir {
        return Some(d.join("dkms.conf"));
    }
    if let Some(a) = &inv.archive {
        return Some(a.clone());
    }
    // A path word the parser took for `module[/version]`.
    let joined = match (&inv.module, &inv.version) {
        (Some(m), Some(v)) => Some(format!("{m}/{v}")),
        (Some(m), None) => Some(m.clone()),
        _ => None,
    }
    .filter(|w| std::path::Path::new(w).exists());
    let word = inv.extra_words.first().cloned().or(joined)?;
    let p = PathBuf::from(&word);
    if p.is_dir() && p.join("dkms.conf").is_file() {
        Some(p.join("dkms.conf"))
    } else if p.is_file() {
        Some(p)
    } else {
        None
    }
}

fn running_kernel() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}
