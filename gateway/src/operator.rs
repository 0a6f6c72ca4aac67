//! The operator's endpoints (`/console`, `/metrics`, the reload): who may use them. An operator authenticates
//! as any sender does (client certificate, or a bearer token where allowed) and is listed in
//! `[operator] senders`.

use std::sync::Arc;

use hyper::{Request, Response};
use smev_envelope::FaultKind;

use crate::app::App;
use crate::auth::{ConnInfo, Sender};
use crate::call::Call;
use crate::error::Failure;
use crate::respond::Body;

/// The operator calling, or the answer to give instead (401 without credentials, 403 for a sender that is not
/// an operator).
// The error is the response itself, built once on a path that is not hot: boxing it would only add a step.
#[allow(clippy::result_large_err)]
pub fn authorize<B>(
    app: &App,
    conn: &ConnInfo,
    req: &Request<B>,
) -> Result<Arc<Sender>, Response<Body>> {
    let sender = Call::authenticate(&app.edge.auth, conn, req, &app.node)
        .map_err(|f| crate::respond::problem(&f, None))?
        .sender;
    if is_operator(app, &sender.mnemonic) {
        Ok(sender)
    } else {
        let f = Failure::of(
            FaultKind::AccessDenied,
            "Отправитель не является оператором шлюза",
        );
        Err(crate::respond::problem(&f, None))
    }
}

/// Whether `mnemonic` is listed in `[operator] senders`.
pub fn is_operator(app: &App, mnemonic: &str) -> bool {
    app.config.operator.senders.iter().any(|o| o == mnemonic)
}
