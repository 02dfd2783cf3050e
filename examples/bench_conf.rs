//! Time the dkms.conf evaluation (context, source, round trip, post-processing) of every file
//! of a corpus, in-process. Usage: `bench_conf CORPUS_DIR [ITERATIONS [ID-SUBSTRING]]`; see
//! `scripts/bench-conf.sh`. Prints the median and the worst per-file time, for the files that
//! run no external command and for all files, twice:
//!
//! - varying request: every evaluation asks for another kernel than the one before (the two
//!   kernels of the corpus, alternating), as a real dkms run reads a file once per
//!   (module, kernel, arch); nothing cached for one request can serve the next;
//! - repeated request: the same request every time (an upper bound on what any reuse gains).
//!
//! `BENCH_CONF_VERBOSE=1` also prints every file's two times.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dkms::conf::{self, ConfRequest};

const KERNELS: [&str; 2] = ["6.1.0-28-amd64", "5.10.0-30-amd64"];

struct Sample {
    id: String,
    runs_commands: bool,
    varying: Duration,
    repeated: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(corpus) = args.get(1).map(PathBuf::from) else {
        eprintln!("usage: bench_conf CORPUS_DIR [ITERATIONS [ID-SUBSTRING]]");
        std::process::exit(2);
    };
    // the requests run with cwd `/`: a relative corpus path would miss the kernel fixtures
    let corpus = std::fs::canonicalize(&corpus).unwrap_or(corpus);
    let iterations: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
    let only = args.get(3).cloned().unwrap_or_default();
    let verbose = std::env::var_os("BENCH_CONF_VERBOSE").is_some();
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
        let reqs = KERNELS.map(|kernel| {
            let mut req =
                ConfRequest::new(dir.join("dkms.conf"), module, version, kernel, "x86_64");
            req.kernel_source_dir = corpus.join("fixtures/kernels").join(kernel);
            req.parallel_jobs = "4".into();
            req.running_distribution = "debian".into();
            req.action = "build".into();
            req.cwd = Some(PathBuf::from("/"));
            req.confdir = PathBuf::from("/nonexistent-confdir");
            req
        });
        let its = if runs_commands {
            iterations.min(5)
        } else {
            iterations
        };
        let varying = median_time(its, |i| &reqs[i % 2], &id);
        let repeated = median_time(its, |_| &reqs[0], &id);
        if verbose {
            println!(
                "{id}: varying {:.1} µs, repeated {:.1} µs",
                micros(varying),
                micros(repeated)
            );
        }
        samples.push(Sample {
            id,
            runs_commands,
            varying,
            repeated,
        });
    }
    for (mode, pick) in [
        (
            "varying request",
            (|s: &Sample| s.varying) as fn(&Sample) -> Duration,
        ),
        ("repeated request", |s: &Sample| s.repeated),
    ] {
        println!("{mode}:");
        report(
            "files running no command",
            samples.iter().filter(|s| !s.runs_commands).collect(),
            pick,
        );
        report(
            "files running commands",
            samples.iter().filter(|s| s.runs_commands).collect(),
            pick,
        );
        report("all files", samples.iter().collect(), pick);
    }
}

/// The median time of `its` evaluations of `req(i)`, after a warm-up of the same sequence.
fn median_time<'a>(its: usize, req: impl Fn(usize) -> &'a ConfRequest, id: &str) -> Duration {
    for i in 0..3 {
        let _ = conf::evaluate(req(i));
    }
    let mut times = Vec::new();
    for i in 0..its {
        let r = req(i);
        let t = Instant::now();
        let out = conf::evaluate(r);
        times.push(t.elapsed());
        if let Err(e) = out {
            eprintln!("{id}: {e:?}");
            break;
        }
    }
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn report(what: &str, mut s: Vec<&Sample>, time: fn(&Sample) -> Duration) {
    if s.is_empty() {
        return;
    }
    s.sort_by_key(|x| time(x));
    let median = time(s[s.len() / 2]);
    let worst = s[s.len() - 1];
    println!(
        "  {what}: {} files, median {:.1} µs, worst {:.1} µs ({})",
        s.len(),
        micros(median),
        micros(time(worst)),
        worst.id
    );
}

fn read_json(p: &Path) -> serde_json::Value {
    std::fs::read_to_string(p)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}
