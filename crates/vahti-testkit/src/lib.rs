//! Test support for Vahti.
//!
//! [`TestDatabase`] hands each test a database of its own: a fresh SQLite file in a temporary
//! directory, or a fresh PostgreSQL database on the server named by `VAHTI_TEST_POSTGRES_URL`.
//! [`test_both_backends!`] runs one test body on both. [`smtp`] is an SMTP server on loopback
//! with fault injection. [`samples_dir`] locates the sample files.
//!
//! Everything here panics on failure with a message that names the fix, because it only runs
//! inside tests.

mod database;
pub mod smtp;

use std::path::PathBuf;

pub use database::{Backend, TestDatabase, postgres_admin_url};

/// Returns the folder of sample files: `VAHTI_SAMPLES_DIR` when set, otherwise `shared/samples` beside
/// the repository.
pub fn samples_dir() -> PathBuf {
    match std::env::var_os("VAHTI_SAMPLES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/samples"
        )),
    }
}

/// Defines tests that run one body on both database backends.
///
/// Each `fn name(db) { ... }` becomes a module `name` with two tests, `name::sqlite` and
/// `name::postgres`. The body gets `db: &TestDatabase`, a fresh database of that backend, and
/// can use the items of the enclosing module.
///
/// ```ignore
/// vahti_testkit::test_both_backends! {
///     fn migrations_apply(db) {
///         let store = Store::open(db.url(), StoreOptions::default()).unwrap();
///         store.migrate().unwrap();
///     }
/// }
/// ```
#[macro_export]
macro_rules! test_both_backends {
    ($(fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                use super::*;

                fn body($db: &$crate::TestDatabase) $body

                #[test]
                fn sqlite() {
                    let database = $crate::TestDatabase::new($crate::Backend::Sqlite);
                    body(&database);
                }

                #[test]
                fn postgres() {
                    let database = $crate::TestDatabase::new($crate::Backend::Postgres);
                    body(&database);
                }
            }
        )*
    };
}
