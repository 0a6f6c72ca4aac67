//! A panic inside an entry point is reported to the gateway, never printed by the library.
//!
//! An adapter library links its own copy of `std`, and with it its own panic hook. The default hook writes the
//! panic message to the gateway's stderr as it is, past the gateway's log masking (a message may quote a
//! request's СНИЛС or phone), and when `RUST_BACKTRACE` is set it symbolises a backtrace first: hundreds of
//! milliseconds on a cold cache, enough to overrun the call's timeout, so a panic would reach the sender as
//! an unavailable registry instead of a failed call. Inside an entry point this module's hook prints nothing
//! and keeps where the panic happened; [`catch`] returns the message with that place, which the gateway
//! logs through its masking layer and reports as the call's failure. A panic on any other thread of the
//! library (one the adapter started itself) still goes to the hook that was there before.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside an entry point's [`catch`] now.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic inside an entry point on this thread happened (`file:line`).
    static PLACE: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs the hook once per library: quiet inside an entry point, the earlier hook elsewhere.
fn install() {
    HOOK.call_once(|| {
        let earlier = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // `try_with`: a panic while the thread's locals are being torn down is not one of ours.
            if INSIDE.try_with(Cell::get).unwrap_or(false) {
                let place = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                let _ = PLACE.try_with(|p| *p.borrow_mut() = place);
            } else {
                earlier(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into its message followed by ` (at file:line)`.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install();
    let outer = INSIDE.with(|i| i.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    INSIDE.with(|i| i.set(outer));
    outcome.map_err(|payload| {
        let message = message(payload);
        match PLACE.with(|p| p.borrow_mut().take()) {
            Some(place) => format!("{message} (at {place})"),
            None => message,
        }
    })
}

/// The text a panic carried. Dropping the payload may itself panic; that second panic is swallowed.
fn message(payload: Box<dyn Any + Send>) -> String {
    let text = if let Some(text) = payload.downcast_ref::<&'static str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-text payload".to_owned()
    };
    if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(second);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_its_message_and_place_and_the_thread_is_outside_again() {
        let line = line!() + 1;
        let err = catch(|| panic!("boom {}", 42)).unwrap_err();
        assert_eq!(err, format!("boom 42 (at {}:{line})", file!()));
        assert!(!INSIDE.with(Cell::get));
        assert_eq!(catch(|| 7), Ok(7));
    }

    #[test]
    fn payloads_without_text_are_named() {
        let err = catch(|| std::panic::panic_any(17_u8)).unwrap_err();
        assert!(
            err.starts_with("panic with a non-text payload (at "),
            "{err}"
        );
    }

    #[test]
    fn a_nested_catch_leaves_the_outer_one_inside() {
        let outer = catch(|| {
            let inner = catch(|| panic!("inner"));
            assert!(inner.is_err());
            INSIDE.with(Cell::get)
        });
        assert_eq!(outer, Ok(true));
        assert!(!INSIDE.with(Cell::get));
    }
}
