//! Integration tests of the store. Every test runs against a fresh SQLite file and a fresh
//! PostgreSQL database (`GATEWAY_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`,
//! is the admin URL used to create and drop it).

mod common;
mod facts;
mod journal;
mod plugin_records;
mod queue;
mod reports;
mod requests;
mod retention;
mod sqlite;
mod tokens;
