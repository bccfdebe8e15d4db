//! Helpers for handling secrets: comparison that does not leak where two
//! values differ, and redaction of credentials embedded in URLs.

/// Equality whose time depends only on the lengths, not on where the
/// contents differ. Callers comparing secrets of varying length should
/// compare digests of them, so the length does not leak either.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Replaces the user-info (`user:password@`) of every URL in `text` with
/// `***@`. Error texts of HTTP clients and database drivers quote the URL
/// they failed on, and such texts end up in logs and stored error columns.
pub fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority runs to the path, query, fragment or the end of the
        // URL in prose; the last `@` in it ends the user-info (an unescaped
        // `@` in a password is then redacted too).
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_redacted_wherever_a_url_appears() {
        assert_eq!(
            redact_userinfo("error sending request for url (http://cb:hunter2@127.0.0.1:9/cb)"),
            "error sending request for url (http://***@127.0.0.1:9/cb)"
        );
        assert_eq!(
            redact_userinfo("postgres://user:p@ss@db:5432/x and https://tok@h?q=a@b"),
            "postgres://***@db:5432/x and https://***@h?q=a@b"
        );
        assert_eq!(redact_userinfo("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
        assert_eq!(redact_userinfo("no url, a@b.c"), "no url, a@b.c");
        assert_eq!(redact_userinfo("http://u:p@h"), "http://***@h");
    }

    #[test]
    fn equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
