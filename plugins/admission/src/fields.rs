//! Checks of what people type: organisation identifiers (the SDK's check numbers), СНИЛС, phones, e-mail
//! addresses, texts, participant codes, SMS codes, case ids. Each answers the canonical form, or [`Invalid`]
//! with the answer's `Result` code and a Russian message naming the field (by its element name).

use gateway_plugin_sdk::identifiers;

use crate::messages::{INVALID_FIELD, INVALID_INN, INVALID_OGRN, INVALID_SNILS};

/// A refused field: the answer's `Result` and `Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub result: &'static str,
    pub message: String,
}

impl Invalid {
    /// An `INVALID_FIELD` of `field` (its element name) with `why`.
    pub fn field(field: &str, why: &str) -> Invalid {
        Invalid {
            result: INVALID_FIELD,
            message: format!("{why} (поле {field})"),
        }
    }
}

/// The alphabet of participant codes: digits and capital Latin letters that cannot be taken for another
/// (no 0, 1, I, L, O).
pub const CODE_ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// The length of participant codes.
pub const CODE_LENGTH: usize = 8;

/// A text field: trimmed, non-empty, at most `max` characters, without control characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::field(field, "Поле не заполнено"));
    }
    if value.chars().count() > max {
        return Err(Invalid::field(
            field,
            &format!("Текст длиннее {max} символов"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::field(field, "Текст содержит управляющие символы"));
    }
    Ok(value.to_owned())
}

/// ОГРН with ИНН of an organisation, or ОГРНИП with ИНН of a sole trader: check numbers and the pair.
pub fn organisation_ids(ogrn: &str, inn: &str) -> Result<(String, String), Invalid> {
    let (ogrn, inn) = (ogrn.trim(), inn.trim());
    identifiers::check_ogrn_or_ogrnip(ogrn).map_err(|_| Invalid {
        result: INVALID_OGRN,
        message:
            "ОГРН (13 цифр) или ОГРНИП (15 цифр) указан неверно: не сходится контрольное число"
                .into(),
    })?;
    identifiers::check_inn(inn).map_err(|_| Invalid {
        result: INVALID_INN,
        message: "ИНН (10 или 12 цифр) указан неверно: не сходится контрольное число".into(),
    })?;
    match (ogrn.len(), inn.len()) {
        (13, 10) | (15, 12) => Ok((ogrn.to_owned(), inn.to_owned())),
        _ => Err(Invalid {
            result: INVALID_INN,
            message: "ИНН не соответствует ОГРН: у организации ОГРН из 13 цифр и ИНН из 10, у индивидуального \
                      предпринимателя ОГРНИП из 15 цифр и ИНН из 12"
                .into(),
        }),
    }
}

/// A СНИЛС as 11 digits.
pub fn snils(value: &str) -> Result<String, Invalid> {
    identifiers::normalize_snils(value.trim()).map_err(|_| Invalid {
        result: INVALID_SNILS,
        message: "СНИЛС указан неверно: не сходится контрольное число".into(),
    })
}

/// The ten national digits of a Russian number written any usual way (`+7 …`, `8 …`, ten digits; spaces,
/// dashes, brackets).
fn national(phone: &str) -> Option<String> {
    let phone = phone.trim();
    if phone.is_empty()
        || !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
    {
        return None;
    }
    let plus = phone.starts_with('+');
    if phone[usize::from(plus)..].contains('+') {
        return None;
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        11 if digits.starts_with('7') || (!plus && digits.starts_with('8')) => {
            Some(digits[1..].to_owned())
        }
        10 if !plus => Some(digits),
        _ => None,
    }
}

/// A Russian mobile number as `+79XXXXXXXXX`, or `None`.
pub fn mobile(phone: &str) -> Option<String> {
    national(phone)
        .filter(|n| n.starts_with('9'))
        .map(|n| format!("+7{n}"))
}

/// A Russian number (mobile, or geographic and free-phone codes 3xx, 4xx, 8xx) as `+7XXXXXXXXXX`, or `None`.
pub fn phone(phone: &str) -> Option<String> {
    national(phone)
        .filter(|n| n.starts_with(['3', '4', '8', '9']))
        .map(|n| format!("+7{n}"))
}

/// The mobile number of field `field`.
pub fn mobile_field(field: &str, value: &str) -> Result<String, Invalid> {
    mobile(value).ok_or_else(|| {
        Invalid::field(
            field,
            "Укажите номер мобильного телефона в формате +7 9XX XXX-XX-XX",
        )
    })
}

/// The e-mail address of field `field`.
pub fn email_field(field: &str, value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if is_email(value) {
        Ok(value.to_owned())
    } else {
        Err(Invalid::field(
            field,
            "Адрес электронной почты указан неверно",
        ))
    }
}

/// Whether `address` is a plain e-mail address: `local@domain.tld` in ASCII, at most 254 characters, a local
/// part of letters, digits and `!#$%&'*+/=?^_`{|}~.-` (no dot first, last or twice), a domain of at least two
/// labels of letters, digits and inner hyphens, ending in a top-level domain of letters (or `xn--…`).
pub fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let tld_ok = labels.last().is_some_and(|tld| {
        (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())) || tld.starts_with("xn--")
    });
    address.len() <= 254 && local_ok && labels_ok && tld_ok
}

