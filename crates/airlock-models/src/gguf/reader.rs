//! A bounded little-endian reader over a [`Source`]: every length is checked
//! against the bytes left in the file before anything is allocated or skipped.

use std::io::SeekFrom;

use crate::scan::Source;

/// Strings longer than this are refused (the longest real ones, chat templates,
/// are tens of kilobytes).
pub const MAX_STRING: u64 = 16 << 20;

/// Why reading stopped.
#[derive(Debug)]
pub enum Stop {
    /// The file ends before `what` (needs `need` bytes at `at`, `left` are left).
    Short { what: String, at: u64, need: u64, left: u64 },
    /// A length above [`MAX_STRING`].
    TooLong { what: String, at: u64, len: u64 },
    Io(std::io::Error),
}

pub struct Reader<'a> {
    r: &'a mut dyn Source,
    pos: u64,
    size: u64,
    /// Version 1 files use 32-bit counts and lengths; later ones 64-bit.
    pub v1: bool,
}

impl<'a> Reader<'a> {
    pub fn new(r: &'a mut dyn Source, size: u64) -> Self {
        Reader { r, pos: 0, size, v1: false }
    }

    pub fn pos(&self) -> u64 {
        self.pos
    }

    pub fn left(&self) -> u64 {
        self.size.saturating_sub(self.pos)
    }

    fn need(&self, n: u64, what: &str) -> Result<(), Stop> {
        if n > self.left() {
            return Err(Stop::Short { what: what.to_string(), at: self.pos, need: n, left: self.left() });
        }
        Ok(())
    }

    pub fn fixed<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Stop> {
        self.need(N as u64, what)?;
        let mut b = [0u8; N];
        self.r.read_exact(&mut b).map_err(Stop::Io)?;
        self.pos += N as u64;
        Ok(b)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, Stop> {
        Ok(self.fixed::<1>(what)?[0])
    }

    pub fn u32(&mut self, what: &str) -> Result<u32, Stop> {
        self.fixed(what).map(u32::from_le_bytes)
    }

    pub fn u64(&mut self, what: &str) -> Result<u64, Stop> {
        self.fixed(what).map(u64::from_le_bytes)
    }

    /// A count or length: 32 bits in version 1, 64 after.
    pub fn count(&mut self, what: &str) -> Result<u64, Stop> {
        if self.v1 {
            self.u32(what).map(u64::from)
        } else {
            self.u64(what)
        }
    }

    /// Moves past `n` bytes without reading them, once they are known to exist.
    pub fn skip(&mut self, n: u64, what: &str) -> Result<(), Stop> {
        self.need(n, what)?;
        let delta = i64::try_from(n).map_err(|_| Stop::Short { what: what.to_string(), at: self.pos, need: n, left: self.left() })?;
        self.r.seek(SeekFrom::Current(delta)).map_err(Stop::Io)?;
        self.pos += n;
        Ok(())
    }

    /// Reads `n` bytes (already bounded by the caller) into `buf`.
    pub fn bytes_into(&mut self, n: u64, buf: &mut Vec<u8>, what: &str) -> Result<(), Stop> {
        self.need(n, what)?;
        buf.clear();
        buf.resize(usize::try_from(n).unwrap_or(0), 0);
        self.r.read_exact(buf).map_err(Stop::Io)?;
        self.pos += n;
        Ok(())
    }

    /// A length-prefixed string's raw bytes into `buf` (UTF-8 is the caller's check).
    pub fn string_into(&mut self, buf: &mut Vec<u8>, what: &str) -> Result<(), Stop> {
        let at = self.pos;
        let len = self.count(what)?;
        if len > MAX_STRING {
            // Past the end is the stronger statement when both hold.
            self.need(len, what)?;
            return Err(Stop::TooLong { what: what.to_string(), at, len });
        }
        self.bytes_into(len, buf, what)
    }
}
