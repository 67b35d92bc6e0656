//! Cheap checks before parsing: size and nesting, so hostile input can neither
//! exhaust the parser's stack nor take long.

use airlock_config::Policy;
use airlock_protocol::{Finding, Span};

/// Larger command lines are not parsed (an agent's command is rarely over a few KiB).
pub const MAX_INPUT_BYTES: usize = 256 * 1024;
/// Deeper nesting of `$(`, `(`, `{`, `` ` `` is not parsed.
pub const MAX_NESTING: usize = 64;
/// More open parentheses than this are not parsed: brush-parser's grammar backtracks exponentially on
/// unbalanced runs of `(` (found by fuzzing; 20 levels took 4 s). Real commands stay far below (the
/// deepest in the labeled corpus is 4).
pub const MAX_PAREN_DEPTH: usize = 12;

pub fn check(command: &str, policy: &Policy) -> Result<(), Finding> {
    if command.len() > MAX_INPUT_BYTES {
        return Err(crate::unparseable(
            "PAR002",
            format!(
                "command is {} bytes, over the {} byte limit airlock analyses; too large to judge",
                command.len(),
                MAX_INPUT_BYTES
            ),
            Span::new(0, 0),
            policy.unparseable,
        ));
    }
    if command.contains('\0') {
        return Err(crate::unparseable(
            "PAR002",
            "command contains a NUL byte, which no shell passes through".into(),
            Span::new(0, 0),
            policy.unparseable,
        ));
    }
    if let Some(at) = oversized_fd(command) {
        return Err(crate::unparseable(
            "PAR002",
            "a redirection names a file descriptor number too large for any shell".into(),
            Span::new(at, command.len().min(at + 12)),
            policy.unparseable,
        ));
    }
    if let Some(at) = odd_heredoc_tag(command) {
        return Err(crate::unparseable(
            "PAR002",
            "a here-document delimiter contains carriage returns or other unusual whitespace; refusing to parse it".into(),
            Span::new(at, command.len().min(at + 8)),
            policy.unparseable,
        ));
    }
    let parens = max_paren_depth(command);
    if parens > MAX_PAREN_DEPTH {
        return Err(crate::unparseable(
            "PAR002",
            format!("command opens {parens} nested parentheses (limit {MAX_PAREN_DEPTH}); too deeply nested to judge"),
            Span::new(0, command.len().min(64)),
            policy.unparseable,
        ));
    }
    let depth = max_nesting(command);
    if depth > MAX_NESTING {
        return Err(crate::unparseable(
            "PAR002",
            format!("command nests {depth} levels deep (limit {MAX_NESTING}); too deeply nested to judge"),
            Span::new(0, command.len().min(64)),
            policy.unparseable,
        ));
    }
    Ok(())
}

/// A run of 10+ digits right before `<` or `>` (an I/O number) or after `~` (a directory-stack index):
/// numbers no shell accepts there, and ones the parser cannot represent.
fn oversized_fd(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut run_start = None;
    for (i, c) in b.iter().enumerate() {
        if c.is_ascii_digit() {
            run_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = run_start.take() {
            if (c == &b'<' || c == &b'>') && i - start >= 10 {
                return Some(start);
            }
        }
    }
    // `~N`, `~+N`, `~-N`: a directory-stack index the parser reads as an integer.
    let mut search = 0;
    while let Some(rel) = s.get(search..).and_then(|t| t.find('~')) {
        let at = search + rel;
        search = at + 1;
        let rest = s.get(at + 1..).unwrap_or("");
        let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        if rest.bytes().take_while(u8::is_ascii_digit).count() >= 10 {
            return Some(at);
        }
    }
    None
}

/// A here-document delimiter holding whitespace other than space, tab and newline (`<<\r`, `<<\x0c`).
/// No real script uses one, and brush-parser 0.4 loops without bound on some of them (found by fuzzing).
fn odd_heredoc_tag(s: &str) -> Option<usize> {
    let mut search = 0;
    while let Some(rel) = s.get(search..).and_then(|t| t.find("<<")) {
        let at = search + rel;
        let mut rest = s.get(at + 2..).unwrap_or("");
        search = at + 2;
        if rest.starts_with('<') {
            search += 1;
            continue;
        }
        rest = rest.strip_prefix('-').unwrap_or(rest);
        let rest = rest.trim_start_matches([' ', '\t']);
        let tag: String = rest
            .chars()
            .take_while(|c| {
                !matches!(
                    c,
                    ' ' | '\t' | '\n' | ';' | '|' | '&' | '<' | '>' | '(' | ')'
                )
            })
            .collect();
        if tag.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Some(at);
        }
    }
    None
}

/// Deepest run of open `(`, counting every parenthesis (quotes included: a quote the parser reads
/// differently must not hide a run from this bound).
fn max_paren_depth(s: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for c in s.bytes() {
        match c {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Upper bound of bracket nesting, ignoring single-quoted text.
fn max_nesting(s: &str) -> usize {
    let mut depth: usize = 0;
    let mut max = 0;
    let mut in_single = false;
    let mut backticks = 0usize;
    let mut prev = '\0';
    for c in s.chars() {
        if in_single {
            if c == '\'' {
                in_single = false;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' if prev != '\\' => in_single = true,
            '(' | '{' if prev != '\\' => depth += 1,
            ')' | '}' if prev != '\\' => depth = depth.saturating_sub(1),
            '`' if prev != '\\' => backticks += 1,
            _ => {}
        }
        max = max.max(depth + backticks / 2);
        prev = c;
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting() {
        assert_eq!(max_nesting("echo $(a $(b))"), 2);
        assert_eq!(max_nesting("echo '((((('"), 0);
        let deep = "$(".repeat(10_000) + &")".repeat(10_000);
        assert!(max_nesting(&deep) > MAX_NESTING);
    }

    #[test]
    fn odd_heredoc_tags() {
        assert_eq!(odd_heredoc_tag("<<\r "), Some(0));
        assert_eq!(odd_heredoc_tag("cat <<- \x0c "), Some(4));
        assert_eq!(odd_heredoc_tag("cat <<EOF\nx\nEOF"), None);
        assert_eq!(odd_heredoc_tag("cat <<< \"$x\""), None);
        assert_eq!(odd_heredoc_tag("cat <<'EOF'\nx\nEOF\n"), None);
    }

    #[test]
    fn oversized_descriptors() {
        assert_eq!(oversized_fd("8777777777>|x"), Some(0));
        assert_eq!(oversized_fd("echo 2>&1"), None);
        assert_eq!(oversized_fd("echo 12345678901 > f"), None);
        assert_eq!(oversized_fd("cd ~22222222222"), Some(3));
        assert_eq!(oversized_fd("cd ~/x ~+1"), None);
    }
}
