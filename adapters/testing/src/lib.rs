//! An adapter for the test suite that fails on request: errors, panics, sleeps.
