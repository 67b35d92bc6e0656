//! A small, strict, bounded JSON reader for safetensors headers.
//!
//! It keeps every member of every object in file order, duplicates included, so
//! the checks can see what a map-based parser (serde_json keeps the last of two
//! equal keys; Python's `json` does the same) would silently drop. Numbers are kept
//! as their text; the checks decide which ones they accept. Nesting is bounded by
//! [`MAX_DEPTH`]; everything else is bounded by the input, whose size the caller caps.

/// Arrays and objects nested deeper than this are refused (a real header nests 3).
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text, already checked against the JSON grammar.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    /// Members in file order, duplicates kept.
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Num(_) => "a number",
            Json::Str(_) => "a string",
            Json::Arr(_) => "an array",
            Json::Obj(_) => "an object",
        }
    }

    /// The value as a non-negative integer: plain digits only (no sign, fraction or
    /// exponent), no leading zero, fitting in 64 bits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Num(t) if t.bytes().all(|b| b.is_ascii_digit()) && (t == "0" || !t.starts_with('0')) => {
                t.parse().ok()
            }
            _ => None,
        }
    }
}

/// Where and why the text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset inside the parsed text.
    pub at: usize,
    pub what: &'static str,
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

/// Parses one JSON value starting exactly at `b[0]` (no whitespace skipped before
/// it) and returns it with the offset just past it.
pub fn parse_value(b: &[u8]) -> Result<(Json, usize), JsonError> {
    let mut r = Reader { b, i: 0 };
    let v = r.value(0)?;
    Ok((v, r.i))
}

impl Reader<'_> {
    fn err<T>(&self, what: &'static str) -> Result<T, JsonError> {
        Err(JsonError { at: self.i, what })
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn lit(&mut self, word: &[u8], v: Json) -> Result<Json, JsonError> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(v)
        } else {
            self.err("invalid literal")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.peek() {
            None => self.err("unexpected end of header"),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.lit(b"true", Json::Bool(true)),
            Some(b'f') => self.lit(b"false", Json::Bool(false)),
            Some(b'n') => self.lit(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.err("unexpected character"),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return self.err("nested too deep");
        }
        self.i += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Obj(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("expected a string key");
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("expected ':'");
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth)?;
            members.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Obj(members));
                }
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return self.err("nested too deep");
        }
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = self.digits();
        if n == 0 {
            return self.err("invalid number");
        }
        if n > 1 && self.b.get(int_start) == Some(&b'0') {
            return Err(JsonError { at: int_start, what: "number with a leading zero" });
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return self.err("invalid number");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return self.err("invalid number");
            }
        }
        let text = self.b.get(start..self.i).unwrap_or_default();
        Ok(Json::Num(String::from_utf8_lossy(text).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek().and_then(|c| char::from(c).to_digit(16)) {
                Some(d) => d,
                None => return self.err("invalid \\u escape"),
            };
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            // Copy the run of plain bytes up to the next quote, backslash or control byte.
            let start = self.i;
            while matches!(self.peek(), Some(c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.i += 1;
            }
            let run = self.b.get(start..self.i).unwrap_or_default();
            match std::str::from_utf8(run) {
                Ok(s) => out.push_str(s),
                Err(e) => return Err(JsonError { at: start + e.valid_up_to(), what: "invalid UTF-8" }),
            }
            match self.peek() {
                None => return self.err("unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek();
                    self.i += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => out.push(self.unicode_escape()?),
                        _ => {
                            self.i -= 1;
                            return self.err("invalid escape");
                        }
                    }
                }
                Some(_) => return self.err("raw control character in string"),
            }
        }
    }

    /// After `\u`: one code point, joining a surrogate pair; a lone surrogate is an error.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let hi = self.hex4()?;
        let cp = if (0xD800..0xDC00).contains(&hi) {
            if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                return self.err("lone surrogate in \\u escape");
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return self.err("lone surrogate in \\u escape");
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        match char::from_u32(cp) {
            Some(c) => Ok(c),
            None => self.err("lone surrogate in \\u escape"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn p(s: &str) -> Result<Json, JsonError> {
        let (v, end) = parse_value(s.as_bytes())?;
        assert_eq!(end, s.len(), "{s}");
        Ok(v)
    }

    #[test]
    fn keeps_duplicates_in_order() {
        let v = p(r#"{"a":1,"a":2}"#).unwrap();
        let Json::Obj(m) = v else { panic!() };
        assert_eq!(m.len(), 2);
        assert_eq!(m[1], ("a".to_string(), Json::Num("2".into())));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(p(r#""a\u0041\n\ud83d\ude00""#).unwrap(), Json::Str("aA\n\u{1F600}".into()));
        assert!(p(r#""\ud800""#).is_err());
        assert!(p("\"a\u{1}\"").is_err());
        assert!(p(r#""\q""#).is_err());
        assert!(parse_value(b"\"\xff\"").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(p("12").unwrap().as_u64(), Some(12));
        assert_eq!(p("0").unwrap().as_u64(), Some(0));
        assert_eq!(p("-1").unwrap().as_u64(), None);
        assert_eq!(p("1.5e3").unwrap().as_u64(), None);
        assert_eq!(p("1e3").unwrap().as_u64(), None);
        assert_eq!(p("99999999999999999999").unwrap().as_u64(), None);
        assert!(p("01").is_err());
        assert!(p("1.").is_err());
        assert!(p("-").is_err());
    }

    #[test]
    fn bounded_depth() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(p(&deep).unwrap_err().what, "nested too deep");
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(p(&ok).is_ok());
    }

    #[test]
    fn malformed() {
        for s in ["{", "{\"a\"}", "{\"a\":1,}", "[1,]", "tru", "{1:2}", ""] {
            assert!(parse_value(s.as_bytes()).is_err(), "{s}");
        }
    }
}
