//! A bound parameter of either dialect (and of the group committer's own SQLite connection).

/// One bound parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    /// TEXT (NULL when `None`).
    Text(Option<&'a str>),
    /// INTEGER / BIGINT (NULL when `None`).
    Int(Option<i64>),
    /// BLOB / BYTEA (NULL when `None`).
    Blob(Option<&'a [u8]>),
    /// INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL.
    Bool(bool),
}

impl<'a> Arg<'a> {
    /// A non-null text.
    pub(crate) fn text(value: &'a str) -> Self {
        Arg::Text(Some(value))
    }

    /// A nullable text.
    pub(crate) fn opt_text(value: Option<&'a String>) -> Self {
        Arg::Text(value.map(String::as_str))
    }

    /// A non-null integer.
    pub(crate) fn int(value: i64) -> Self {
        Arg::Int(Some(value))
    }
}

/// A non-null parameter that owns its value, for a read that runs on another thread (see `readers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OwnedArg {
    /// TEXT.
    Text(String),
    /// INTEGER / BIGINT.
    Int(i64),
}

impl OwnedArg {
    /// The parameter to bind.
    pub(crate) fn as_arg(&self) -> Arg<'_> {
        match self {
            OwnedArg::Text(t) => Arg::text(t),
            OwnedArg::Int(i) => Arg::int(*i),
        }
    }
}
