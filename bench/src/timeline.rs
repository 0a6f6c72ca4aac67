//! A run's timeline: for each slice of its measured time, how many units finished in it and the longest of them.
//! It shows what a single histogram hides, such as which requests were in flight while something else (a
//! deletion, a checkpoint) happened, and how long those took.

use serde::{Deserialize, Serialize};

/// Units binned by when they finished, in slices of `slice_ms` from `start_unix_ms` (the start of the measured
/// time, milliseconds since the Unix epoch by the load generator's clock).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// When slice 0 starts, ms since the Unix epoch.
    pub start_unix_ms: i64,
    /// The length of a slice, ms.
    pub slice_ms: u32,
    /// Per slice: units that finished in it.
    pub completed: Vec<u64>,
    /// Per slice: the longest latency of those units, ms (0 when none finished).
    pub max_ms: Vec<f64>,
}

impl Timeline {
    /// An empty timeline of `slices` slices.
    pub fn new(start_unix_ms: i64, slice_ms: u32, slices: usize) -> Timeline {
        Timeline {
            start_unix_ms,
            slice_ms,
            completed: vec![0; slices],
            max_ms: vec![0.0; slices],
        }
    }

    /// Records a unit that finished `finished_after_ms` into the measured time and took `latency_ms`; a unit
    /// past the last slice goes into the last.
    pub fn record(&mut self, finished_after_ms: f64, latency_ms: f64) {
        let Some(last) = self.completed.len().checked_sub(1) else {
            return;
        };
        let i = ((finished_after_ms.max(0.0) / f64::from(self.slice_ms)) as usize).min(last);
        self.completed[i] += 1;
        self.max_ms[i] = self.max_ms[i].max(latency_ms);
    }

    /// Adds `other`'s units (same start, slice and length) to this one.
    pub fn merge(&mut self, other: &Timeline) {
        for (i, (n, m)) in other.completed.iter().zip(&other.max_ms).enumerate() {
            if let Some(c) = self.completed.get_mut(i) {
                *c += n;
                self.max_ms[i] = self.max_ms[i].max(*m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_land_in_the_slice_they_finished_in_and_late_ones_in_the_last() {
        let mut t = Timeline::new(1_000, 100, 3);
        t.record(50.0, 4.0);
        t.record(99.9, 9.0);
        t.record(100.0, 2.0);
        t.record(10_000.0, 7.0);
        assert_eq!(t.completed, [2, 1, 1]);
        assert_eq!(t.max_ms, [9.0, 2.0, 7.0]);
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_longest() {
        let mut a = Timeline::new(0, 100, 2);
        a.record(10.0, 5.0);
        let mut b = Timeline::new(0, 100, 2);
        b.record(20.0, 8.0);
        b.record(150.0, 1.0);
        a.merge(&b);
        assert_eq!(a.completed, [2, 1]);
        assert_eq!(a.max_ms, [8.0, 1.0]);
    }
}
