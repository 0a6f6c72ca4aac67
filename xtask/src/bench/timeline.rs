//! A load run's timeline as `loadgen --slice-ms` reports it: what the units that finished during an interval took,
//! and what the slowest unit of an equally long stretch of other runs takes (how long a deletion held the writers
//! in flight while it ran).

use serde::Deserialize;

/// Units binned by when they finished (`gateway_bench::timeline::Timeline`, read from loadgen's JSON).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Timeline {
    /// When slice 0 starts, ms since the Unix epoch.
    pub start_unix_ms: i64,
    /// The length of a slice, ms.
    pub slice_ms: u32,
    /// Per slice: units that finished in it.
    pub completed: Vec<u64>,
    /// Per slice: the longest latency of those units, ms.
    pub max_ms: Vec<f64>,
}

/// The slices the benchmark asks loadgen for, ms.
pub(super) const SLICE_MS: u32 = 100;

/// The units that finished during an interval ([`Timeline::in_flight`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InFlight {
    /// The longest latency among them, ms.
    pub longest_ms: f64,
    /// How many slices the interval met.
    pub slices: usize,
}

impl Timeline {
    /// The units that finished from `from_unix_ms` to `to_unix_ms` (the whole slices that meet the interval);
    /// `None` when none did.
    pub fn in_flight(&self, from_unix_ms: i64, to_unix_ms: i64) -> Option<InFlight> {
        self.in_slices(&self.met(from_unix_ms, to_unix_ms))
    }

    /// [`Timeline::in_flight`] of the same interval cut into the fewest parts of at most `max_slices` slices each,
    /// as equal as whole slices allow, in order; parts in which nothing finished are left out.
    pub fn in_flight_parts(
        &self,
        from_unix_ms: i64,
        to_unix_ms: i64,
        max_slices: usize,
    ) -> Vec<InFlight> {
        let met = self.met(from_unix_ms, to_unix_ms);
        if met.is_empty() {
            return Vec::new();
        }
        let parts = met.len().div_ceil(max_slices.max(1));
        let (base, longer) = (met.len() / parts, met.len() % parts);
        let mut start = 0;
        (0..parts)
            .filter_map(|p| {
                let len = base + usize::from(p < longer);
                let part = &met[start..start + len];
                start += len;
                self.in_slices(part)
            })
            .collect()
    }

    /// The slices (indexes) that meet the interval from `from_unix_ms` to `to_unix_ms`.
    fn met(&self, from_unix_ms: i64, to_unix_ms: i64) -> Vec<usize> {
        let slice = i64::from(self.slice_ms);
        (0..self.completed.len())
            .filter(|&i| {
                let start = self.start_unix_ms + i as i64 * slice;
                start <= to_unix_ms && start + slice > from_unix_ms
            })
            .collect()
    }

    /// The units that finished in the slices `met`; `None` when none did.
    fn in_slices(&self, met: &[usize]) -> Option<InFlight> {
        let longest_ms = met
            .iter()
            .filter(|&&i| self.completed[i] > 0)
            .map(|&i| self.max_ms[i])
            .reduce(f64::max)?;
        Some(InFlight {
            longest_ms,
            slices: met.len(),
        })
    }

    /// The longest latency in each stretch of `slices` consecutive slices where something finished (the whole
    /// run, when it is shorter).
    pub fn stretches_longest(&self, slices: usize) -> Vec<f64> {
        let n = self.completed.len();
        let k = slices.clamp(1, n.max(1));
        (0..=n.saturating_sub(k))
            .filter_map(|start| {
                (start..(start + k).min(n))
                    .filter(|&i| self.completed[i] > 0)
                    .map(|i| self.max_ms[i])
                    .reduce(f64::max)
            })
            .collect()
    }
}

