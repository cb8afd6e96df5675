//! Prepared statements kept for reuse where diesel would prepare them anew every time.
//!
//! Diesel's statement cache skips every `UPDATE` and every `ON CONFLICT ... DO UPDATE`, because
//! a changeset of optional fields can produce a different SQL text for the same Rust type. SQLite
//! then parses and plans the statement on every call, which costs about 100,000 to 150,000
//! instructions, more than running it (callgrind, the email benchmark). A
//! statement wrapped in [`Reusable`] is cached under its SQL text and bind types instead, so a
//! changeset that renders differently simply gets a cache entry of its own.
//!
//! Wrap only statements whose text takes few distinct forms: fixed columns, and `IN` lists or
//! row counts bounded by a small number. Every distinct text stays prepared for the life of the
//! connection.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;

/// A statement that the connection's statement cache keeps, keyed by its SQL text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reusable<Q>(Q);

/// Wraps a statement in [`Reusable`].
pub(crate) trait ReuseExt: Sized {
    /// Lets the statement cache keep this statement under its SQL text.
    fn reusable(self) -> Reusable<Self> {
        Reusable(self)
    }
}

impl<Q> ReuseExt for Q {}

impl<Q> QueryId for Reusable<Q> {
    // No static id: the cache key is the SQL text with the bind types, never the Rust type.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for Reusable<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: Query> Query for Reusable<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Reusable<Q> {}
