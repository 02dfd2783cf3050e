//! Version orderings dkms relies on through external tools: `sort -V` (GNU `filevercmp`),
//! used for the `--all` kernel list.

use std::cmp::Ordering;

/// The order `sort -V` puts two lines in: `filevercmp`, then plain bytes as the last resort.
pub fn sort_v_cmp(a: &str, b: &str) -> Ordering {
    filevercmp(a.as_bytes(), b.as_bytes()).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// GNU gnulib's `filevercmp` (coreutils 9): `.` first, then `..`, then other hidden names,
/// then the rest; a trailing file suffix (`(\.[A-Za-z~][A-Za-z0-9~]*)*$`) is compared only
/// when the rest is equal; Debian's version comparison for both passes.
fn filevercmp(a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    if a[0] == b'.' {
        if b[0] != b'.' {
            return Ordering::Less;
        }
        let (adot, bdot) = (a == b".", b == b".");
        if adot {
            return if bdot {
                Ordering::Equal
            } else {
                Ordering::Less
            };
        }
        if bdot {
            return Ordering::Greater;
        }
        let (adotdot, bdotdot) = (a == b"..", b == b"..");
        if adotdot {
            return if bdotdot {
                Ordering::Equal
            } else {
                Ordering::Less
            };
        }
        if bdotdot {
            return Ordering::Greater;
        }
    } else if b[0] == b'.' {
        return Ordering::Greater;
    }
    let a_pre = prefix_len(a);
    let b_pre = prefix_len(b);
    let one_pass_only = a_pre == a.len() && b_pre == b.len();
    let result = verrevcmp(&a[..a_pre], &b[..b_pre]);
    if result != Ordering::Equal || one_pass_only {
        return result;
    }
    verrevcmp(a, b)
}

/// Length of `s` without its file suffix: the suffix is the run of `.X…` parts that reaches
/// the end of the name (which may start at the very first byte).
fn prefix_len(s: &[u8]) -> usize {
    let n = s.len();
    let mut i = 0;
    loop {
        let prefix = i;
        while i + 1 < n && s[i] == b'.' && (s[i + 1].is_ascii_alphabetic() || s[i + 1] == b'~') {
            i += 2;
            while i < n && (s[i].is_ascii_alphanumeric() || s[i] == b'~') {
                i += 1;
            }
        }
        if i >= n {
            return prefix;
        }
        i += 1;
    }
}

fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// Debian's `verrevcmp`: alternate non-digit runs (letters before other characters, `~`
/// before everything, even the end) and numeric runs.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0i32;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = i32::from(a[i]) - i32::from(b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(items: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| sort_v_cmp(a, b));
        v
    }

    #[test]
    fn kernels_sort_numerically() {
        assert_eq!(
            sorted(&[
                "6.10.0-1-amd64/x86_64",
                "6.1.0-56-amd64/x86_64",
                "6.1.0-9-amd64/x86_64"
            ]),
            [
                "6.1.0-9-amd64/x86_64",
                "6.1.0-56-amd64/x86_64",
                "6.10.0-1-amd64/x86_64"
            ]
        );
    }

    #[test]
    fn tilde_sorts_first() {
        assert_eq!(sorted(&["1.0", "1.0~rc1"]), ["1.0~rc1", "1.0"]);
    }

    #[test]
    fn file_suffixes_and_hidden_names() {
        assert_eq!(sorted(&[".~255-_4x", ".~xa~4x"]), [".~xa~4x", ".~255-_4x"]);
        assert_eq!(
            sorted(&["a.tar.gz", "a.tar", "a"]),
            ["a", "a.tar", "a.tar.gz"]
        );
        assert_eq!(sorted(&["b", ".a", "..", "."]), [".", "..", ".a", "b"]);
    }

    #[test]
    fn arch_after_kernel() {
        assert_eq!(
            sorted(&["6.1/x86_64", "6.1/i386", "5.9/x86_64"]),
            ["5.9/x86_64", "6.1/i386", "6.1/x86_64"]
        );
    }
}

#[cfg(test)]
mod against_coreutils {
    /// `fixtures/trees/sort-v-order.txt` is a list of generated names in the order GNU
    /// coreutils 9.1 `LC_ALL=C sort -V` gives; sorting it reversed must restore it.
    #[test]
    fn matches_gnu_sort_v() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/trees/sort-v-order.txt"
        );
        let expected = std::fs::read_to_string(path).expect("fixture");
        let want: Vec<&str> = expected.lines().collect();
        let mut got = want.clone();
        got.reverse();
        got.sort_by(|a, b| super::sort_v_cmp(a, b));
        for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
            assert_eq!(g, w, "line {i}");
        }
    }
}
