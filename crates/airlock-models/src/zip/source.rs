//! Sources over part of another source: a window of stored bytes, and a deflate
//! stream that can be read from any position (seeking back restarts it). Neither
//! holds more than a fixed buffer, whatever the member's size.

use std::io::{self, BufReader, Read, Seek, SeekFrom};

use flate2::bufread::DeflateDecoder;

use crate::scan::Source;

/// `len` bytes of `inner` from `start`.
pub struct Window<'a> {
    inner: &'a mut dyn Source,
    start: u64,
    len: u64,
    pos: u64,
}

impl<'a> Window<'a> {
    pub fn new(inner: &'a mut dyn Source, start: u64, len: u64) -> Self {
        Window { inner, start, len, pos: 0 }
    }
}

fn seek_target(pos: u64, len: u64, to: SeekFrom) -> io::Result<u64> {
    let t = match to {
        SeekFrom::Start(n) => Some(n),
        SeekFrom::End(d) => len.checked_add_signed(d),
        SeekFrom::Current(d) => pos.checked_add_signed(d),
    };
    t.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))
}

impl Read for Window<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        self.inner.seek(SeekFrom::Start(self.start + self.pos))?;
        let k = self.inner.read(buf.get_mut(..n).unwrap_or_default())?;
        self.pos += k as u64;
        Ok(k)
    }
}

impl Seek for Window<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = seek_target(self.pos, self.len, to)?;
        Ok(self.pos)
    }
}

/// The inflated content (`len` bytes, as declared) of a deflate stream.
pub struct Inflate<'a> {
    dec: Option<DeflateDecoder<BufReader<Window<'a>>>>,
    len: u64,
    pos: u64,
}

impl<'a> Inflate<'a> {
    pub fn new(raw: Window<'a>, len: u64) -> Self {
        Inflate { dec: Some(DeflateDecoder::new(BufReader::with_capacity(1 << 16, raw))), len, pos: 0 }
    }

    fn restart(&mut self) -> io::Result<()> {
        let dec = self.dec.take().ok_or_else(|| io::Error::other("inflate state lost"))?;
        let mut raw = dec.into_inner().into_inner();
        raw.seek(SeekFrom::Start(0))?;
        self.dec = Some(DeflateDecoder::new(BufReader::with_capacity(1 << 16, raw)));
        self.pos = 0;
        Ok(())
    }
}

impl Read for Inflate<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        let dec = self.dec.as_mut().ok_or_else(|| io::Error::other("inflate state lost"))?;
        let k = dec.read(buf.get_mut(..n).unwrap_or_default())?;
        if k == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "deflate stream shorter than declared"));
        }
        self.pos += k as u64;
        Ok(k)
    }
}

impl Seek for Inflate<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = seek_target(self.pos, self.len, to)?.min(self.len);
        if target < self.pos {
            self.restart()?;
        }
        let mut skip = target - self.pos;
        let mut buf = [0u8; 8192];
        while skip > 0 {
            let n = usize::try_from(skip).unwrap_or(buf.len()).min(buf.len());
            let k = self.read(buf.get_mut(..n).unwrap_or_default())?;
            skip -= k as u64;
        }
        Ok(self.pos)
    }
}

/// Reads `r` to its end through `f`, at most `cap` bytes; returns the byte count,
/// or `None` if there were more than `cap`.
pub fn drain(r: &mut dyn Read, cap: u64, mut f: impl FnMut(&[u8])) -> io::Result<Option<u64>> {
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => return Ok(Some(n)),
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        n += k as u64;
        if n > cap {
            return Ok(None);
        }
        f(buf.get(..k).unwrap_or_default());
    }
}
