//! Simulators of the external registries, for demos and tests.
