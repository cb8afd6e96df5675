//! Inserts of many rows on SQLite that bind each value straight to SQLite.
//!
//! Diesel walks a multi-row insert three times per statement: to render its SQL text as the key
//! of its statement cache, to check that it may be cached, and to collect its bind values, which
//! it then copies into SQLite. For the step history rows of a shared wake-up that came to about
//! 21,000 instructions per row, as much as SQLite spent inserting the row (callgrind, 2,000
//! accounts of the daily benchmark). [`insert_all`] prepares one multi-row `INSERT` per call and
//! binds the values of each row in place, so the cost per row is close to SQLite's own.
//!
//! A statement of one row per execution cost more than diesel's walks: 50,600 instructions per
//! step history row instead of 44,600. SQLite probably spends it opening the table, its indexes
//! and its foreign keys' parent tables anew for every execution (not traced further).
//!
//! Only large inserts take this path. A handful of rows is cheaper through diesel's statement
//! cache, which keeps its statements prepared between transactions.

use std::ffi::{CStr, c_char, c_int};

use diesel::result::{DatabaseErrorKind, Error as DieselError, QueryResult};
use diesel::sqlite::SqliteConnection;
use libsqlite3_sys as ffi;

/// Rows from which an insert takes the raw path on SQLite.
pub(crate) const RAW_INSERT_FROM: usize = 64;

/// Rows per execution of the prepared statement; the rest of the rows go in one more statement.
const ROWS_PER_STATEMENT: usize = 64;

/// A value bound to one parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SqlValue<'a> {
    /// SQL `NULL`.
    Null,
    /// An integer.
    Integer(i64),
    /// Text, copied by SQLite when bound.
    Text(&'a str),
}

impl<'a> From<Option<&'a str>> for SqlValue<'a> {
    fn from(value: Option<&'a str>) -> Self {
        value.map_or(SqlValue::Null, SqlValue::Text)
    }
}

impl From<Option<i64>> for SqlValue<'_> {
    fn from(value: Option<i64>) -> Self {
        value.map_or(SqlValue::Null, SqlValue::Integer)
    }
}

/// Returns `INSERT INTO table (a, b) VALUES (?, ?), (?, ?) <tail> RETURNING ...` for `rows`
/// rows.
fn insert_sql(
    table: &str,
    columns: &[&str],
    rows: usize,
    tail: &str,
    returning: &[&str],
) -> String {
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    let mut sql = format!(
        "INSERT INTO {table} ({}) VALUES {}",
        columns.join(", "),
        vec![row.as_str(); rows].join(", ")
    );
    if !tail.is_empty() {
        sql.push(' ');
        sql.push_str(tail);
    }
    if !returning.is_empty() {
        sql.push_str(" RETURNING ");
        sql.push_str(&returning.join(", "));
    }
    sql
}

