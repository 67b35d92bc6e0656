//! Pure helpers for turning shell word pieces into text.

/// Decode the body of an ANSI-C quoted string (`$'...'`), as bash does.
pub fn decode_ansi_c(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = chars.get(i) else {
            out.push('\\');
            break;
        };
        i += 1;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'e' | 'E' => out.push('\u{1b}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' | 'u' | 'U' => {
                let max = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits: String = chars
                    .iter()
                    .skip(i)
                    .take(max)
                    .take_while(|c| c.is_ascii_hexdigit())
                    .collect();
                if digits.is_empty() {
                    out.push('\\');
                    out.push(e);
                } else {
                    i += digits.len();
                    if let Some(ch) = u32::from_str_radix(&digits, 16)
                        .ok()
                        .and_then(char::from_u32)
                    {
                        out.push(ch);
                    }
                }
            }
            '0'..='7' => {
                let mut digits = String::from(e);
                digits.extend(
                    chars
                        .iter()
                        .skip(i)
                        .take(2)
                        .take_while(|c| ('0'..='7').contains(*c)),
                );
                i += digits.len() - 1;
                if let Some(ch) = u32::from_str_radix(&digits, 8)
                    .ok()
                    .and_then(char::from_u32)
                {
                    out.push(ch);
                }
            }
            'c' => {
                // Control character: \cX
                if let Some(&x) = chars.get(i) {
                    i += 1;
                    out.push(char::from((x as u8) & 0x1f));
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// Split a string the way the shell splits an unquoted expansion on the default IFS.
pub fn split_fields(s: &str) -> Vec<String> {
    s.split([' ', '\t', '\n'])
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Shorten text for a finding's snippet.
pub fn snippet(s: &str, max: usize) -> String {
    let flat: String = s.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let mut t: String = flat.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_c() {
        assert_eq!(decode_ansi_c(r"\x63url"), "curl");
        assert_eq!(decode_ansi_c(r"\143url"), "curl");
        assert_eq!(decode_ansi_c(r"\u0063u\x72l"), "curl");
        assert_eq!(decode_ansi_c(r"a\nb\\"), "a\nb\\");
        assert_eq!(decode_ansi_c("\\"), "\\");
    }
}
