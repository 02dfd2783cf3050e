//! Time the dkms.conf evaluation (context, source, round trip, post-processing) of every file
//! of a corpus, in-process. Usage: `bench_conf CORPUS_DIR [ITERATIONS]`; see
//! `scripts/bench-conf.sh`. Prints the median and the worst per-file time, for the files that
//! run no external command and for all files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dkms::conf::{self, ConfRequest};

struct Sample {
    id: String,
    runs_commands: bool,
    time: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(corpus) = args.get(1).map(PathBuf::from) else {
        eprintln!("usage: bench_conf CORPUS_DIR [ITERATIONS [ID-SUBSTRING]]");
        std::process::exit(2);
    };
    let iterations: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
    let only = args.get(3).cloned().unwrap_or_default();
    let kernel = "6.1.0-28-amd64";
    let ktree = corpus.join("fixtures/kernels").join(kernel);
    let mut ids: Vec<PathBuf> = std::fs::read_dir(corpus.join("confs"))
        .expect("corpus confs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    ids.sort();
    let mut samples = Vec::new();
    for dir in ids {
        let id = dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !id.contains(&only) {
            continue;
        }
        let input = read_json(&dir.join("expected-6.1.json"));
        let probe = read_json(&dir.join("probe.json"));
        let runs_commands = probe["commands"]
            .as_array()
            .is_some_and(|c| c.iter().any(|x| x["kind"] == "external"));
        let module = input["input"]["module"].as_str().unwrap_or("unknown");
        let version = input["input"]["module_version"]
            .as_str()
            .unwrap_or("unknown");
        let mut req = ConfRequest::new(dir.join("dkms.conf"), module, version, kernel, "x86_64");
        req.kernel_source_dir = ktree.clone();
        req.parallel_jobs = "4".into();
        req.running_distribution = "debian".into();
        req.action = "build".into();
        req.cwd = Some(PathBuf::from("/"));
        req.confdir = PathBuf::from("/nonexistent-confdir");
        let its = if runs_commands {
            iterations.min(5)
        } else {
            iterations
        };
        let mut times = Vec::new();
        for _ in 0..3 {
            let _ = conf::evaluate(&req);
        }
        for _ in 0..its {
            let t = Instant::now();
            let r = conf::evaluate(&req);
            times.push(t.elapsed());
            if r.is_err() {
                eprintln!("{id}: {:?}", r.err());
                break;
            }
        }
        times.sort();
        let time = times.get(times.len() / 2).copied().unwrap_or_default();
        samples.push(Sample {
            id,
            runs_commands,
            time,
        });
    }
    report(
        "files running no command",
        samples.iter().filter(|s| !s.runs_commands).collect(),
    );
    report(
        "files running commands",
        samples.iter().filter(|s| s.runs_commands).collect(),
    );
    report("all files", samples.iter().collect());
}

fn report(what: &str, mut s: Vec<&Sample>) {
    if s.is_empty() {
        return;
    }
    s.sort_by_key(|x| x.time);
    let median = s[s.len() / 2].time;
    let worst = s[s.len() - 1];
    println!(
        "{what}: {} files, median {:.1} µs, worst {:.1} µs ({})",
        s.len(),
        median.as_secs_f64() * 1e6,
        worst.time.as_secs_f64() * 1e6,
        worst.id
    );
}

fn read_json(p: &Path) -> serde_json::Value {
    std::fs::read_to_string(p)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}
