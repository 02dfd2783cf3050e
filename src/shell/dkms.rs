//! dkms's way of reading a conf file: the variables it sees, the unset list, the override
//! chain, the serialisation round trip and `DKMS_DIRECTIVE*`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::conf::{ConfRequest, Directives, DIRECTIVE_NAMES};
use crate::error::{Error, Result};

/// Interim: plain `NAME=value` / `NAME[i]=value` lines; the evaluator replaces this.
pub fn evaluate_conf(req: &ConfRequest) -> Result<Directives> {
    let mut d = Directives::new();
    for file in req.files() {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
        for line in text.lines() {
            let Some((k, v)) = line.trim().split_once('=') else {
                continue;
            };
            let (name, idx) = match k.split_once('[') {
                Some((n, rest)) => (n, rest.trim_end_matches(']').parse().unwrap_or(0)),
                None => (k, 0),
            };
            if DIRECTIVE_NAMES.contains(&name) {
                let v = v.trim_matches('"').trim_matches('\'').to_string();
                d.entry(name.to_string()).or_default().insert(idx, v);
            }
        }
    }
    Ok(d)
}

pub fn eval_framework_file(path: &Path, keys: &[&str]) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut found = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some((k, v)) = line.split_once('=') {
            if keys.contains(&k) {
                let v = v.trim_matches('"').trim_matches('\'');
                found.insert(k.to_string(), v.to_string());
            }
        }
    }
    Ok(found)
}
