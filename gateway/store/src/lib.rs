//! The gateway's store: sqlx on SQLite or PostgreSQL; queue, journal, tokens, facts.
