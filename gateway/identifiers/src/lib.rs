//! Check numbers of Russian identifiers, checked at the gateway's edge before any lookup.
//!
//! Each function takes the identifier as written by a person or a system and answers whether it is
//! well-formed: the right number of digits and a matching check number. Formatting characters are accepted
//! only where the identifier is customarily written with them (СНИЛС `XXX-XXX-XXX YY`).
//!
//! | identifier | digits | check |
//! |---|---|---|
//! | ОГРН | 13 | first 12 as one integer, mod 11, mod 10 = digit 13 |
//! | ОГРНИП | 15 | first 14 as one integer, mod 13, mod 10 = digit 15 |
//! | ИНН of an organisation | 10 | weights 2,4,10,3,5,9,4,6,8; sum mod 11 mod 10 = digit 10 |
//! | ИНН of a person | 12 | digit 11 from weights 7,2,4,10,3,5,9,4,6,8; digit 12 from 3,7,2,4,10,3,5,9,4,6,8 |
//! | СНИЛС | 11 | Σ dᵢ·(10−i) over 9 digits; < 100 as is, 100 and 101 → 00, else mod 101 (100 → 00) |
//!
//! СНИЛС numbers up to 001-001-998 were issued without a check number and are accepted with any.
//!
//! Layout: this one file; [`Kind`] names an identifier type for configuration (`"snils"`, `"ogrn"`, ...).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use core::fmt;

/// Why an identifier was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Wrong length, or characters other than digits (and the separators the format allows).
    Format,
    /// The check number does not match.
    CheckNumber,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Format => f.write_str("wrong format"),
            Invalid::CheckNumber => f.write_str("wrong check number"),
        }
    }
}

/// A kind of identifier, as named in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// ОГРН (13 digits).
    Ogrn,
    /// ОГРНИП (15 digits).
    Ogrnip,
    /// ОГРН or ОГРНИП, told apart by length.
    OgrnOrOgrnip,
    /// ИНН of an organisation (10 digits).
    InnOrganisation,
    /// ИНН of a person (12 digits).
    InnPerson,
    /// Either ИНН, told apart by length.
    Inn,
    /// СНИЛС (11 digits, written `XXX-XXX-XXX YY` or bare).
    Snils,
}

impl Kind {
    /// All kinds with their configuration names.
    pub const ALL: [(&'static str, Kind); 7] = [
        ("ogrn", Kind::Ogrn),
        ("ogrnip", Kind::Ogrnip),
        ("ogrn-or-ogrnip", Kind::OgrnOrOgrnip),
        ("inn-organisation", Kind::InnOrganisation),
        ("inn-person", Kind::InnPerson),
        ("inn", Kind::Inn),
        ("snils", Kind::Snils),
    ];

    /// The kind named `name` in configuration (`"snils"`, `"ogrn"`, ...).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The configuration name.
    pub fn name(self) -> &'static str {
        Kind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("unknown")
    }

    /// The Russian name used in messages to people.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Ogrn => "ОГРН",
            Kind::Ogrnip => "ОГРНИП",
            Kind::OgrnOrOgrnip => "ОГРН/ОГРНИП",
            Kind::InnOrganisation | Kind::InnPerson | Kind::Inn => "ИНН",
            Kind::Snils => "СНИЛС",
        }
    }

    /// Checks `value` as an identifier of this kind.
    pub fn check(self, value: &str) -> Result<(), Invalid> {
        match self {
            Kind::Ogrn => check_ogrn(value),
            Kind::Ogrnip => check_ogrnip(value),
            Kind::OgrnOrOgrnip => check_ogrn_or_ogrnip(value),
            Kind::InnOrganisation => check_inn_organisation(value),
            Kind::InnPerson => check_inn_person(value),
            Kind::Inn => check_inn(value),
            Kind::Snils => check_snils(value),
        }
    }
}

/// The digits of `s` if it consists of exactly `n` ASCII digits.
fn digits<const N: usize>(s: &str) -> Result<[u8; N], Invalid> {
    let b = s.as_bytes();
    if b.len() != N || !b.iter().all(u8::is_ascii_digit) {
        return Err(Invalid::Format);
    }
    let mut out = [0u8; N];
    for (o, c) in out.iter_mut().zip(b) {
        *o = c - b'0';
    }
    Ok(out)
}

