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
//!
//! Multi-row inserts need another way on SQLite, where diesel runs them through a wrapper of its
//! own that [`Reusable`] cannot wrap. Diesel does keep them prepared when the rows come as an
//! array, so [`fixed_chunks`] and [`with_array!`] split the rows into arrays of a few sizes.

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

/// The maximum number of rows that [`fixed_chunks`] splits into chunks of fixed sizes.
const FIXED_CHUNKS_UP_TO: usize = 64;

/// Splits `rows` into chunks of 32, 16, 8, 4, 2 and 1 rows, largest first, when there are at most
/// 64 of them, and into chunks of `chunk` rows otherwise.
///
/// Diesel keeps a multi-row insert prepared only when its row count is part of its type, an
/// array, because each count is a different SQL text. [`with_array!`] turns a chunk of one of
/// these sizes into an array, so the inserts of a few rows (a wake-up's steps and events, an
/// upsert's events) are prepared once per size instead of on every call.
pub(crate) fn fixed_chunks<T>(rows: &[T], chunk: usize) -> Vec<&[T]> {
    if rows.len() > FIXED_CHUNKS_UP_TO {
        return rows.chunks(chunk.max(1)).collect();
    }
    let mut chunks = Vec::new();
    let mut rest = rows;
    for size in [32, 16, 8, 4, 2, 1] {
        while rest.len() >= size {
            let (head, tail) = rest.split_at(size);
            chunks.push(head);
            rest = tail;
        }
    }
    chunks
}

/// Runs `$body` with `$rows` bound to `$chunk` as an array when its length is one of the sizes
/// of [`fixed_chunks`], and as the slice itself otherwise. The body is compiled once per size.
macro_rules! with_array {
    ($chunk:expr, |$rows:ident| $body:expr) => {{
        let chunk = $chunk;
        if let Ok($rows) = <&[_; 32]>::try_from(chunk) {
            $body
        } else if let Ok($rows) = <&[_; 16]>::try_from(chunk) {
            $body
        } else if let Ok($rows) = <&[_; 8]>::try_from(chunk) {
            $body
        } else if let Ok($rows) = <&[_; 4]>::try_from(chunk) {
            $body
        } else if let Ok($rows) = <&[_; 2]>::try_from(chunk) {
            $body
        } else if let Ok($rows) = <&[_; 1]>::try_from(chunk) {
            $body
        } else {
            let $rows = chunk;
            $body
        }
    }};
}

pub(crate) use with_array;

#[cfg(test)]
mod tests {
    use super::fixed_chunks;

    #[test]
    fn chunks_have_fixed_sizes() {
        let rows: Vec<usize> = (0..100).collect();
        for count in 0..=64 {
            let chunks = fixed_chunks(&rows[..count], 1000);
            let sizes: Vec<usize> = chunks.iter().map(|chunk| chunk.len()).collect();
            assert!(
                sizes.iter().all(|size| [32, 16, 8, 4, 2, 1].contains(size)),
                "{count}: {sizes:?}"
            );
            assert!(
                sizes.windows(2).all(|pair| pair[0] >= pair[1]),
                "{count}: {sizes:?}"
            );
            let joined: Vec<usize> = chunks.concat();
            assert_eq!(joined, rows[..count], "{count} rows in order");
        }
    }

    #[test]
    fn large_inserts_keep_their_chunks() {
        let rows: Vec<usize> = (0..2500).collect();
        let sizes: Vec<usize> = fixed_chunks(&rows, 1000)
            .iter()
            .map(|chunk| chunk.len())
            .collect();
        assert_eq!(sizes, [1000, 1000, 500]);
    }
}
