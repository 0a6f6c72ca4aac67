//! `ids`: random UUIDs and the clock.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::bindings::smev_gateway::plugin::ids::Host;
use crate::state::StoreState;

impl Host for StoreState {
    fn uuid(&mut self) -> String {
        uuid::Uuid::new_v4().hyphenated().to_string()
    }

    fn now_ms(&mut self) -> u64 {
        now_ms()
    }
}

/// Now, unix milliseconds (0 if the clock is before 1970).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::now_ms;

    #[test]
    fn the_clock_is_after_2024() {
        assert!(now_ms() > 1_704_067_200_000);
    }
}
