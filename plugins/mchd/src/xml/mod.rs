//! Reading XML safely: the encoding (`encoding`) and a small element tree (`dom`).

pub mod dom;
pub mod encoding;

pub use dom::{DomError, Element};
