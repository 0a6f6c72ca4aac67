//! Links the system libxml2 found through pkg-config (`libxml-2.0`, Debian `libxml2-dev`).
//!
//! The FFI in `src/xsd/ffi.rs` is written by hand against the 2.9 headers, so no bindgen or libclang is
//! needed; 2.9 is therefore the oldest accepted version.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if let Err(error) = pkg_config::Config::new()
        .atleast_version("2.9")
        .probe("libxml-2.0")
    {
        panic!(
            "gateway-schema needs libxml2 >= 2.9 with its pkg-config file (Debian: libxml2-dev): {error}"
        );
    }
}
