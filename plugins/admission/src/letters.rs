//! What people read outside the answers: the letter with an organisation's QR code, the notices to contacts of a
//! case (a letter or an SMS), and the SMS with a visitor's code. All in Russian; a notice never names the ill
//! person, nor the diagnosis.

use gateway_plugin_sdk::date::{Date, MOSCOW_OFFSET_SECS};

/// The subject of the letter with the organisation's QR code.
pub const QR_SUBJECT: &str = "QR-код организации для системы допуска";

/// The subject of a notice to a contact.
pub const NOTICE_SUBJECT: &str = "Возможный контакт с заболевшим";

/// The longest SMS notice.
pub const SMS_MAX: usize = 160;

/// The longest organisation name an SMS quotes in full.
const SMS_NAME_MAX: usize = 60;

/// An instant in Moscow time, `dd.mm.yyyy HH:MM`.
pub fn moscow_time(unix_ms: u64) -> String {
    let date = Date::moscow(unix_ms);
    let offset = u64::try_from(MOSCOW_OFFSET_SECS).unwrap_or(0);
    let seconds = (unix_ms / 1000 + offset) % 86_400;
    format!(
        "{:02}.{:02}.{} {:02}:{:02}",
        date.day,
        date.month,
        date.year,
        seconds / 3600,
        seconds % 3600 / 60
    )
}

/// The letter that brings a registered organisation its QR code (attached as `qr-<code>.png`).
pub fn qr_letter(name: &str, link: &str, code: &str) -> String {
    format!(
        "Здравствуйте!\n\
         \n\
         Организация «{name}» зарегистрирована в региональной системе допуска по QR-кодам.\n\
         \n\
         QR-код организации — во вложении (файл qr-{code}.png). Он ведёт на страницу регистрации посещения:\n\
         {link}\n\
         \n\
         Как им пользоваться:\n\
         1. Распечатайте QR-код и разместите его на входе, на видном месте.\n\
         2. Посетитель сканирует QR-код камерой телефона, на открывшейся странице вводит номер мобильного \
         телефона и нажимает «Отправить».\n\
         3. Посетителю приходит SMS с кодом. Он показывает код сотруднику на входе.\n\
         4. Сотрудник проверяет код в системе допуска: система отвечает, можно ли допустить посетителя, и \
         регистрирует посещение.\n\
         \n\
         Посетитель с персональным QR-кодом показывает его сотруднику, сотрудник сканирует его.\n\
         \n\
         Код организации в системе допуска: {code}.\n\
         \n\
         Письмо отправлено автоматически, отвечать на него не нужно.\n"
    )
}

/// A contact's visit as a notice names it: the organisation and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub organisation: String,
    /// Unix ms.
    pub at: u64,
}

/// The letter to a contact: where and when they may have met the ill person, and what to do.
pub fn notice_letter(places: &[Place]) -> String {
    let visits: String = places
        .iter()
        .map(|place| {
            format!(
                "— «{}», {} (время московское)\n",
                place.organisation,
                moscow_time(place.at)
            )
        })
        .collect();
    format!(
        "Здравствуйте!\n\
         \n\
         По сведениям органов здравоохранения, в то же время, что и вы, в организации находился посетитель, у \
         которого позднее подтверждено заболевание. Ваше посещение:\n\
         {visits}\
         \n\
         Пожалуйста, внимательно следите за своим самочувствием. При появлении симптомов (повышение \
         температуры, кашель, слабость) оставайтесь дома и вызовите врача.\n\
         \n\
         Письмо отправлено автоматически региональной системой допуска, отвечать на него не нужно.\n"
    )
}

/// The SMS to a contact (at most [`SMS_MAX`] characters): the first visit, and that there are more.
pub fn notice_sms(places: &[Place]) -> String {
    let Some(first) = places.first() else {
        return "Возможен контакт с заболевшим. Следите за здоровьем, при симптомах вызовите врача.".into();
    };
    let more = if places.len() > 1 { " и др." } else { "" };
    let text = |name: &str| {
        format!(
            "Возможен контакт с заболевшим: «{name}», {}{more}. Следите за здоровьем, при симптомах вызовите врача.",
            moscow_time(first.at)
        )
    };
    let mut name = shortened(&first.organisation, SMS_NAME_MAX);
    while text(&name).chars().count() > SMS_MAX {
        let keep = name.chars().count().saturating_sub(2);
        name = shortened(&name, keep);
    }
    text(&name)
}

/// The SMS with a visitor's code.
pub fn code_sms(name: &str, code: &str, minutes: u64) -> String {
    format!(
        "Код для входа в «{}»: {code}. Действует {minutes} мин.",
        shortened(name, SMS_NAME_MAX)
    )
}

/// `text` cut to at most `max` characters, ending with `…` when cut.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-05T11:30:00Z: 14:30 in Moscow.
    const AT: u64 = 1_796_470_200_000;

    fn place(name: &str) -> Place {
        Place {
            organisation: name.into(),
            at: AT,
        }
    }

    #[test]
    fn times_are_moscow_times() {
        assert_eq!(moscow_time(AT), "05.12.2026 14:30");
        assert_eq!(
            moscow_time(AT + 10 * 3_600_000),
            "06.12.2026 00:30",
            "past midnight in Moscow"
        );
        assert_eq!(moscow_time(0), "01.01.1970 03:00");
    }

    #[test]
    fn the_qr_letter_explains_what_to_do() {
        let letter = qr_letter("ООО «Стадион»", "https://x/admission/7KX2M9QD", "7KX2M9QD");
        for text in [
            "«ООО «Стадион»»",
            "https://x/admission/7KX2M9QD",
            "qr-7KX2M9QD.png",
            "на входе",
            "номер мобильного телефона",
            "«Отправить»",
            "SMS с кодом",
            "сотруднику",
        ] {
            assert!(letter.contains(text), "{text:?} in {letter}");
        }
    }

    #[test]
    fn notices_name_the_place_and_time_never_the_ill_person() {
        let letter = notice_letter(&[place("Театр драмы"), place("Кинотеатр «Салют»")]);
        assert!(
            letter.contains("— «Театр драмы», 05.12.2026 14:30 (время московское)"),
            "{letter}"
        );
        assert!(letter.contains("Кинотеатр «Салют»"), "{letter}");
        assert!(
            letter.contains("вызовите врача") && letter.contains("самочувствием"),
            "{letter}"
        );
        let sms = notice_sms(&[place("Театр драмы")]);
        assert_eq!(
            sms,
            "Возможен контакт с заболевшим: «Театр драмы», 05.12.2026 14:30. Следите за здоровьем, при симптомах вызовите врача."
        );
        let long = notice_sms(&[
            place(&"Очень длинное название организации ".repeat(8)),
            place("Б"),
        ]);
        assert!(
            long.chars().count() <= SMS_MAX,
            "{} chars: {long}",
            long.chars().count()
        );
        assert!(long.contains("…") && long.contains(" и др."), "{long}");
        assert!(notice_sms(&[]).chars().count() <= SMS_MAX);
    }

    #[test]
    fn the_code_sms_says_how_long_it_is_valid() {
        assert_eq!(
            code_sms("Театр драмы", "012345", 10),
            "Код для входа в «Театр драмы»: 012345. Действует 10 мин."
        );
        let long = code_sms(&"Т".repeat(100), "012345", 10);
        assert!(long.contains(&format!("«{}…»", "Т".repeat(59))), "{long}");
        assert_eq!(shortened("Театр  драмы", 7), "Театр…");
    }
}
