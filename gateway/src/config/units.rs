//! Human-friendly units in the config file: durations (`"500ms"`, `"5m"`, `"1h30m"`, `"90d"`) and byte sizes
//! (`"64MiB"`, `"10MB"`, `"4096"`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A duration written as one or more `<number><unit>` parts: `ms`, `s`, `m`, `h`, `d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dur(pub Duration);

impl Dur {
    /// From milliseconds.
    pub const fn ms(ms: u64) -> Dur {
        Dur(Duration::from_millis(ms))
    }
    /// From seconds.
    pub const fn secs(s: u64) -> Dur {
        Dur(Duration::from_secs(s))
    }
    /// From minutes.
    pub const fn mins(m: u64) -> Dur {
        Dur(Duration::from_secs(m * 60))
    }
    /// From hours.
    pub const fn hours(h: u64) -> Dur {
        Dur(Duration::from_secs(h * 3600))
    }
    /// From days.
    pub const fn days(d: u64) -> Dur {
        Dur(Duration::from_secs(d * 86_400))
    }
    /// The duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

impl FromStr for Dur {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty duration".into());
        }
        let mut total = Duration::ZERO;
        let mut rest = s;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(format!(
                    "`{s}` is not a duration: expected a number, e.g. `500ms`, `5m`, `1h30m`"
                ));
            }
            let n: u64 = rest[..digits]
                .parse()
                .map_err(|_| format!("`{s}`: number too large"))?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let part = match unit {
                "ms" => Duration::from_millis(n),
                "s" => Duration::from_secs(n),
                "m" | "min" => Duration::from_secs(n.saturating_mul(60)),
                "h" => Duration::from_secs(n.saturating_mul(3600)),
                "d" => Duration::from_secs(n.saturating_mul(86_400)),
                "" => return Err(format!("`{s}`: a unit is required (ms, s, m, h, d)")),
                other => {
                    return Err(format!(
                        "`{s}`: unknown unit `{other}` (use ms, s, m, h, d)"
                    ));
                }
            };
            total = total.saturating_add(part);
        }
        Ok(Dur(total))
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        const UNITS: [(u128, &str); 4] = [
            (86_400_000, "d"),
            (3_600_000, "h"),
            (60_000, "m"),
            (1000, "s"),
        ];
        if ms == 0 {
            return f.write_str("0s");
        }
        for (size, unit) in UNITS {
            if ms.is_multiple_of(size) {
                return write!(f, "{}{unit}", ms / size);
            }
        }
        write!(f, "{ms}ms")
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"500ms\", \"5m\" or \"24h\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
                Err(E::custom(format!(
                    "`{v}`: write durations with a unit, e.g. \"{v}s\" or \"{v}ms\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A size in bytes: a bare number, or a number with `B`, `KB`/`KiB`, `MB`/`MiB`, `GB`/`GiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// From mebibytes.
    pub const fn mib(n: u64) -> ByteSize {
        ByteSize(n * 1024 * 1024)
    }
    /// From kibibytes.
    pub const fn kib(n: u64) -> ByteSize {
        ByteSize(n * 1024)
    }
    /// The size in bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }
    /// The size in bytes, as usize (saturating).
    pub fn as_usize(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        if split == 0 {
            return Err(format!(
                "`{s}` is not a size: expected e.g. `64MiB`, `512KiB`, `4096`"
            ));
        }
        let n: u64 = t[..split]
            .parse()
            .map_err(|_| format!("`{s}`: number too large"))?;
        let mult: u64 = match t[split..].trim() {
            "" | "B" => 1,
            "KB" => 1000,
            "KiB" => 1024,
            "MB" => 1000 * 1000,
            "MiB" => 1024 * 1024,
            "GB" => 1000 * 1000 * 1000,
            "GiB" => 1024 * 1024 * 1024,
            other => {
                return Err(format!(
                    "`{s}`: unknown unit `{other}` (use B, KiB, MiB, GiB, KB, MB, GB)"
                ));
            }
        };
        n.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("`{s}`: too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
        for (size, unit) in UNITS {
            if self.0 >= size && self.0.is_multiple_of(size) {
                return write!(f, "{}{unit}", self.0 / size);
            }
        }
        write!(f, "{}B", self.0)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as \"64MiB\" or a number of bytes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!("500ms".parse::<Dur>().unwrap(), Dur::ms(500));
        assert_eq!("5m".parse::<Dur>().unwrap(), Dur::mins(5));
        assert_eq!("1h30m".parse::<Dur>().unwrap(), Dur::mins(90));
        assert_eq!("90d".parse::<Dur>().unwrap(), Dur::days(90));
        assert!("5".parse::<Dur>().unwrap_err().contains("unit"));
        assert!("5y".parse::<Dur>().unwrap_err().contains("unknown unit"));
        assert!("".parse::<Dur>().is_err());
        assert!("m5".parse::<Dur>().is_err());
        assert_eq!(Dur::mins(90).to_string(), "90m");
        assert_eq!(Dur::ms(1500).to_string(), "1500ms");
        assert_eq!(Dur::days(1).to_string(), "1d");
    }

    #[test]
    fn sizes() {
        assert_eq!("64MiB".parse::<ByteSize>().unwrap(), ByteSize::mib(64));
        assert_eq!("10MB".parse::<ByteSize>().unwrap(), ByteSize(10_000_000));
        assert_eq!("4096".parse::<ByteSize>().unwrap(), ByteSize(4096));
        assert!("4 parsecs".parse::<ByteSize>().is_err());
        assert_eq!(ByteSize::mib(64).to_string(), "64MiB");
        assert_eq!(ByteSize(1000).to_string(), "1000B");
    }
}