/// The first `n` digits read as one integer.
fn number(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x))
}

/// Weighted sum mod 11 mod 10.
fn weighted(d: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = d.iter().zip(weights).map(|(&x, &w)| u32::from(x) * w).sum();
    (sum % 11 % 10) as u8
}

/// ОГРН: 13 digits; the first 12 as one integer, mod 11, mod 10, equal the 13th.
pub fn check_ogrn(s: &str) -> Result<(), Invalid> {
    let d = digits::<13>(s)?;
    if (number(&d[..12]) % 11 % 10) as u8 == d[12] {
        Ok(())
    } else {
        Err(Invalid::CheckNumber)
    }
}

/// ОГРНИП: 15 digits; the first 14 as one integer, mod 13, mod 10, equal the 15th.
pub fn check_ogrnip(s: &str) -> Result<(), Invalid> {
    let d = digits::<15>(s)?;
    if (number(&d[..14]) % 13 % 10) as u8 == d[14] {
        Ok(())
    } else {
        Err(Invalid::CheckNumber)
    }
}

/// ОГРН (13 digits) or ОГРНИП (15 digits).
pub fn check_ogrn_or_ogrnip(s: &str) -> Result<(), Invalid> {
    match s.len() {
        13 => check_ogrn(s),
        15 => check_ogrnip(s),
        _ => Err(Invalid::Format),
    }
}