/// A participant code as typed or scanned (either case, surrounding white space): its canonical upper-case
/// form, if it is one.
pub fn participant_code(value: &str) -> Option<String> {
    let code = value.trim().to_ascii_uppercase();
    (code.len() == CODE_LENGTH && code.chars().all(|c| CODE_ALPHABET.contains(c))).then_some(code)
}

/// An optional field as given: trimmed, none when absent or blank.
pub fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// An SMS code as typed (spaces and dashes between digits allowed): its six digits, if it is one.
pub fn sms_code(value: &str) -> Option<String> {
    let value = value.trim();
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return None;
    }
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 6).then_some(digits)
}

/// A case id: 1 to 64 characters of Latin letters, digits, `.`, `_`, `:` and `-` (it becomes part of keys).
pub fn case_id(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:_-".contains(&b));
    ok.then(|| value.to_owned()).ok_or_else(|| {
        Invalid::field(
            "CaseId",
            "Номер случая: от 1 до 64 латинских букв, цифр и знаков . _ : -",
        )
    })
}

/// A mobile number (`+79161234567`) masked but for its last two digits: `+7 9** ***-**-67`.
pub fn mask(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.as_slice() {
        [_, first, .., a, b] if digits.len() == 11 => {
            format!("+7 {first}** ***-**-{a}{b}")
        }
        _ => "+7 *** ***-**-**".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_in_their_usual_spellings() {
        for spelling in [
            "+7 999 123-45-67",
            "89991234567",
            "8 (999) 123 45 67",
            "9991234567",
            " +79991234567 ",
        ] {
            assert_eq!(
                mobile(spelling).as_deref(),
                Some("+79991234567"),
                "{spelling}"
            );
        }
        for bad in [
            "+7 495 123-45-67",
            "12345",
            "+7 999 123-45-6x",
            "+1 999 123 4567",
            "+8 999 123 45 67",
            "7+9991234567",
            "+9991234567",
            "",
            "８９９９１２３４５６７",
        ] {
            assert_eq!(mobile(bad), None, "{bad}");
        }
        assert_eq!(phone("8 (8652) 23-45-67").as_deref(), Some("+78652234567"));
        assert_eq!(phone("+7 800 100-00-00").as_deref(), Some("+78001000000"));
        assert_eq!(phone("+7 700 123-45-67"), None, "Kazakhstan");
        assert_eq!(phone("+7 999 123 45 67").as_deref(), Some("+79991234567"));
    }

    #[test]
    fn masks_keep_only_the_last_two_digits() {
        assert_eq!(mask("+79161234567"), "+7 9** ***-**-67");
        assert_eq!(mask("+79990000012"), "+7 9** ***-**-12");
        assert!(!mask("+79161234567").contains("1234"));
        assert_eq!(mask("x"), "+7 *** ***-**-**");
    }

    #[test]
    fn e_mail_addresses() {
        for good in [
            "info@example.ru",
            "a.b+c@mail.stavregion.ru",
            "x_y-z@sub-domain.example.com",
            "i@xn--80ak6aa92e.xn--p1ai",
        ] {
            assert!(is_email(good), "{good}");
            assert_eq!(
                email_field("Email", &format!(" {good} ")).as_deref(),
                Ok(good)
            );
        }
        for bad in [
            "",
            "info",
            "info@",
            "@example.ru",
            "info@example",
            "info@@example.ru",
            "in fo@example.ru",
            ".info@example.ru",
            "in..fo@example.ru",
            "info@-example.ru",
            "info@example.r",
            "info@example.123",
            "инфо@пример.рф",
            "info@example.ru\r\nBcc: x@y.ru",
            "a@b.ru,c@d.ru",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        let refused = email_field("Email", "nope").expect_err("invalid");
        assert_eq!(refused.result, INVALID_FIELD);
        assert!(refused.message.contains("Email"), "{}", refused.message);
    }

    #[test]
    fn organisation_identifiers_and_their_pairs() {
        assert_eq!(
            organisation_ids(" 1027700132195 ", "7707083893"),
            Ok(("1027700132195".into(), "7707083893".into()))
        );
        let ogrnip = "304500116000157";
        let inn_person = "500100732259";
        assert!(organisation_ids(ogrnip, inn_person).is_ok());
        let result = |ogrn: &str, inn: &str| organisation_ids(ogrn, inn).map_err(|e| e.result);
        assert_eq!(result("1027700132196", "7707083893"), Err(INVALID_OGRN));
        assert_eq!(result("102770013219", "7707083893"), Err(INVALID_OGRN));
        assert_eq!(result("1027700132195", "7707083894"), Err(INVALID_INN));
        assert_eq!(
            result("1027700132195", inn_person),
            Err(INVALID_INN),
            "13 + 12"
        );
        assert_eq!(result(ogrnip, "7707083893"), Err(INVALID_INN), "15 + 10");
    }

    #[test]
    fn snils_texts_and_codes() {
        assert_eq!(snils("112-233-445 95").as_deref(), Ok("11223344595"));
        assert_eq!(
            snils("112-233-445 96").map_err(|e| e.result),
            Err(INVALID_SNILS)
        );
        assert_eq!(
            text("Address", "  Ставрополь  ", 10).as_deref(),
            Ok("Ставрополь")
        );
        for (value, why) in [
            ("   ", "не заполнено"),
            ("Ставрополь, ул. Ленина", "длиннее"),
            ("a\u{0}b", "управляющие"),
        ] {
            let refused = text("Address", value, 10).expect_err(value);
            assert!(
                refused.message.contains(why) && refused.message.contains("Address"),
                "{}",
                refused.message
            );
        }
        assert_eq!(participant_code(" 7kx2m9qd ").as_deref(), Some("7KX2M9QD"));
        for bad in [
            "7KX2M9Q",
            "7KX2M9QD1",
            "7KX2M9Q0",
            "7KX2M9QI",
            "7KX2M9QL",
            "7KX2M9QO",
            "7KX2M9Q/",
            "ЖKX2M9QD",
        ] {
            assert_eq!(participant_code(bad), None, "{bad}");
        }
        assert_eq!(sms_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(sms_code("123-456").as_deref(), Some("123456"));
        for bad in ["12345", "1234567", "12345a", "", "１２３４５６"] {
            assert_eq!(sms_code(bad), None, "{bad}");
        }
        assert_eq!(
            case_id(" COVID-2026:0042 ").as_deref(),
            Ok("COVID-2026:0042")
        );
        for bad in ["", "a/b", "случай", &"x".repeat(65)] {
            assert!(case_id(bad).is_err(), "{bad}");
        }
    }
}