/// A function that binds the values of one row, as [`insert_all`] describes.
pub(crate) type Bind<'f, R> =
    dyn Fn(&R, &mut dyn FnMut(SqlValue<'_>) -> QueryResult<()>) -> QueryResult<()> + 'f;

/// Inserts `rows` into `table`, binding the values of `columns` that `bind` gives for each row,
/// and returns the integer columns of `returning` for each inserted row, in no set order.
///
/// Stops at the first statement that fails and returns its error, with diesel's error kind for
/// constraint violations, so that the caller's transaction rolls back what went in before it.
pub(crate) fn insert_all<R>(
    connection: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    returning: &[&str],
    rows: &[R],
    bind: impl Fn(&R, &mut dyn FnMut(SqlValue<'_>) -> QueryResult<()>) -> QueryResult<()>,
) -> QueryResult<Vec<Vec<i64>>> {
    let width = returning.len();
    insert_all_with(
        connection,
        &Target {
            table,
            columns,
            tail: "",
            returning,
        },
        rows,
        bind,
        |row| Ok((0..width).map(|column| row.integer(column)).collect()),
    )
}

/// The table of an insert, its columns, the clause after the rows, and the columns it returns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) table: &'a str,
    pub(crate) columns: &'a [&'a str],
    pub(crate) tail: &'a str,
    pub(crate) returning: &'a [&'a str],
}

/// Inserts like [`insert_all`], with the clause `tail` after the rows (an `ON CONFLICT` clause,
/// say), and hands each returned row to `read`, in no set order.
pub(crate) fn insert_all_with<R, T>(
    connection: &mut SqliteConnection,
    target: &Target<'_>,
    rows: &[R],
    bind: impl Fn(&R, &mut dyn FnMut(SqlValue<'_>) -> QueryResult<()>) -> QueryResult<()>,
    mut read: impl FnMut(&ReturnedRow) -> QueryResult<T>,
) -> QueryResult<Vec<T>> {
    let bind: &Bind<'_, R> = &bind;
    let Target {
        table,
        columns,
        tail,
        returning,
    } = *target;
    let mut returned = Vec::with_capacity(rows.len());
    let full = rows.len() / ROWS_PER_STATEMENT * ROWS_PER_STATEMENT;
    let (whole, rest) = rows.split_at(full);
    if !whole.is_empty() {
        let sql = insert_sql(table, columns, ROWS_PER_STATEMENT, tail, returning);
        with_statement(connection, &sql, |statement| {
            for chunk in whole.chunks(ROWS_PER_STATEMENT) {
                statement.run(columns.len(), chunk, bind, &mut |row| {
                    returned.push(read(row)?);
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    }
    if !rest.is_empty() {
        let sql = insert_sql(table, columns, rest.len(), tail, returning);
        with_statement(connection, &sql, |statement| {
            statement.run(columns.len(), rest, bind, &mut |row| {
                returned.push(read(row)?);
                Ok(())
            })
        })?;
    }
    Ok(returned)
}

/// A row that a statement returned, readable until the statement steps again.
pub(crate) struct ReturnedRow {
    statement: *mut ffi::sqlite3_stmt,
}

impl ReturnedRow {
    /// The integer in the 0-based `column`.
    #[expect(
        unsafe_code,
        reason = "reading a column through SQLite's C API; see SAFETY"
    )]
    pub(crate) fn integer(&self, column: usize) -> i64 {
        // SAFETY: a `ReturnedRow` exists only inside `Statement::run`, right after a step
        // returned a row of this live statement; SQLite returns 0 for a column out of range.
        unsafe {
            ffi::sqlite3_column_int64(
                self.statement,
                c_int::try_from(column).unwrap_or(c_int::MAX),
            )
        }
    }

    /// The text in the 0-based `column`, copied; fails when it is not UTF-8.
    #[expect(
        unsafe_code,
        reason = "reading a column through SQLite's C API; see SAFETY"
    )]
    pub(crate) fn text(&self, column: usize) -> QueryResult<String> {
        let column = c_int::try_from(column).unwrap_or(c_int::MAX);
        // SAFETY: as in `integer`. The pointer SQLite returns stays valid until the next step,
        // reset or conversion of this column, and its length comes from `sqlite3_column_bytes`,
        // called after `sqlite3_column_text` as SQLite's documentation recommends. It is copied at once.
        let bytes = unsafe {
            let text = ffi::sqlite3_column_text(self.statement, column);
            if text.is_null() {
                return Ok(String::new());
            }
            let length = ffi::sqlite3_column_bytes(self.statement, column);
            std::slice::from_raw_parts(text, usize::try_from(length).unwrap_or(0))
        };
        String::from_utf8(bytes.to_vec()).map_err(|error| {
            DieselError::DeserializationError(
                format!("a returned text column is not UTF-8: {error}").into(),
            )
        })
    }
}

/// A statement prepared on a connection.
struct Statement {
    db: *mut ffi::sqlite3,
    statement: *mut ffi::sqlite3_stmt,
}

impl Statement {
    /// Binds the values of `rows`, `columns` per row, runs the statement, and hands each row it
    /// returns to `read`.
    #[expect(
        unsafe_code,
        reason = "binding and stepping a prepared statement through SQLite's C API; see SAFETY"
    )]
    fn run<R>(
        &mut self,
        columns: usize,
        rows: &[R],
        bind: &Bind<'_, R>,
        read: &mut dyn FnMut(&ReturnedRow) -> QueryResult<()>,
    ) -> QueryResult<()> {
        let mut parameter: c_int = 0;
        for row in rows {
            let mut bound = 0;
            bind(row, &mut |value| {
                parameter += 1;
                bound += 1;
                self.bind(parameter, value)
            })?;
            if bound != columns {
                return Err(DieselError::SerializationError(
                    format!("a row gave {bound} values for {columns} columns").into(),
                ));
            }
        }
        // SAFETY: `self.statement` is a live statement prepared on `self.db` (see
        // `with_statement`) with every parameter bound, and nothing else uses either during this
        // call. Columns are read only after a step returned a row, before the next step.
        unsafe {
            loop {
                match ffi::sqlite3_step(self.statement) {
                    ffi::SQLITE_ROW => {
                        let row = ReturnedRow {
                            statement: self.statement,
                        };
                        if let Err(error) = read(&row) {
                            ffi::sqlite3_reset(self.statement);
                            return Err(error);
                        }
                    }
                    ffi::SQLITE_DONE => break,
                    code => {
                        let error = self.error(code);
                        ffi::sqlite3_reset(self.statement);
                        return Err(error);
                    }
                }
            }
            ffi::sqlite3_reset(self.statement);
        }
        Ok(())
    }

    /// Binds one value to the 1-based `parameter`.
    #[expect(
        unsafe_code,
        reason = "binding a value through SQLite's C API; see SAFETY"
    )]
    fn bind(&mut self, parameter: c_int, value: SqlValue<'_>) -> QueryResult<()> {
        // SAFETY: `self.statement` is a live statement prepared on `self.db`, which nothing else
        // uses during this call; SQLite checks that `parameter` is in range. Text is bound with
        // SQLITE_TRANSIENT: SQLite copies it before the call returns and keeps no pointer into
        // `value`. Its length is passed explicitly and fits a C int.
        let code = unsafe {
            match value {
                SqlValue::Null => ffi::sqlite3_bind_null(self.statement, parameter),
                SqlValue::Integer(integer) => {
                    ffi::sqlite3_bind_int64(self.statement, parameter, integer)
                }
                SqlValue::Text(text) => {
                    let length = c_int::try_from(text.len()).map_err(|_| {
                        DieselError::SerializationError(
                            format!("a text of {} bytes is too long for SQLite", text.len()).into(),
                        )
                    })?;
                    ffi::sqlite3_bind_text(
                        self.statement,
                        parameter,
                        text.as_ptr().cast::<c_char>(),
                        length,
                        ffi::SQLITE_TRANSIENT(),
                    )
                }
            }
        };
        if code == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.error(code))
        }
    }

    /// The error SQLite reports for the last call, with diesel's kind for constraint violations.
    #[expect(
        unsafe_code,
        reason = "reading the error of SQLite's C API; see SAFETY"
    )]
    fn error(&self, code: c_int) -> DieselError {
        // SAFETY: `self.db` is the open connection the statement was prepared on. The message
        // pointer is valid until the next call on the connection and is copied at once.
        let (extended, message) = unsafe {
            let message = ffi::sqlite3_errmsg(self.db);
            let message = if message.is_null() {
                format!("SQLite error {code}")
            } else {
                CStr::from_ptr(message).to_string_lossy().into_owned()
            };
            (ffi::sqlite3_extended_errcode(self.db), message)
        };
        let kind = match extended {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                DatabaseErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => DatabaseErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => DatabaseErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => DatabaseErrorKind::CheckViolation,
            _ => DatabaseErrorKind::Unknown,
        };
        DieselError::DatabaseError(kind, Box::new(message))
    }
}

