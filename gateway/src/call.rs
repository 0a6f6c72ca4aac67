//! The per-request context of the senders' endpoints, in the spirit of pingora's: who is calling
//! (authenticated once, here, for SOAP, JSON and the operators' endpoints alike), since when, and the journal
//! entries of the call with this node and that sender filled in.

use std::sync::Arc;
use std::time::Instant;

use gateway_store::{Direction, JournalEntry};
use hyper::Request;

use crate::auth::{Authenticator, ConnInfo, Sender};
use crate::error::Failure;
use crate::journal;
use crate::respond;

/// One authenticated request.
#[derive(Debug, Clone)]
pub struct Call {
    /// Who sends it.
    pub sender: Arc<Sender>,
    /// When it arrived.
    pub started: Instant,
    node: String,
}

impl Call {
    /// Authenticates `req` on `conn` (client certificate, else a bearer token where allowed); `node` is this
    /// gateway node's name, for the journal.
    pub fn authenticate<B>(
        auth: &Authenticator,
        conn: &ConnInfo,
        req: &Request<B>,
        node: &str,
    ) -> Result<Call, Failure> {
        let sender = auth.authenticate(&conn.identity, respond::authorization(req).as_deref())?;
        crate::metrics::requests::sender(&sender.mnemonic);
        Ok(Call {
            sender,
            started: Instant::now(),
            node: node.to_owned(),
        })
    }

    /// A journal entry of this call's sender about `message_id`.
    pub fn entry(&self, message_id: &str, direction: Direction, outcome: &str) -> JournalEntry {
        journal::entry(
            &self.node,
            &self.sender.mnemonic,
            message_id,
            direction,
            outcome,
        )
    }

    /// Microseconds since the call arrived.
    pub fn elapsed_us(&self) -> i64 {
        self.started.elapsed().as_micros() as i64
    }
}