/// ИНН of an organisation: 10 digits.
pub fn check_inn_organisation(s: &str) -> Result<(), Invalid> {
    let d = digits::<10>(s)?;
    if weighted(&d[..9], &[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9] {
        Ok(())
    } else {
        Err(Invalid::CheckNumber)
    }
}

/// ИНН of a person: 12 digits, two check digits.
pub fn check_inn_person(s: &str) -> Result<(), Invalid> {
    let d = digits::<12>(s)?;
    let c11 = weighted(&d[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
    let c12 = weighted(&d[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
    if c11 == d[10] && c12 == d[11] {
        Ok(())
    } else {
        Err(Invalid::CheckNumber)
    }
}

/// ИНН of an organisation (10 digits) or a person (12 digits).
pub fn check_inn(s: &str) -> Result<(), Invalid> {
    match s.len() {
        10 => check_inn_organisation(s),
        12 => check_inn_person(s),
        _ => Err(Invalid::Format),
    }
}

/// The 11 digits of a СНИЛС written bare (`12345678901`) or formatted (`123-456-789 01`, also with a hyphen or
/// no separator before the check number).
pub fn snils_digits(s: &str) -> Result<[u8; 11], Invalid> {
    let b = s.as_bytes();
    let bare: String = match b.len() {
        11 => return digits::<11>(s),
        14 | 13 => {
            // XXX-XXX-XXX YY | XXX-XXX-XXX-YY | XXX-XXX-XXXYY
            if b[3] != b'-' || b[7] != b'-' {
                return Err(Invalid::Format);
            }
            if b.len() == 14 && b[11] != b' ' && b[11] != b'-' {
                return Err(Invalid::Format);
            }
            s.chars().filter(|c| *c != '-' && *c != ' ').collect()
        }
        _ => return Err(Invalid::Format),
    };
    digits::<11>(&bare)
}

/// СНИЛС, bare or formatted; see the crate docs for the rule.
pub fn check_snils(s: &str) -> Result<(), Invalid> {
    let d = snils_digits(s)?;
    let body = number(&d[..9]);
    if body <= 1_001_998 {
        return Ok(());
    }
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, &x)| u32::from(x) * (9 - i as u32))
        .sum();
    let check = match sum {
        s if s < 100 => s,
        100 | 101 => 0,
        s => match s % 101 {
            100 => 0,
            r => r,
        },
    };
    if check == u32::from(d[9]) * 10 + u32::from(d[10]) {
        Ok(())
    } else {
        Err(Invalid::CheckNumber)
    }
}

/// A СНИЛС as 11 bare digits, if valid.
pub fn normalize_snils(s: &str) -> Result<String, Invalid> {
    check_snils(s)?;
    Ok(snils_digits(s)?
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect())
}

/// A СНИЛС formatted `XXX-XXX-XXX YY`, if valid.
pub fn format_snils(s: &str) -> Result<String, Invalid> {
    let d = normalize_snils(s)?;
    Ok(alloc::format!(
        "{}-{}-{} {}",
        &d[0..3],
        &d[3..6],
        &d[6..9],
        &d[9..11]
    ))
}

/// Computes the check number for the first nine digits of a СНИЛС (for making test data).
pub fn snils_check_number(first_nine: &str) -> Result<u8, Invalid> {
    let d = digits::<9>(first_nine)?;
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| u32::from(x) * (9 - i as u32))
        .sum();
    Ok(match sum {
        s if s < 100 => s as u8,
        100 | 101 => 0,
        s => (s % 101 % 100) as u8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ogrn() {
        // 1027700132195: a well-known published ОГРН (Сбербанк).
        assert_eq!(check_ogrn("1027700132195"), Ok(()));
        assert_eq!(check_ogrn("1027700132194"), Err(Invalid::CheckNumber));
        assert_eq!(check_ogrn("102770013219"), Err(Invalid::Format));
        assert_eq!(check_ogrn("10277001321a5"), Err(Invalid::Format));
    }

    #[test]
    fn ogrnip() {
        // 304500116000157: a sample ОГРНИП from public documentation.
        assert_eq!(check_ogrnip("304500116000157"), Ok(()));
        assert_eq!(check_ogrnip("304500116000158"), Err(Invalid::CheckNumber));
        assert_eq!(check_ogrn_or_ogrnip("304500116000157"), Ok(()));
        assert_eq!(check_ogrn_or_ogrnip("1027700132195"), Ok(()));
        assert_eq!(check_ogrn_or_ogrnip("12345"), Err(Invalid::Format));
    }

    #[test]
    fn inn() {
        assert_eq!(check_inn_organisation("7707083893"), Ok(()));
        assert_eq!(
            check_inn_organisation("7707083894"),
            Err(Invalid::CheckNumber)
        );
        assert_eq!(check_inn_person("500100732259"), Ok(()));
        assert_eq!(check_inn_person("500100732258"), Err(Invalid::CheckNumber));
        assert_eq!(check_inn("7707083893"), Ok(()));
        assert_eq!(check_inn("500100732259"), Ok(()));
        assert_eq!(check_inn("50010073225"), Err(Invalid::Format));
    }

    #[test]
    fn snils() {
        // 112-233-445 95: the standard worked example of the algorithm.
        assert_eq!(check_snils("112-233-445 95"), Ok(()));
        assert_eq!(check_snils("11223344595"), Ok(()));
        assert_eq!(check_snils("112-233-445-95"), Ok(()));
        assert_eq!(check_snils("112-233-445 96"), Err(Invalid::CheckNumber));
        assert_eq!(check_snils("112-233-44595x"), Err(Invalid::Format));
        assert_eq!(check_snils("112 233 445 95"), Err(Invalid::Format));
        assert_eq!(check_snils(""), Err(Invalid::Format));
        // Numbers up to 001-001-998 carry no check number.
        assert_eq!(check_snils("001-001-998 77"), Ok(()));
        assert_eq!(
            normalize_snils("112-233-445 95").as_deref(),
            Ok("11223344595")
        );
        assert_eq!(format_snils("11223344595").as_deref(), Ok("112-233-445 95"));
    }

    #[test]
    fn snils_check_number_agrees_with_check() {
        for n in [
            1_002_000u32,
            123_456_789,
            999_999_999,
            100_000_000,
            555_555_555,
            987_654_321,
        ] {
            let nine = alloc::format!("{n:09}");
            let c = snils_check_number(&nine).unwrap();
            let full = alloc::format!("{nine}{c:02}");
            assert_eq!(check_snils(&full), Ok(()), "{full}");
            let wrong = alloc::format!("{nine}{:02}", (c + 1) % 100);
            assert_eq!(check_snils(&wrong), Err(Invalid::CheckNumber), "{wrong}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for (name, kind) in Kind::ALL {
            assert_eq!(Kind::from_name(name), Some(kind));
            assert_eq!(kind.name(), name);
        }
        assert_eq!(Kind::from_name("passport"), None);
    }
}