/// Prepares `sql`, runs `work` with it, and finalizes it whatever `work` returns.
#[expect(
    unsafe_code,
    reason = "diesel has no safe way to run a statement with values bound in place; see SAFETY"
)]
fn with_statement(
    connection: &mut SqliteConnection,
    sql: &str,
    work: impl FnOnce(&mut Statement) -> QueryResult<()>,
) -> QueryResult<()> {
    let length = c_int::try_from(sql.len()).map_err(|_| {
        DieselError::SerializationError("a statement is too long for SQLite".into())
    })?;
    // SAFETY: `with_raw_connection` hands out the connection's open handle, which stays open and
    // is used by nothing else while we hold `&mut connection`. The statement prepared on it is
    // finalized before this block ends, on every path, so no statement outlives the call or is
    // left for diesel to trip over. `sql` is passed with its length, so it needs no terminator.
    unsafe {
        connection.with_raw_connection(|db| {
            let mut statement: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
            let code = ffi::sqlite3_prepare_v2(
                db,
                sql.as_ptr().cast::<c_char>(),
                length,
                &raw mut statement,
                std::ptr::null_mut(),
            );
            let mut prepared = Statement { db, statement };
            if code != ffi::SQLITE_OK || statement.is_null() {
                let error = prepared.error(code);
                ffi::sqlite3_finalize(statement);
                return Err(error);
            }
            let result = work(&mut prepared);
            ffi::sqlite3_finalize(statement);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl};

    use super::*;

    fn connection() -> SqliteConnection {
        let mut connection = SqliteConnection::establish(":memory:").unwrap();
        connection
            .batch_execute(
                "PRAGMA foreign_keys = ON;
                 CREATE TABLE parents (id INTEGER PRIMARY KEY);
                 INSERT INTO parents (id) VALUES (1);
                 CREATE TABLE rows (
                     id INTEGER PRIMARY KEY AUTOINCREMENT,
                     parent_id INTEGER NOT NULL REFERENCES parents (id),
                     name TEXT NOT NULL UNIQUE,
                     note TEXT
                 );",
            )
            .unwrap();
        connection
    }

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        parent_id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        note: Option<String>,
    }

    fn stored(connection: &mut SqliteConnection) -> Vec<Row> {
        diesel::sql_query("SELECT id, parent_id, name, note FROM rows ORDER BY id")
            .load(connection)
            .unwrap()
    }

    const COLUMNS: [&str; 3] = ["parent_id", "name", "note"];

    /// Inserts rows of (parent, name, note).
    fn insert(
        connection: &mut SqliteConnection,
        rows: &[(i64, Option<&str>, Option<&str>)],
    ) -> QueryResult<Vec<Vec<i64>>> {
        insert_all(connection, "rows", &COLUMNS, &["id"], rows, |row, bind| {
            bind(SqlValue::Integer(row.0))?;
            bind(SqlValue::from(row.1))?;
            bind(SqlValue::from(row.2))
        })
    }

    #[test]
    fn statements_have_a_row_of_parameters_per_row() {
        assert_eq!(
            insert_sql("rows", &COLUMNS, 2, "", &["id", "name"]),
            "INSERT INTO rows (parent_id, name, note) VALUES (?, ?, ?), (?, ?, ?) RETURNING id, name"
        );
        assert_eq!(
            insert_sql("rows", &["a"], 1, "", &[]),
            "INSERT INTO rows (a) VALUES (?)"
        );
    }

    #[test]
    fn insert_all_binds_every_row() {
        let mut connection = connection();
        // Two full statements and a shorter one for the rest.
        let count = ROWS_PER_STATEMENT * 2 + 3;
        let ids = insert_all(
            &mut connection,
            "rows",
            &COLUMNS,
            &["id"],
            &(0..count).collect::<Vec<_>>(),
            |n, bind| {
                // Each name is dropped right after it is bound: SQLite keeps its own copy.
                let name = format!("Äänekoski {n}");
                bind(SqlValue::Integer(1))?;
                bind(SqlValue::Text(&name))?;
                bind(SqlValue::from((n % 2 == 1).then_some("it's")))
            },
        )
        .unwrap();

        let mut ids: Vec<i64> = ids.into_iter().flatten().collect();
        ids.sort_unstable();
        let stored = stored(&mut connection);
        assert_eq!(ids, stored.iter().map(|row| row.id).collect::<Vec<_>>());
        assert_eq!(stored.len(), count);

        let mut names: Vec<(String, Option<String>)> =
            stored.into_iter().map(|row| (row.name, row.note)).collect();
        names.sort();
        let mut expected: Vec<(String, Option<String>)> = (0..count)
            .map(|n| {
                (
                    format!("Äänekoski {n}"),
                    (n % 2 == 1).then(|| "it's".to_owned()),
                )
            })
            .collect();
        expected.sort();
        assert_eq!(names, expected);
    }

    #[test]
    fn constraint_violations_keep_their_kind() {
        let mut connection = connection();
        let duplicate = insert(
            &mut connection,
            &[(1, Some("a"), None), (1, Some("a"), None)],
        );
        assert!(
            matches!(
                duplicate,
                Err(DieselError::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    _
                ))
            ),
            "{duplicate:?}"
        );
        let orphan = insert(&mut connection, &[(9, Some("b"), None)]);
        assert!(
            matches!(
                orphan,
                Err(DieselError::DatabaseError(
                    DatabaseErrorKind::ForeignKeyViolation,
                    _
                ))
            ),
            "{orphan:?}"
        );
        let missing = insert(&mut connection, &[(1, None, None)]);
        assert!(
            matches!(
                missing,
                Err(DieselError::DatabaseError(
                    DatabaseErrorKind::NotNullViolation,
                    _
                ))
            ),
            "{missing:?}"
        );
        // A failed statement leaves none of its rows.
        assert!(stored(&mut connection).is_empty());
        assert_eq!(
            insert(&mut connection, &[(1, Some("c"), None)])
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn insert_all_reports_wrong_statements() {
        let mut connection = connection();
        let unknown = insert_all(&mut connection, "nowhere", &["a"], &[], &[1], |n, bind| {
            bind(SqlValue::Integer(*n))
        });
        let message = unknown.unwrap_err().to_string();
        assert!(message.contains("no such table: nowhere"), "{message}");
        let short = insert_all(&mut connection, "rows", &COLUMNS, &[], &[1], |n, bind| {
            bind(SqlValue::Integer(*n))
        });
        let message = short.unwrap_err().to_string();
        assert!(
            message.contains("a row gave 1 values for 3 columns"),
            "{message}"
        );
        // The connection still works for diesel afterwards.
        assert!(stored(&mut connection).is_empty());
    }
}
