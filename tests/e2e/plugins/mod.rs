//! The end-to-end tests of plugins made with `cargo xtask new-plugin NAME`: the generator adds each one's
//! module here (`tests/e2e/plugins/<name>.rs`), and it passes as generated.
