//! Invented identifiers with valid check numbers (DESIGN.md §5), random for every test run, and today's date
//! in Europe/Moscow. Nothing here belongs to a real person or organisation: the numbers are drawn at random.

use std::time::{SystemTime, UNIX_EPOCH};

fn random_digits(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    openssl::rand::rand_bytes(&mut bytes).expect("random bytes");
    bytes.iter().map(|b| char::from(b'0' + b % 10)).collect()
}

/// `count` random digits whose first is not zero.
fn leading(count: usize) -> String {
    let mut digits = random_digits(count);
    if digits.starts_with('0') {
        digits.replace_range(0..1, "7");
    }
    digits
}

fn weighted(digits: &str, weights: &[u32]) -> u32 {
    digits
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum::<u32>()
        % 11
        % 10
}

/// A ОГРН: 13 digits, the 13th is the first twelve mod 11 mod 10.
pub fn ogrn() -> String {
    let body = format!("1{}", random_digits(11));
    let check = body.parse::<u64>().expect("digits") % 11 % 10;
    format!("{body}{check}")
}

/// A ОГРНИП: 15 digits, the 15th is the first fourteen mod 13 mod 10.
pub fn ogrnip() -> String {
    let body = format!("3{}", random_digits(13));
    let check = body.parse::<u64>().expect("digits") % 13 % 10;
    format!("{body}{check}")
}

/// An organisation's ИНН: 10 digits.
pub fn inn_organisation() -> String {
    let body = leading(9);
    let check = weighted(&body, &[2, 4, 10, 3, 5, 9, 4, 6, 8]);
    format!("{body}{check}")
}

/// A person's ИНН: 12 digits.
pub fn inn_person() -> String {
    let body = leading(10);
    let first = weighted(&body, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
    let body = format!("{body}{first}");
    let second = weighted(&body, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
    format!("{body}{second}")
}

/// A СНИЛС written `XXX-XXX-XXX YY`, above 001-001-998 so that its check number counts.
pub fn snils() -> String {
    let body = format!(
        "{}{}",
        2 + random_digits(1).parse::<u8>().expect("digit") % 7,
        random_digits(8)
    );
    let check = ru_identifiers::snils_check_number(&body).expect("nine digits");
    format!("{}-{}-{} {check:02}", &body[0..3], &body[3..6], &body[6..9])
}

/// The digits of an identifier.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The same identifier with its last digit changed: it fails its check number.
pub fn broken(identifier: &str) -> String {
    let mut chars: Vec<char> = identifier.chars().collect();
    if let Some(last) = chars.iter_mut().rev().find(|c| c.is_ascii_digit()) {
        *last = char::from(b'0' + (last.to_digit(10).expect("digit") as u8 + 1) % 10);
    }
    chars.into_iter().collect()
}

/// The date `offset_days` from today in Europe/Moscow (UTC+3, no daylight saving time), `YYYY-MM-DD`.
pub fn moscow_date(offset_days: i64) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    let days = (secs + 3 * 3600).div_euclid(86_400) + offset_days;
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day) (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ru_identifiers::Kind;

    #[test]
    fn generated_identifiers_pass_their_check_numbers_and_broken_ones_fail() {
        for _ in 0..200 {
            for (kind, value) in [
                (Kind::Ogrn, ogrn()),
                (Kind::Ogrnip, ogrnip()),
                (Kind::InnOrganisation, inn_organisation()),
                (Kind::InnPerson, inn_person()),
                (Kind::Snils, snils()),
            ] {
                assert_eq!(kind.check(&value), Ok(()), "{kind:?} {value}");
                assert!(kind.check(&broken(&value)).is_err(), "{kind:?} {value}");
            }
        }
    }

    #[test]
    fn dates_are_calendar_days() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(11_016), (2000, 2, 29));
        let today = moscow_date(0);
        assert_eq!(today.len(), 10);
        assert!(moscow_date(-1) < today && today < moscow_date(1));
    }
}
