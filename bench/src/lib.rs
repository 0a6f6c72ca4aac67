//! Load generation for the gateway's benchmarks (`cargo xtask bench`), and the bare hyper server every path is
//! compared with in the same run.
//!
//! Layout: `scenario` (what one request or cycle is), `run` (connections, pacing, the histogram), `report` (the
//! JSON a run prints), `timeline` (when units finished, slice by slice). Binaries: `loadgen`, `bare-hyper`.

pub mod report;
pub mod run;
pub mod scenario;
pub mod timeline;
