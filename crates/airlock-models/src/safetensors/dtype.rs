//! The element types a safetensors header may name, with their sizes in bits.
//!
//! The list follows the format's current specification: the usual integer and
//! float types, the 8-bit floats (including the FNUZ variants and the E8M0 scale
//! type), the sub-byte microscaling floats (F4 = E2M1, the two F6 layouts) and C64.
//! A name not in it is a finding: a loader that does not know it either refuses
//! the file or, worse, guesses.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dtype {
    pub name: &'static str,
    /// Size of one element in bits (4 and 6 for the sub-byte floats).
    pub bits: u64,
}

const ALL: &[(&str, u64)] = &[
    ("BOOL", 8),
    ("F4", 4),
    ("F6_E2M3", 6),
    ("F6_E3M2", 6),
    ("U8", 8),
    ("I8", 8),
    ("F8_E5M2", 8),
    ("F8_E4M3", 8),
    ("F8_E8M0", 8),
    ("F8_E4M3FNUZ", 8),
    ("F8_E5M2FNUZ", 8),
    ("I16", 16),
    ("U16", 16),
    ("F16", 16),
    ("BF16", 16),
    ("I32", 32),
    ("U32", 32),
    ("F32", 32),
    ("C64", 64),
    ("F64", 64),
    ("I64", 64),
    ("U64", 64),
];

impl Dtype {
    /// The dtype of this exact (case-sensitive) name.
    pub fn by_name(name: &str) -> Option<Dtype> {
        ALL.iter().find(|(n, _)| *n == name).map(|&(name, bits)| Dtype { name, bits })
    }

    /// Bytes of a tensor of `elements` elements: `None` when the count overflows
    /// or the bits do not fill whole bytes (a sub-byte tensor must end on a byte).
    pub fn bytes_for(self, elements: u64) -> Result<u64, &'static str> {
        let bits = elements.checked_mul(self.bits).ok_or("size overflows 64 bits")?;
        if bits % 8 != 0 {
            return Err("elements do not fill a whole number of bytes");
        }
        Ok(bits / 8)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(Dtype::by_name("BF16").unwrap().bytes_for(3), Ok(6));
        assert_eq!(Dtype::by_name("F4").unwrap().bytes_for(4), Ok(2));
        assert!(Dtype::by_name("F4").unwrap().bytes_for(3).is_err());
        assert_eq!(Dtype::by_name("F6_E2M3").unwrap().bytes_for(4), Ok(3));
        assert!(Dtype::by_name("F64").unwrap().bytes_for(u64::MAX / 2).is_err());
        assert!(Dtype::by_name("bf16").is_none());
        assert!(Dtype::by_name("Q4_0").is_none());
    }
}
