//! A forward-only reader over a [`std::io::Read`] with a fixed buffer: the pickle
//! machine reads opcodes and their arguments from it without ever allocating by a
//! length the input claims. Lengths are checked against what remains of the input
//! before anything is read; long arguments are streamed through in chunks.

use std::io::Read;

/// Buffer size; also the longest text line (protocol 0 argument) modelled.
pub const BUF: usize = 1 << 20;

/// Why a read stopped.
#[derive(Debug)]
pub enum Short {
    /// The input ends before the bytes the stream needs.
    Truncated,
    /// A text line longer than [`BUF`].
    LongLine,
    Io(std::io::Error),
}

pub struct Input<'a> {
    r: &'a mut dyn Read,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Total bytes of the stream (the caller's size).
    limit: u64,
}

impl<'a> Input<'a> {
    pub fn new(r: &'a mut dyn Read, limit: u64) -> Self {
        Input { r, buf: vec![0; BUF], pos: 0, end: 0, base: 0, limit }
    }

    /// Offset of the next byte in the stream.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes of the stream not yet consumed.
    #[inline]
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.offset())
    }

    pub fn at_end(&mut self) -> Result<bool, Short> {
        Ok(self.pos >= self.end && !self.fill(1)?)
    }

    /// Makes at least `n` (≤ [`BUF`]) bytes available; `false` if the input ends first.
    fn fill(&mut self, n: usize) -> Result<bool, Short> {
        if self.end - self.pos >= n {
            return Ok(true);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end < n {
            let want = usize::try_from(self.limit.saturating_sub(self.base + self.end as u64))
                .unwrap_or(usize::MAX)
                .min(BUF - self.end);
            if want == 0 {
                return Ok(false);
            }
            let dst = self.buf.get_mut(self.end..self.end + want).unwrap_or_default();
            match self.r.read(dst) {
                Ok(0) => return Ok(false),
                Ok(k) => self.end += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Short::Io(e)),
            }
        }
        Ok(true)
    }

    #[inline]
    pub fn byte(&mut self) -> Result<u8, Short> {
        if self.pos < self.end {
            if let Some(&b) = self.buf.get(self.pos) {
                self.pos += 1;
                return Ok(b);
            }
        }
        if !self.fill(1)? {
            return Err(Short::Truncated);
        }
        let b = self.buf.get(self.pos).copied().ok_or(Short::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    /// The next `n` bytes (`n` ≤ [`BUF`]).
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&[u8], Short> {
        if self.end - self.pos < n && !self.fill(n)? {
            return Err(Short::Truncated);
        }
        let s = self.buf.get(self.pos..self.pos + n).ok_or(Short::Truncated)?;
        self.pos += n;
        Ok(s)
    }

    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        let s = self.take(N)?;
        <[u8; N]>::try_from(s).map_err(|_| Short::Truncated)
    }

    /// A text line without its `\n`; a line the input ends before is truncated.
    pub fn line(&mut self) -> Result<&[u8], Short> {
        let mut from = 0;
        loop {
            let avail = self.buf.get(self.pos + from..self.end).unwrap_or_default();
            if let Some(i) = memchr::memchr(b'\n', avail) {
                let start = self.pos;
                let nl = start + from + i;
                self.pos = nl + 1;
                return self.buf.get(start..nl).ok_or(Short::Truncated);
            }
            from = self.end - self.pos;
            if from >= BUF {
                return Err(Short::LongLine);
            }
            if !self.fill(from + 1)? {
                return Err(Short::Truncated);
            }
        }
    }

    /// Passes the next `n` bytes to `f` in chunks (for arguments of any length).
    /// Checks `n` against what remains first, so a claimed length past the end
    /// reads nothing.
    pub fn stream(&mut self, n: u64, mut f: impl FnMut(&[u8], bool) -> bool) -> Result<bool, Short> {
        if n > self.remaining() {
            return Err(Short::Truncated);
        }
        let mut left = n;
        let mut ok = true;
        loop {
            if self.pos >= self.end && left > 0 && !self.fill(1)? {
                return Err(Short::Truncated);
            }
            let k = usize::try_from(left).unwrap_or(usize::MAX).min(self.end - self.pos);
            let chunk = self.buf.get(self.pos..self.pos + k).unwrap_or_default();
            left -= k as u64;
            self.pos += k;
            if ok {
                ok = f(chunk, left == 0);
            }
            if left == 0 {
                return Ok(ok);
            }
        }
    }

    /// Skips `n` bytes (checked against what remains first).
    pub fn skip(&mut self, n: u64) -> Result<(), Short> {
        self.stream(n, |_, _| true).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lines_and_lengths() {
        let data = b"abc\ndef".to_vec();
        let mut c = std::io::Cursor::new(data);
        let mut i = Input::new(&mut c, 7);
        assert_eq!(i.line().unwrap(), b"abc");
        assert!(matches!(i.line(), Err(Short::Truncated)));
        let mut c = std::io::Cursor::new(vec![1u8; 10]);
        let mut i = Input::new(&mut c, 10);
        assert!(matches!(i.skip(u64::MAX), Err(Short::Truncated)));
        assert_eq!(i.offset(), 0);
        i.skip(4).unwrap();
        assert_eq!(i.take(2).unwrap(), &[1, 1]);
        assert_eq!(i.remaining(), 4);
    }
}
