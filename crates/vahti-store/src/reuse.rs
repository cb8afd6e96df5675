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

/// A statement whose SQL text never varies, kept in the statement cache under the type `Site`,
/// which [`fixed!`] declares anew at each call site.
///
/// A [`Reusable`] statement is rendered to SQL text on every call to find it in the cache, about
/// 40,000 instructions for an `UPDATE` of a few columns. A type key skips that. Use it only for
/// statements of fixed columns whose values are all bound: no changeset that leaves out `None`
/// fields, no `IN` list of varying length. Debug builds check that each site renders one text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed<Q, Site> {
    query: Q,
    site: std::marker::PhantomData<Site>,
}

impl<Q, Site> Fixed<Q, Site> {
    /// Wraps `query`; call through [`fixed!`], which declares `Site`.
    pub(crate) fn new(query: Q) -> Self {
        Fixed {
            query,
            site: std::marker::PhantomData,
        }
    }
}

/// Wraps a statement in [`Fixed`] under a key type of its own.
macro_rules! fixed {
    ($query:expr) => {{
        enum Site {}
        $crate::reuse::Fixed::<_, Site>::new($query)
    }};
}

pub(crate) use fixed;

impl<Q, Site: 'static> QueryId for Fixed<Q, Site> {
    type QueryId = Site;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Q, Site, DB> QueryFragment<DB> for Fixed<Q, Site>
where
    DB: Backend + 'static,
    DB::QueryBuilder: Default,
    Q: QueryFragment<DB>,
    Site: 'static,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // Every execution walks the statement to bind its values, also when the cache finds it
        // by type without rendering it, so the check runs here.
        #[cfg(debug_assertions)]
        check_one_text::<Site, DB>(&self.query, pass.backend())?;
        self.query.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: Query, Site> Query for Fixed<Q, Site> {
    type SqlType = Q::SqlType;
}

impl<Q, Site, Conn> RunQueryDsl<Conn> for Fixed<Q, Site> {}

/// Panics when a [`Fixed`] site renders another SQL text than it did before on this backend,
/// which would run the wrong prepared statement.
#[cfg(debug_assertions)]
fn check_one_text<Site: 'static, DB>(
    query: &impl QueryFragment<DB>,
    backend: &DB,
) -> QueryResult<()>
where
    DB: Backend + 'static,
    DB::QueryBuilder: Default,
{
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use diesel::query_builder::QueryBuilder;

    static SEEN: OnceLock<Mutex<HashMap<(TypeId, TypeId), String>>> = OnceLock::new();
    let mut builder = DB::QueryBuilder::default();
    query.to_sql(&mut builder, backend)?;
    let sql = builder.finish();
    let mut seen = SEEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let known = seen
        .entry((TypeId::of::<Site>(), TypeId::of::<DB>()))
        .or_insert_with(|| sql.clone());
    assert_eq!(*known, sql, "a fixed statement rendered another SQL text");
    Ok(())
}

/// The maximum number of rows that [`fixed_chunks`] splits into chunks of fixed sizes.
pub(crate) const FIXED_CHUNKS_UP_TO: usize = 64;

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

/// Splits the rows of a multi-row insert for `backend`. On SQLite, which runs in the process,
/// the chunks have the fixed sizes of [`fixed_chunks`] only, so every statement stays prepared.
/// A statement of hundreds of rows would be rendered and parsed anew on each call, which costs
/// more than running the small ones. On PostgreSQL the chunks have `chunk` rows, which saves
/// round trips.
pub(crate) fn insert_chunks<T>(
    backend: crate::url::Backend,
    rows: &[T],
    chunk: usize,
) -> Vec<&[T]> {
    match backend {
        crate::url::Backend::Sqlite => rows
            .chunks(FIXED_CHUNKS_UP_TO)
            .flat_map(|piece| fixed_chunks(piece, chunk))
            .collect(),
        crate::url::Backend::Postgres => fixed_chunks(rows, chunk),
    }
}

/// Splits the keys of an `IN` lookup for `backend`. On SQLite, where each list length is a
/// statement text of its own, the chunks take the few lengths of [`insert_chunks`] and stay
/// prepared. On PostgreSQL, which binds each list as one array, the chunks have `chunk` keys.
pub(crate) fn lookup_chunks<T>(
    backend: crate::url::Backend,
    keys: &[T],
    chunk: usize,
) -> Vec<&[T]> {
    match backend {
        crate::url::Backend::Sqlite => insert_chunks(backend, keys, chunk),
        crate::url::Backend::Postgres => keys.chunks(chunk.max(1)).collect(),
    }
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
    use diesel::prelude::*;

    use super::fixed_chunks;

    diesel::table! {
        items (id) {
            id -> BigInt,
            name -> Text,
        }
    }

    fn connection_with_items() -> SqliteConnection {
        let mut connection = SqliteConnection::establish(":memory:").unwrap();
        diesel::sql_query("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            .execute(&mut connection)
            .unwrap();
        diesel::sql_query("INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two')")
            .execute(&mut connection)
            .unwrap();
        connection
    }

    #[test]
    fn fixed_statement_binds_each_call() {
        let mut connection = connection_with_items();
        for (id, name) in [(1_i64, "first"), (2, "second"), (1, "again")] {
            let changed = fixed!(diesel::update(items::table.find(id)).set(items::name.eq(name)))
                .execute(&mut connection)
                .unwrap();
            assert_eq!(changed, 1);
            let stored: String = items::table
                .find(id)
                .select(items::name)
                .first(&mut connection)
                .unwrap();
            assert_eq!(stored, name);
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a fixed statement rendered another SQL text")]
    fn fixed_site_with_two_texts_panics() {
        let mut connection = connection_with_items();
        for ids in [vec![1_i64], vec![1, 2]] {
            fixed!(diesel::delete(items::table.filter(items::id.eq_any(ids))))
                .execute(&mut connection)
                .unwrap();
        }
    }

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
