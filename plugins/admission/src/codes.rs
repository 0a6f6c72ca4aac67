//! Codes made of a random (version 4) UUID from the host (`host::ids::uuid`): the 8-character participant code
//! of an organisation's QR link and the 6-digit SMS code. A UUID has 122 random bits; the 120 of its 30 hex
//! digits other than the version digit and the variant digit are read as one number, which is then written in
//! the code's alphabet (the remainder's bias is negligible at 2^120).

use crate::fields::{CODE_ALPHABET, CODE_LENGTH};

/// The random bits of a UUID in hyphenated form (`None` if it is not one).
fn random_bits(uuid: &str) -> Option<u128> {
    let hex: Vec<u8> = uuid.bytes().filter(|&b| b != b'-').collect();
    if hex.len() != 32 || uuid.len() != 36 {
        return None;
    }
    // Digit 12 is the version (4); the top two bits of digit 16 the variant: both skipped.
    hex.iter()
        .enumerate()
        .filter(|&(i, _)| i != 12 && i != 16)
        .try_fold(0u128, |bits, (_, &b)| {
            Some(bits << 4 | u128::from(char::from(b).to_digit(16)?))
        })
}

/// The participant code of `uuid`: 8 characters of [`CODE_ALPHABET`].
pub fn participant_code(uuid: &str) -> Option<String> {
    let alphabet = CODE_ALPHABET.as_bytes();
    let base = alphabet.len() as u128;
    let mut bits = random_bits(uuid)?;
    let mut code = String::with_capacity(CODE_LENGTH);
    for _ in 0..CODE_LENGTH {
        code.push(char::from(alphabet[(bits % base) as usize]));
        bits /= base;
    }
    Some(code)
}

/// The 6-digit SMS code of `uuid` (leading zeros kept).
pub fn sms_code(uuid: &str) -> Option<String> {
    random_bits(uuid).map(|bits| format!("{:06}", bits % 1_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;

    const UUID: &str = "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60";

    #[test]
    fn participant_codes_use_the_alphabet_only() {
        let code = participant_code(UUID).expect("a code");
        assert_eq!(code.len(), 8);
        assert_eq!(
            fields::participant_code(&code).as_deref(),
            Some(code.as_str())
        );
        assert_eq!(
            participant_code(UUID),
            Some(code.clone()),
            "the same UUID, the same code"
        );
        let other = participant_code("3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f61").expect("a code");
        assert_ne!(other, code);
        // The lowest value writes the alphabet's first character throughout.
        assert_eq!(
            participant_code("00000000-0000-4000-8000-000000000000").as_deref(),
            Some("22222222")
        );
        for text in [
            "",
            "not-a-uuid",
            "3f2b8c1e7a4d4e2b9c3a1b2c3d4e5f60",
            "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5fzz",
        ] {
            assert_eq!(participant_code(text), None, "{text}");
        }
    }

    #[test]
    fn codes_spread_over_the_alphabet() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..2000u32 {
            let uuid = format!("{i:08x}-9e11-4c2d-a7b3-{:012x}", u64::from(i) * 0x9e37_79b9);
            seen.extend(participant_code(&uuid).expect("a code").chars());
        }
        assert_eq!(seen.into_iter().collect::<String>(), CODE_ALPHABET);
    }

    #[test]
    fn sms_codes_are_six_digits() {
        let code = sms_code(UUID).expect("a code");
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        assert_eq!(fields::sms_code(&code), Some(code));
        assert_eq!(
            sms_code("00000000-0000-4000-8000-000000000001").as_deref(),
            Some("000001"),
            "leading zeros kept"
        );
        assert_eq!(sms_code("nope"), None);
    }
}
