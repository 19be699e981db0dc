//! Eight bytes at a time in one `u64` ("SIMD within a register"), for the
//! hot loops that class bytes: the rule layer's word masks, line keys,
//! shingle normalization, the learned strip's digit count, and the bit mask
//! of filled MinHash bins.
//!
//! A byte class is the top bit of each byte of a word ([`bytes_in`]);
//! [`gather`] packs those eight bits into the low bits of an integer, bit
//! `i` for byte `i` (little-endian loads).

/// `0x01` in every byte.
pub(crate) const LO: u64 = u64::from_le_bytes([0x01; 8]);
/// `0x80` in every byte: the top bits.
pub(crate) const HI: u64 = u64::from_le_bytes([0x80; 8]);

/// The top bit of each byte of `x` that lies in `lo..=hi` (both ASCII,
/// `hi < 0x80`); bytes of `0x80` and above never match.
///
/// Range tests on the low seven bits: `v + (0x80 - lo)` sets a byte's top
/// bit exactly when `v >= lo`, and `v + (0x7f - hi)` exactly when
/// `v > hi`; a 7-bit value plus at most `0x80` cannot carry into the next
/// byte.
#[inline]
pub(crate) fn bytes_in(x: u64, lo: u8, hi: u8) -> u64 {
    let low = x & !HI;
    let at_least_lo = low + LO * u64::from(0x80 - lo);
    let above_hi = low + LO * u64::from(0x7f - hi);
    at_least_lo & !above_hi & !x & HI
}

/// The top bits of `x`'s ASCII letters, either case (bit 5 set folds
/// `A-Z` onto `a-z` and moves no other byte into that range).
#[inline]
pub(crate) fn letters(x: u64) -> u64 {
    bytes_in(x | (LO * 0x20), b'a', b'z')
}

/// The top bits of `x`'s ASCII digits.
#[inline]
pub(crate) fn digits(x: u64) -> u64 {
    bytes_in(x, b'0', b'9')
}

/// The top bit of byte `i` of `top` as bit `i` of the result (`top` has no
/// other bits set): the multiply moves byte `i`'s low bit to bit `56 + i`.
#[inline]
pub(crate) fn gather(top: u64) -> u32 {
    ((top >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_agree_with_std_for_every_byte_in_every_lane() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                // Neighbours on either side of every range, so that a carry
                // or borrow between lanes would show.
                for fill in [0u8, b'@', b'[', b'`', b'{', b'/', b':', 0x7f, 0x80, 0xff] {
                    let mut bytes = [fill; 8];
                    bytes[lane] = b;
                    let x = u64::from_le_bytes(bytes);
                    let bit = |top: u64| gather(top) >> lane & 1 == 1;
                    assert_eq!(bit(letters(x)), b.is_ascii_alphabetic(), "{b} in {lane}");
                    assert_eq!(bit(digits(x)), b.is_ascii_digit(), "{b} in {lane}");
                    assert_eq!(bit(bytes_in(x, b'_', b'_')), b == b'_', "{b} in {lane}");
                    assert_eq!(
                        bit(bytes_in(x, b'\t', b'\r')),
                        (b'\t'..=b'\r').contains(&b),
                        "{b} in {lane}"
                    );
                }
            }
        }
    }

    #[test]
    fn gather_keeps_byte_order() {
        for m in 0..=255u32 {
            let mut bytes = [0u8; 8];
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = if m >> i & 1 == 1 { 0x80 } else { 0 };
            }
            assert_eq!(gather(u64::from_le_bytes(bytes)), m);
        }
    }
}
