//! The lock that keeps a second daemon off an SQLite database.
//!
//! SQLite serves one daemon: two schedulers on one file would each wake every account. `vahtid`
//! therefore holds an exclusive lock (`flock`) on a lock file beside the database for as long as
//! it runs, and writes its process id into the file so that a second daemon can name it. The
//! operating system releases the lock when the process ends, however it ends, so a lock file
//! left behind by a crash does not block the next start.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// An exclusive lock on an SQLite database, held until the value is dropped.
#[derive(Debug)]
pub struct SqliteLock {
    // Kept open: closing the file releases the lock.
    _file: File,
    path: PathBuf,
}

impl SqliteLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A failure to lock an SQLite database.
#[derive(Debug, thiserror::Error)]
pub enum SqliteLockError {
    /// Another process holds the lock.
    #[error(
        "the SQLite database {} is in use by another vahtid (process {}), which holds the lock \
         file {}; SQLite serves one daemon: stop the other one first, or move to PostgreSQL to \
         run several",
        database.display(),
        pid.map_or_else(|| "id unknown".to_owned(), |pid| pid.to_string()),
        lock_file.display()
    )]
    InUse {
        /// The database file.
        database: PathBuf,
        /// The lock file.
        lock_file: PathBuf,
        /// The process id written into the lock file, if it could be read.
        pid: Option<u32>,
    },

    /// The lock file could not be opened, locked or written.
    #[error("failed to lock the SQLite database with the lock file {}: {error}", lock_file.display())]
    Io {
        /// The lock file.
        lock_file: PathBuf,
        /// The cause.
        #[source]
        error: io::Error,
    },
}

impl vahti_domain::ErrorCode for SqliteLockError {
    fn code(&self) -> &'static str {
        match self {
            SqliteLockError::InUse { .. } => "sqlite_in_use",
            SqliteLockError::Io { .. } => "sqlite_lock_failed",
        }
    }
}

/// The lock file of a database: the database's path with `.lock` appended.
pub fn lock_file_of(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Locks the SQLite database at `database` for this process, or fails with
/// [`SqliteLockError::InUse`] naming the process that holds it. Never waits.
pub fn lock(database: &Path) -> Result<SqliteLock, SqliteLockError> {
    let path = lock_file_of(database);
    let io_error = |error| SqliteLockError::Io {
        lock_file: path.clone(),
        error,
    };

    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io_error)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(SqliteLockError::InUse {
                database: database.to_path_buf(),
                pid: holder_pid(&mut file),
                lock_file: path,
            });
        }
        Err(TryLockError::Error(error)) => return Err(io_error(error)),
    }

    file.set_len(0).map_err(io_error)?;
    file.rewind().map_err(io_error)?;
    writeln!(file, "{}", std::process::id()).map_err(io_error)?;
    file.flush().map_err(io_error)?;
    Ok(SqliteLock { _file: file, path })
}

/// Reads the process id the holder wrote, if the file holds one.
fn holder_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_file_beside_database() {
        let path = lock_file_of(Path::new("/var/lib/vahti/vahti.db"));

        assert_eq!(path, Path::new("/var/lib/vahti/vahti.db.lock"));
    }

    #[test]
    fn lock_writes_process_id() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("vahti.db");

        let held = lock(&database).unwrap();

        let text = std::fs::read_to_string(held.path()).unwrap();
        assert_eq!(text, format!("{}\n", std::process::id()));
    }

    #[test]
    fn second_lock_names_holder() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("vahti.db");
        let _held = lock(&database).unwrap();

        let error = lock(&database).unwrap_err();

        let message = error.to_string();
        assert!(matches!(error, SqliteLockError::InUse { .. }), "{message}");
        assert!(
            message.contains(&database.display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
    }

    #[test]
    fn lock_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("vahti.db");
        drop(lock(&database).unwrap());

        assert!(lock(&database).is_ok());
    }
}
