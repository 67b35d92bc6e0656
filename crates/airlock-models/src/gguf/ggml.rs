//! The ggml tensor types a GGUF file may name: block size (elements per block)
//! and type size (bytes per block), for computing a tensor's byte size.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgmlType {
    pub name: &'static str,
    pub block: u64,
    pub bytes: u64,
}

const fn t(name: &'static str, block: u64, bytes: u64) -> Option<GgmlType> {
    Some(GgmlType { name, block, bytes })
}

/// Type ids that were once valid and whose support was removed from GGUF files.
pub fn removed(id: u32) -> Option<&'static str> {
    match id {
        4 => Some("Q4_2"),
        5 => Some("Q4_3"),
        31 => Some("Q4_0_4_4"),
        32 => Some("Q4_0_4_8"),
        33 => Some("Q4_0_8_8"),
        36 => Some("IQ4_NL_4_4"),
        37 => Some("IQ4_NL_4_8"),
        38 => Some("IQ4_NL_8_8"),
        _ => None,
    }
}

/// The type of this id, `None` when unknown or removed.
pub fn by_id(id: u32) -> Option<GgmlType> {
    match id {
        0 => t("F32", 1, 4),
        1 => t("F16", 1, 2),
        2 => t("Q4_0", 32, 18),
        3 => t("Q4_1", 32, 20),
        6 => t("Q5_0", 32, 22),
        7 => t("Q5_1", 32, 24),
        8 => t("Q8_0", 32, 34),
        9 => t("Q8_1", 32, 36),
        10 => t("Q2_K", 256, 84),
        11 => t("Q3_K", 256, 110),
        12 => t("Q4_K", 256, 144),
        13 => t("Q5_K", 256, 176),
        14 => t("Q6_K", 256, 210),
        15 => t("Q8_K", 256, 292),
        16 => t("IQ2_XXS", 256, 66),
        17 => t("IQ2_XS", 256, 74),
        18 => t("IQ3_XXS", 256, 98),
        19 => t("IQ1_S", 256, 50),
        20 => t("IQ4_NL", 32, 18),
        21 => t("IQ3_S", 256, 110),
        22 => t("IQ2_S", 256, 82),
        23 => t("IQ4_XS", 256, 136),
        24 => t("I8", 1, 1),
        25 => t("I16", 1, 2),
        26 => t("I32", 1, 4),
        27 => t("I64", 1, 8),
        28 => t("F64", 1, 8),
        29 => t("IQ1_M", 256, 56),
        30 => t("BF16", 1, 2),
        34 => t("TQ1_0", 256, 54),
        35 => t("TQ2_0", 256, 66),
        39 => t("MXFP4", 32, 17),
        40 => t("NVFP4", 64, 36),
        _ => None,
    }
}
