//! Pattern matching: bash globs (with extglob) and POSIX extended regular expressions.

/// `[[ text =~ re ]]`: `None` when the expression is invalid (bash's status 2).
pub fn ere_search(re: &str, text: &str) -> Option<bool> {
    regex::Regex::new(re).ok().map(|r| r.is_match(text))
}
