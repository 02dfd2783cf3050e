//! One dkms process at a time per module: an advisory `flock` on the module's own directory
//! `<dkms_tree>/<module>` (spec §11: bash dkms has no locking). Locking the directory itself adds
//! no file to the tree, so bash dkms, `status` and tree listings see exactly what they saw before.
//! Every version of a module shares the lock because versions share the `kernel-<k>-<a>` link and
//! the install paths. A second process waits; after a few seconds it says what it waits for.
//! `status` never takes the lock.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};

use crate::output::{build as msg, Output};

const QUIET_WAIT: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(100);

/// Module directories this process already holds: an action calling another (install → build,
/// remove → unbuild) must not wait for itself.
static HELD: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Held for as long as the action works on the module; released on drop.
pub struct ModuleLock {
    lock: Option<Flock<File>>,
    pub path: PathBuf,
    /// We created the module directory to lock it; remove it again if it is still empty.
    created: bool,
}

/// The directory that is locked for `module`.
pub fn lock_path(dkms_tree: &Path, module: &str) -> PathBuf {
    dkms_tree.join(module)
}

fn same_file(held: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (held.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

fn mark_held(path: &Path, held: bool) -> bool {
    let Ok(mut guard) = HELD.lock() else {
        return false;
    };
    let set = guard.get_or_insert_with(HashSet::new);
    if held {
        set.insert(path.to_path_buf())
    } else {
        set.remove(path)
    }
}

/// Take the lock on `module`, waiting as long as needed (`version` only names it in the waiting
/// message). When the tree is not writable no lock is taken: locking never turns a run dkms
/// would allow into a failure.
pub fn acquire(out: &Output, dkms_tree: &Path, module: &str, version: &str) -> ModuleLock {
    let path = lock_path(dkms_tree, module);
    let unlocked = |path: PathBuf| ModuleLock {
        lock: None,
        path,
        created: false,
    };
    if module.is_empty() || module.contains('/') || module == "." || module == ".." {
        return unlocked(path);
    }
    if HELD
        .lock()
        .map(|g| g.as_ref().is_some_and(|s| s.contains(&path)))
        .unwrap_or(false)
    {
        return unlocked(path);
    }
    let started = Instant::now();
    let mut told = false;
    loop {
        // only the module directory: a missing dkms tree is not created behind the checks
        let created = !path.is_dir() && std::fs::create_dir(&path).is_ok();
        let Ok(mut file) = File::open(&path) else {
            return unlocked(path);
        };
        loop {
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => {
                    // The holder before us may have deleted the directory (module removed):
                    // then our lock guards nothing; start again on the current directory.
                    if same_file(&lock, &path) {
                        mark_held(&path, true);
                        return ModuleLock {
                            lock: Some(lock),
                            path,
                            created,
                        };
                    }
                    drop(lock);
                    break;
                }
                Err((f, nix::errno::Errno::EWOULDBLOCK)) | Err((f, nix::errno::Errno::EINTR)) => {
                    file = f;
                    if !told && started.elapsed() >= QUIET_WAIT {
                        out.err_line(msg::lock_waiting(module, version));
                        told = true;
                    }
                    std::thread::sleep(POLL);
                }
                Err(_) => return unlocked(path),
            }
        }
    }
}

impl Drop for ModuleLock {
    fn drop(&mut self) {
        if self.lock.is_none() {
            return;
        }
        mark_held(&self.path, false);
        if self.created {
            // Only succeeds when empty: a failed add leaves no trace.
            let _ = std::fs::remove_dir(&self.path);
        }
    }
}
