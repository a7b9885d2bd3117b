//! Backups of the embedded SQLite database while the server keeps writing, and their restore.
//!
//! The copy is SQLite's online backup API (https://www.sqlite.org/backup.html,
//! https://www.sqlite.org/c3ref/backup_finish.html) with one `sqlite3_backup_step(-1)`: the
//! whole database is copied inside one read transaction, so the file is the database exactly as
//! it was committed when the step began (WAL content included). The database runs in WAL mode,
//! where a reader does not block writers, so the server goes on committing during the copy.
//! Copying in several smaller steps would let other connections write between them, and SQLite
//! then restarts the backup from the first page: on a busy server it might never finish.
//! `VACUUM INTO` (https://www.sqlite.org/lang_vacuum.html#vacuuminto) is consistent too, but it
//! rebuilds every table and index row by row; the backup API copies pages, which is faster and
//! gives the file byte for byte as the server has it.
//!
//! A restore runs the same API the other way, from the backup into the configured database file,
//! so it takes SQLite's locks like any writer and leaves no stale `-wal` file behind.
//!
//! While a server runs on a SQLite file it holds a shared lock on `<file>.lock` (see
//! [`ServingLock`]); a restore takes that lock exclusively, so it refuses to replace a database
//! a running server holds unless told to.

use std::ffi::{c_int, CStr, CString};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;

/// How long the backup waits for a lock on either file before giving up.
const BUSY_TIMEOUT_MS: c_int = 10_000;
/// How long to keep asking again when the step still finds a lock taken.
const LOCK_PATIENCE: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("SQLite: {0}")]
    Sqlite(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a copy did.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub pages: i64,
    pub bytes: u64,
    pub elapsed: Duration,
}

/// An open SQLite handle, closed on drop.
struct Handle(*mut ffi::sqlite3);

