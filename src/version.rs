//! Version orderings dkms relies on through external tools: `sort -V` (GNU `filevercmp`),
//! used for the `--all` kernel list.

use std::cmp::Ordering;

/// The order `sort -V` puts two lines in: `filevercmp`, then plain bytes as the last resort.
pub fn sort_v_cmp(a: &str, b: &str) -> Ordering {
    filevercmp(a.as_bytes(), b.as_bytes()).then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// GNU gnulib's `filevercmp`: hidden names first, a trailing file suffix
/// (`(\.[A-Za-z~][A-Za-z0-9~]*)*$`) compared only when the rest is equal, Debian's version
/// comparison for the rest.
fn filevercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    for special in [&b""[..], b".", b".."] {
        if a == special {
            return Ordering::Less;
        }
        if b == special {
            return Ordering::Greater;
        }
    }
    let a_hidden = a.first() == Some(&b'.');
    let b_hidden = b.first() == Some(&b'.');
    if a_hidden != b_hidden {
        return if a_hidden {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let (a, b) = if a_hidden { (&a[1..], &b[1..]) } else { (a, b) };
    let a_pre = &a[..prefix_len(a)];
    let b_pre = &b[..prefix_len(b)];
    let by_prefix = verrevcmp(a_pre, b_pre);
    if by_prefix != Ordering::Equal && a_pre != b_pre {
        return by_prefix;
    }
    verrevcmp(a, b)
}

/// Length of `s` without its file suffix.
fn prefix_len(s: &[u8]) -> usize {
    let mut prefix_end = s.len();
    let mut i = 0;
    let mut in_suffix_start: Option<usize> = None;
    while i < s.len() {
        let c = s[i];
        if c == b'.' && i + 1 < s.len() && (s[i + 1].is_ascii_alphabetic() || s[i + 1] == b'~') {
            if in_suffix_start.is_none() {
                in_suffix_start = Some(i);
            }
            i += 2;
            while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'~') {
                i += 1;
            }
            continue;
        }
        in_suffix_start = None;
        i += 1;
    }
    if let Some(start) = in_suffix_start {
        prefix_end = start;
    }
    prefix_end
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
    fn arch_after_kernel() {
        assert_eq!(
            sorted(&["6.1/x86_64", "6.1/i386", "5.9/x86_64"]),
            ["5.9/x86_64", "6.1/i386", "6.1/x86_64"]
        );
    }
}
