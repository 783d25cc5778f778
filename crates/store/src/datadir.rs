//! The data directory: one definition of where a deployment keeps its files.
//!
//! ```text
//! DATA/
//!   jic.db          SQLite database (WAL: also jic.db-wal, jic.db-shm): log, state, roster
//!   log.key         the log's private key, C2SP skey format, mode 0600; its name is the origin
//!   witnesses.txt   verifier keys (one per line, `#` comments) of witnesses whose
//!                   cosignatures the log accepts and serves
//!   roster.toml     the genesis roster (written by `jic init`)
//!   jic.toml        server configuration (optional)
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};

use jic_ledger::key::{KeyType, NoteSigner, NoteVerifier};

use crate::StoreError;

/// A deployment's data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// The data directory at `root` (nothing is touched until a method needs it).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite database.
    pub fn db_path(&self) -> PathBuf {
        self.root.join("jic.db")
    }

    /// The log's private key file.
    pub fn log_key_path(&self) -> PathBuf {
        self.root.join("log.key")
    }

    /// The list of accepted witness keys.
    pub fn witnesses_path(&self) -> PathBuf {
        self.root.join("witnesses.txt")
    }

    /// The genesis roster.
    pub fn roster_path(&self) -> PathBuf {
        self.root.join("roster.toml")
    }

    /// The server configuration.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("jic.toml")
    }

    /// Opens the database (creating it and the directory if needed).
    pub fn open_db(&self) -> Result<rusqlite::Connection, StoreError> {
        std::fs::create_dir_all(&self.root).map_err(|e| io_error(&self.root, e))?;
        crate::db::open(&self.db_path())
    }

    /// Loads the log's signing key.
    pub fn load_log_key(&self) -> Result<NoteSigner, StoreError> {
        read_signer(&self.log_key_path())
    }

    /// Writes the log key if none exists yet (never overwrites: the key is the log's identity).
    pub fn create_log_key(&self, key: &NoteSigner) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.root).map_err(|e| io_error(&self.root, e))?;
        write_secret(&self.log_key_path(), &key.to_skey())
    }

    /// The witnesses whose cosignatures are accepted (empty if the file is absent).
    pub fn witnesses(&self) -> Result<Vec<NoteVerifier>, StoreError> {
        let path = self.witnesses_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&path, e)),
        };
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let v = NoteVerifier::from_vkey(line)
                .map_err(|e| StoreError::Log(format!("{}:{}: {e}", path.display(), n + 1)))?;
            if v.key_type() != KeyType::CosignatureV1 {
                return Err(StoreError::Log(format!(
                    "{}:{}: a witness key must be a cosignature (type 0x04) key",
                    path.display(),
                    n + 1
                )));
            }
            out.push(v);
        }
        Ok(out)
    }
}

/// Reads a private key file (skey format).
pub fn read_signer(path: &Path) -> Result<NoteSigner, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
    NoteSigner::from_skey(text.trim())
        .map_err(|e| StoreError::Log(format!("{}: {e}", path.display())))
}

/// Writes a secret to a new file with mode 0600 (refusing to overwrite an existing one).
pub fn write_secret(path: &Path, contents: &str) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_error(path, e))?;
    file.write_all(contents.as_bytes())
        .map_err(|e| io_error(path, e))?;
    file.write_all(b"\n").map_err(|e| io_error(path, e))?;
    file.sync_all().map_err(|e| io_error(path, e))?;
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_key_round_trips_with_private_mode_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path().join("d"));
        let key = NoteSigner::from_seed("jic.test/log", &[4; 32]).unwrap();
        data.create_log_key(&key).unwrap();
        assert_eq!(data.load_log_key().unwrap().to_skey(), key.to_skey());
        assert!(data.create_log_key(&key).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(data.log_key_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(data.witnesses().unwrap().is_empty());
    }
}
