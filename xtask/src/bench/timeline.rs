//! A load run's timeline as `loadgen --slice-ms` reports it, and what the units that finished during an interval
//! took against the rest of the run: how long a deletion held the writers in flight while it ran.

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

/// What the units that finished during an interval took ([`Timeline::during`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct During {
    /// The longest latency of the units that finished in the interval, ms.
    pub longest_ms: f64,
    /// The median over the run's other slices of their longest latency, ms: what a slice's slowest unit takes
    /// when nothing else happens.
    pub typical_longest_ms: f64,
}

impl During {
    /// How much longer the interval's slowest unit took than a slice's slowest usually does, ms.
    pub fn held_ms(&self) -> f64 {
        self.longest_ms - self.typical_longest_ms
    }
}

impl Timeline {
    /// The units that finished from `from_unix_ms` to `to_unix_ms` (the whole slices that meet the interval)
    /// against the other slices where something finished. `None` when nothing finished in the interval, or
    /// nothing outside it.
    pub fn during(&self, from_unix_ms: i64, to_unix_ms: i64) -> Option<During> {
        let slice = i64::from(self.slice_ms);
        let (mut inside, mut outside) = (None::<f64>, Vec::new());
        for (i, (n, m)) in self.completed.iter().zip(&self.max_ms).enumerate() {
            if *n == 0 {
                continue;
            }
            let start = self.start_unix_ms + i as i64 * slice;
            if start <= to_unix_ms && start + slice > from_unix_ms {
                inside = Some(inside.map_or(*m, |x: f64| x.max(*m)));
            } else {
                outside.push(*m);
            }
        }
        outside.sort_by(f64::total_cmp);
        let typical_longest_ms = *outside.get(outside.len() / 2)?;
        Some(During {
            longest_ms: inside?,
            typical_longest_ms,
        })
    }
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
    fn an_interval_is_its_slices_longest_against_the_median_of_the_others() {
        let t = timeline(&[3.0, 4.0, 5.0, 90.0, 120.0, 4.0, 6.0, 0.0, 3.0, 4.0]);
        // 10,320 to 10,410 meets slices 3 and 4.
        let d = t.during(10_320, 10_410).expect("units in and outside");
        assert_eq!(d.longest_ms, 120.0);
        // The others where something finished: 3, 3, 4, 4, 4, 5, 6 (slice 7 is empty): the median is 4.
        assert_eq!(d.typical_longest_ms, 4.0);
        assert_eq!(d.held_ms(), 116.0);
        assert_eq!(t.during(20_000, 21_000), None, "nothing finished then");
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
