//! Dockerfile instructions, as the builder reads them: one per logical line
//! (backslash continuations joined, comment lines inside them skipped), the
//! keyword case-insensitive, and the build stages `FROM` starts.

use crate::scripts::continued;

/// One instruction: its keyword (upper case), its arguments, and the byte range
/// of its first line in the file.
pub struct Instruction {
    pub keyword: String,
    pub args: String,
    pub start: usize,
    pub end: usize,
}

/// Every instruction of `text`, in order.
pub fn instructions(text: &str) -> Vec<Instruction> {
    let mut out: Vec<Instruction> = Vec::new();
    let mut continuing = false;
    let mut at = 0usize;
    for raw in text.split_inclusive('\n') {
        let line_start = at;
        at += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if continuing {
            if trimmed.starts_with('#') {
                continue;
            }
            let (body, more) = continued(trimmed);
            if let Some(last) = out.last_mut() {
                last.args.push(' ');
                last.args.push_str(body.trim());
            }
            continuing = more;
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let kw_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let (kw, rest) = trimmed.split_at(kw_len);
        let (body, more) = continued(rest.trim());
        continuing = more;
        let indent = line.len() - trimmed.len();
        out.push(Instruction {
            keyword: kw.to_ascii_uppercase(),
            args: body.trim().to_string(),
            start: line_start + indent,
            end: line_start + line.trim_end().len(),
        });
    }
    out
}

/// The instructions split into build stages (each starts at a `FROM`; anything
/// before the first `FROM`, such as global `ARG`s, is stage zero's preamble).
pub fn stages(ins: &[Instruction]) -> Vec<&[Instruction]> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, x) in ins.iter().enumerate() {
        if x.keyword == "FROM" && i > from {
            out.push(ins.get(from..i).unwrap_or_default());
            from = i;
        }
    }
    out.push(ins.get(from..).unwrap_or_default());
    out
}

/// `FROM image [AS name]`: the image and the stage name, lower case.
pub fn from_parts(args: &str) -> (String, Option<String>) {
    let words: Vec<&str> = args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
    let image = words.first().map(|w| w.to_ascii_lowercase()).unwrap_or_default();
    let name = match words.as_slice() {
        [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    (image, name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn joins_continuations_and_skips_comments() {
        let text = "FROM a AS b\n# c\nRUN x \\\n  # inner\n  y\nuser  Bob\n";
        let ins = instructions(text);
        let kws: Vec<&str> = ins.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(kws, ["FROM", "RUN", "USER"]);
        assert_eq!(ins[1].args, "x y");
        assert_eq!(&text[ins[2].start..ins[2].end], "user  Bob");
        assert_eq!(from_parts(&ins[0].args), ("a".into(), Some("b".into())));
        assert_eq!(stages(&ins).len(), 1);
    }
}