impl Handle {
    fn open(path: &Path, flags: c_int) -> Result<Handle, BackupError> {
        let name = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| BackupError::Refused(format!("{}: a path with a NUL byte", path.display())))?;
        let mut db = std::ptr::null_mut();
        // SAFETY: `name` is a NUL-terminated string that outlives the call; `db` receives a
        // handle that is closed by Drop even when the open failed (as sqlite3_open_v2 requires).
        let rc = unsafe { ffi::sqlite3_open_v2(name.as_ptr(), &mut db, flags, std::ptr::null()) };
        let handle = Handle(db);
        if rc != ffi::SQLITE_OK {
            return Err(BackupError::Sqlite(format!("{}: {}", path.display(), handle.message())));
        }
        // SAFETY: a valid handle.
        unsafe { ffi::sqlite3_busy_timeout(handle.0, BUSY_TIMEOUT_MS) };
        Ok(handle)
    }

    fn message(&self) -> String {
        if self.0.is_null() {
            return "out of memory".into();
        }
        // SAFETY: sqlite3_errmsg returns a NUL-terminated string owned by the handle, valid
        // until the next call on it; it is copied at once.
        unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
            .to_string_lossy()
            .into_owned()
    }

    /// Runs SQL that returns one text value (a pragma's answer).
    fn text(&self, sql: &str) -> Result<String, BackupError> {
        let sql_c = CString::new(sql).expect("SQL without NUL");
        let mut statement = std::ptr::null_mut();
        // SAFETY: a valid handle and a NUL-terminated statement; the statement is finalized below.
        let rc = unsafe { ffi::sqlite3_prepare_v2(self.0, sql_c.as_ptr(), -1, &mut statement, std::ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            return Err(BackupError::Sqlite(format!("{sql}: {}", self.message())));
        }
        // SAFETY: a prepared statement; the column text is copied before finalize.
        unsafe {
            let rc = ffi::sqlite3_step(statement);
            let value = if rc == ffi::SQLITE_ROW {
                let text = ffi::sqlite3_column_text(statement, 0);
                Ok(if text.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(text.cast()).to_string_lossy().into_owned()
                })
            } else if rc == ffi::SQLITE_DONE {
                Ok(String::new())
            } else {
                Err(BackupError::Sqlite(format!("{sql}: {}", self.message())))
            };
            ffi::sqlite3_finalize(statement);
            value
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle is not used after this; every statement and backup object on it was
        // finished before (sqlite3_close accepts NULL).
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

/// Copies the whole database `source` into `destination` (created or overwritten) with one
/// backup step, waiting for locks as a writer would.
fn copy(source: &Handle, destination: &Handle) -> Result<i64, BackupError> {
    let main = c"main";
    // SAFETY: two distinct valid handles; the backup object is finished exactly once below.
    let backup = unsafe { ffi::sqlite3_backup_init(destination.0, main.as_ptr(), source.0, main.as_ptr()) };
    if backup.is_null() {
        return Err(BackupError::Sqlite(destination.message()));
    }
    let started = Instant::now();
    let outcome = loop {
        // SAFETY: a live backup object.
        let rc = unsafe { ffi::sqlite3_backup_step(backup, -1) };
        match rc {
            ffi::SQLITE_DONE => break Ok(()),
            ffi::SQLITE_OK => continue,
            ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED if started.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => break Err(other),
        }
    };
    // SAFETY: a live backup object, finished once; its page count is read before.
    let pages = i64::from(unsafe { ffi::sqlite3_backup_pagecount(backup) });
    let finished = unsafe { ffi::sqlite3_backup_finish(backup) };
    match outcome {
        Ok(()) if finished == ffi::SQLITE_OK => Ok(pages),
        Ok(()) | Err(_) => Err(BackupError::Sqlite(destination.message())),
    }
}

fn check_integrity(handle: &Handle, what: &Path) -> Result<(), BackupError> {
    let answer = handle.text("PRAGMA quick_check")?;
    if answer != "ok" {
        return Err(BackupError::Refused(format!(
            "{} fails SQLite's integrity check: {answer}",
            what.display()
        )));
    }
    Ok(())
}

fn sync(path: &Path) -> Result<(), BackupError> {
    File::open(path).and_then(|f| f.sync_all()).map_err(io(path))
}

/// `zhitong backup --output FILE`: a consistent copy of the live database `database` in
/// `output`, which must not exist yet. The copy is written beside it as `FILE.partial`, checked
/// (`PRAGMA quick_check`), synced and renamed into place, so `output` is either whole or absent.
pub fn backup(database: &Path, output: &Path) -> Result<CopyReport, BackupError> {
    if !database.is_file() {
        return Err(BackupError::Refused(format!(
            "no SQLite database at {}",
            database.display()
        )));
    }
    if output.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists already: give a new file name",
            output.display()
        )));
    }
    let started = Instant::now();
    let partial = partial_name(output);
    let _ = std::fs::remove_file(&partial);
    let result = (|| {
        let source = Handle::open(database, ffi::SQLITE_OPEN_READWRITE)?;
        let destination = Handle::open(&partial, ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE)?;
        let pages = copy(&source, &destination)?;
        drop(source);
        // The copy carries the source's WAL flag; a backup is one self-contained file.
        destination.text("PRAGMA journal_mode = DELETE")?;
        check_integrity(&destination, output)?;
        drop(destination);
        sync(&partial)?;
        std::fs::rename(&partial, output).map_err(io(output))?;
        if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        let bytes = std::fs::metadata(output).map_err(io(output))?.len();
        Ok(CopyReport {
            pages,
            bytes,
            elapsed: started.elapsed(),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn partial_name(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// The lock file beside a SQLite database.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Held by a serving process for its lifetime: a shared lock on `<database>.lock`, so several
/// servers may share the file and a restore can tell that one is running. The operating system
/// drops the lock when the process ends, however it ends.
#[derive(Debug)]
pub struct ServingLock {
    _file: File,
}

impl ServingLock {
    pub fn take(database: &Path) -> Result<ServingLock, BackupError> {
        let path = lock_path(database);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        file.lock_shared().map_err(io(&path))?;
        Ok(ServingLock { _file: file })
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub copy: CopyReport,
    /// Where the database that was replaced was saved, when there was one.
    pub previous: Option<PathBuf>,
}

/// `zhitong restore --input FILE`: replaces the database `database` with the backup `input`.
/// Refuses while a server holds the database (its [`ServingLock`]) unless `force`; checks the
/// backup first, and saves the database it replaces as `<database>.before-restore` (itself a
/// backup, made the same way).
pub fn restore(database: &Path, input: &Path, force: bool) -> Result<RestoreReport, BackupError> {
    if !input.is_file() {
        return Err(BackupError::Refused(format!("no backup file at {}", input.display())));
    }
    let lock_file = lock_path(database);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_file)
        .map_err(io(&lock_file))?;
    // Held (when had) until the restore is done: no server starts on a half-restored file.
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) if force => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(BackupError::Refused(format!(
                "a running zhitong server holds {}: stop it first (or pass --force, and restart every \
                 server on this database afterwards)",
                database.display()
            )))
        }
        Err(std::fs::TryLockError::Error(error)) => return Err(io(&lock_file)(error)),
    }

    let backup = Handle::open(input, ffi::SQLITE_OPEN_READONLY)?;
    check_integrity(&backup, input)?;
    let migrations = backup
        .text("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '__diesel_schema_migrations'")?;
    if migrations != "1" {
        return Err(BackupError::Refused(format!(
            "{} is not a zhitong database (it has no migration table)",
            input.display()
        )));
    }

    let previous = if database.is_file() {
        let saved = {
            let mut name = database.as_os_str().to_owned();
            name.push(".before-restore");
            PathBuf::from(name)
        };
        let _ = std::fs::remove_file(&saved);
        self::backup(database, &saved)?;
        Some(saved)
    } else {
        None
    };

    let started = Instant::now();
    let target = Handle::open(database, ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE)?;
    let pages = copy(&backup, &target)?;
    // Back to the server's journal mode, so the file is what `zhitong serve` would leave.
    target.text("PRAGMA journal_mode = WAL")?;
    target.text("PRAGMA wal_checkpoint(TRUNCATE)")?;
    drop(target);
    let bytes = std::fs::metadata(database).map_err(io(database))?.len();
    Ok(RestoreReport {
        copy: CopyReport {
            pages,
            bytes,
            elapsed: started.elapsed(),
        },
        previous,
    })
}