/// What the longest unit of a stretch of `slices` slices typically took in `runs`: the median over all their
/// stretches of that length. Only runs at least twice as long count (a run holds two such stretches apart, so
/// the median is not just of whole runs' slowest); `None` when no run is, or nothing finished in them.
pub fn typical_stretch_longest<'a>(
    runs: impl IntoIterator<Item = &'a Timeline>,
    slices: usize,
) -> Option<f64> {
    let mut all: Vec<f64> = runs
        .into_iter()
        .filter(|t| slices.saturating_mul(2) <= t.completed.len())
        .flat_map(|t| t.stretches_longest(slices))
        .collect();
    all.sort_by(f64::total_cmp);
    all.get(all.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(longest: &[f64]) -> Timeline {
        Timeline {
            start_unix_ms: 10_000,
            slice_ms: 100,
            completed: longest.iter().map(|m| u64::from(*m > 0.0)).collect(),
            max_ms: longest.to_vec(),
        }
    }

    #[test]
    fn an_interval_is_the_longest_unit_of_the_slices_it_meets() {
        let t = timeline(&[3.0, 4.0, 5.0, 90.0, 120.0, 4.0, 6.0, 0.0, 3.0, 4.0]);
        // 10,320 to 10,410 meets slices 3 and 4.
        assert_eq!(
            t.in_flight(10_320, 10_410),
            Some(InFlight {
                longest_ms: 120.0,
                slices: 2
            })
        );
        assert_eq!(t.in_flight(20_000, 21_000), None, "nothing finished then");
        // A window ending where slice 4 starts meets it; one starting before the timeline meets slice 0.
        assert_eq!(t.in_flight(10_350, 10_400).map(|f| f.slices), Some(2));
        assert_eq!(
            t.in_flight(9_000, 10_050),
            Some(InFlight {
                longest_ms: 3.0,
                slices: 1
            })
        );
    }

    #[test]
    fn a_long_interval_is_cut_into_equal_parts_no_longer_than_asked() {
        let t = timeline(&[3.0, 4.0, 5.0, 90.0, 120.0, 4.0, 6.0, 0.0, 3.0, 4.0]);
        let longest_and_slices = |parts: Vec<InFlight>| -> Vec<(f64, usize)> {
            parts.iter().map(|p| (p.longest_ms, p.slices)).collect()
        };
        // Slices 1 to 8 (eight) in parts of at most three: three parts of 3, 3 and 2.
        assert_eq!(
            longest_and_slices(t.in_flight_parts(10_150, 10_850, 3)),
            [(90.0, 3), (120.0, 3), (3.0, 2)]
        );
        assert_eq!(
            longest_and_slices(t.in_flight_parts(10_150, 10_850, 8)),
            [(120.0, 8)],
            "short enough: one part, as in_flight"
        );
        // Slices 6 to 8 in parts of one: slice 7, where nothing finished, is left out.
        assert_eq!(
            longest_and_slices(t.in_flight_parts(10_650, 10_850, 1)),
            [(6.0, 1), (3.0, 1)]
        );
        assert_eq!(t.in_flight_parts(20_000, 21_000, 3), []);
    }

    #[test]
    fn stretches_as_long_as_the_interval_are_the_baseline() {
        let t = timeline(&[3.0, 4.0, 50.0, 2.0, 0.0, 0.0]);
        assert_eq!(t.stretches_longest(2), [4.0, 50.0, 50.0, 2.0]);
        assert_eq!(t.stretches_longest(1), [3.0, 4.0, 50.0, 2.0]);
        assert_eq!(
            t.stretches_longest(100),
            [50.0],
            "longer than the run: the run"
        );
        let u = timeline(&[1.0, 1.0, 1.0, 1.0]);
        // Stretches of two: 4, 50, 50, 2 and 1, 1, 1: the median of 1, 1, 1, 2, 4, 50, 50 is 2.
        assert_eq!(typical_stretch_longest([&t, &u], 2), Some(2.0));
        assert_eq!(
            typical_stretch_longest([&t, &u], 3),
            Some(50.0),
            "u is too short to count"
        );
        assert_eq!(
            typical_stretch_longest([&t, &u], 4),
            None,
            "no run twice as long"
        );
        assert_eq!(typical_stretch_longest([], 2), None);
    }

    #[test]
    fn loadgens_json_reads() {
        let t: Timeline = serde_json::from_str(
            r#"{"start_unix_ms":1,"slice_ms":100,"completed":[2,0],"max_ms":[1.5,0.0]}"#,
        )
        .expect("reads");
        assert_eq!(t.completed, [2, 0]);
    }
}
