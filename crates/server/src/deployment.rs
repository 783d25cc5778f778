//! A deployment's data directory: what `jic init` creates and `jic serve` opens.
//!
//! The layout is [`jic_store::datadir::DataDir`]'s (`jic.db`, `log.key`, `witnesses.txt`,
//! `roster.toml`, `jic.toml`) plus what `jic init` adds:
//! ```text
//! DIR/
//!   keys/<id>.key     generated member signing keys (test deployments only), mode 0600
//!   keys/<id>.pub     their verifier keys
//!   agreement/        a copy of the agreement package in force at genesis
//! ```
//!
//! Read tokens are random, printed once by `jic init` and stored only as SHA-256 digests.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use jic_ledger::key::NoteSigner;
use jic_store::roster::{Member, Role, Roster, TokenEntry, token_digest};
use rand::RngCore as _;
use serde::Deserialize;

use crate::ServerError;
use crate::config::ServerConfig;

pub use jic_store::datadir::DataDir;

/// The agreement copy's directory name.
pub const AGREEMENT_DIR: &str = "agreement";
/// The generated member keys' directory name.
pub const KEYS_DIR: &str = "keys";
/// The roster id of the JIC duty cell.
pub const DUTY_OFFICER_ID: &str = "jic";

/// `DIR/agreement/`.
pub fn agreement_dir(dir: &DataDir) -> PathBuf {
    dir.root().join(AGREEMENT_DIR)
}

/// `DIR/keys/`.
pub fn keys_dir(dir: &DataDir) -> PathBuf {
    dir.root().join(KEYS_DIR)
}

/// Reads `jic.toml` (an absent file means defaults).
pub fn read_config(dir: &DataDir) -> Result<ServerConfig, ServerError> {
    match fs::read_to_string(dir.config_path()) {
        Ok(text) => ServerConfig::from_toml(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ServerConfig::default()),
        Err(e) => Err(ServerError::Io(dir.config_path(), e)),
    }
}

/// Reads `roster.toml`.
pub fn read_roster(dir: &DataDir) -> Result<Roster, ServerError> {
    let path = dir.roster_path();
    let text = fs::read_to_string(&path).map_err(|e| ServerError::Io(path, e))?;
    Ok(Roster::from_toml(&text)?)
}

/// One member to put in the roster at `jic init`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    /// Roster id (the envelope's `party`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Imported verifier key (a real deployment); when absent a key is generated.
    #[serde(default)]
    pub key: Option<String>,
}

/// The `--parties-from` file: members to add or override.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartiesFile {
    /// Members.
    #[serde(default, rename = "member")]
    pub members: Vec<MemberSpec>,
}

impl PartiesFile {
    /// Parses a `--parties-from` file.
    pub fn from_toml(text: &str) -> Result<Self, ServerError> {
        toml::from_str(text).map_err(|e| ServerError::Config(e.to_string()))
    }
}

/// What `jic init` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct InitOptions {
    /// The agreement package to copy.
    pub agreement: PathBuf,
    /// Members beyond (or overriding) the agreement's parties.
    pub extra_members: Vec<MemberSpec>,
    /// The log origin.
    pub origin: String,
    /// Configuration to write.
    pub config: ServerConfig,
}

/// What `jic init` produced, to print once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    /// Read tokens in the clear: (label, member or role, token). Shown once, never stored.
    pub tokens: Vec<(String, String, String)>,
    /// Generated key files: (member id, path of the private key, verifier key).
    pub generated_keys: Vec<(String, PathBuf, String)>,
    /// The log's verifier key.
    pub log_vkey: String,
}

/// A party of the agreement package, as `jic init` reads it from `agreement.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageParty {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Agreement role (`sponsor`, `belligerent`, `monitor`, `humanitarian`, `witness`).
    pub role: String,
}

/// Reads the `[[parties]]` of a package's `agreement.toml`.
pub fn package_parties(dir: &Path) -> Result<Vec<PackageParty>, ServerError> {
    let path = dir.join("agreement.toml");
    let text = fs::read_to_string(&path).map_err(|e| ServerError::Io(path.clone(), e))?;
    let value: toml::Table = toml::from_str(&text)
        .map_err(|e| ServerError::Startup(format!("{}: {e}", path.display())))?;
    let mut parties = Vec::new();
    if let Some(toml::Value::Array(items)) = value.get("parties") {
        for item in items {
            let get = |k: &str| item.get(k).and_then(toml::Value::as_str).map(str::to_owned);
            if let (Some(id), Some(role)) = (get("id"), get("role")) {
                parties.push(PackageParty {
                    name: get("name").unwrap_or_else(|| id.clone()),
                    id,
                    role,
                });
            }
        }
    }
    Ok(parties)
}

/// The package's files (`agreement.toml` and `*.geojson`), by name.
pub fn package_files(dir: &Path) -> Result<BTreeMap<String, String>, ServerError> {
    let mut files = BTreeMap::new();
    let entries = fs::read_dir(dir).map_err(|e| ServerError::Io(dir.to_owned(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ServerError::Io(dir.to_owned(), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "agreement.toml" || name.ends_with(".geojson") {
            let text =
                fs::read_to_string(entry.path()).map_err(|e| ServerError::Io(entry.path(), e))?;
            files.insert(name, text);
        }
    }
    if !files.contains_key("agreement.toml") {
        return Err(ServerError::Startup(format!(
            "{} has no agreement.toml: is it an agreement package?",
            dir.display()
        )));
    }
    Ok(files)
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

fn write_private(path: &Path, text: &str) -> Result<(), ServerError> {
    fs::write(path, text).map_err(|e| ServerError::Io(path.to_owned(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| ServerError::Io(path.to_owned(), e))?;
    }
    Ok(())
}

/// Creates a data directory. Refuses a directory that already holds a roster or database.
pub fn init(dir: &DataDir, options: &InitOptions) -> Result<InitReport, ServerError> {
    if dir.roster_path().exists() || dir.db_path().exists() {
        return Err(ServerError::Startup(format!(
            "{} already holds a deployment; choose an empty directory",
            dir.root().display()
        )));
    }
    let files = package_files(&options.agreement)?;
    crate::kinds::agreement::load_files(&files)
        .map_err(|e| ServerError::Startup(format!("{}: {e}", options.agreement.display())))?;
    let mut specs: Vec<MemberSpec> = package_parties(&options.agreement)?
        .into_iter()
        .filter_map(|p| {
            Role::from_agreement_role(&p.role).map(|role| MemberSpec {
                id: p.id,
                name: p.name,
                role,
                key: None,
            })
        })
        .collect();
    if !specs.iter().any(|m| m.role == Role::DutyOfficer) {
        specs.push(MemberSpec {
            id: DUTY_OFFICER_ID.to_owned(),
            name: "JIC duty officer".to_owned(),
            role: Role::DutyOfficer,
            key: None,
        });
    }
    for extra in &options.extra_members {
        match specs.iter_mut().find(|m| m.id == extra.id) {
            Some(m) => *m = extra.clone(),
            None => specs.push(extra.clone()),
        }
    }

    let keys = keys_dir(dir);
    let agreement = agreement_dir(dir);
    fs::create_dir_all(&keys).map_err(|e| ServerError::Io(keys.clone(), e))?;
    fs::create_dir_all(&agreement).map_err(|e| ServerError::Io(agreement.clone(), e))?;
    for (name, text) in &files {
        let path = agreement.join(name);
        fs::write(&path, text).map_err(|e| ServerError::Io(path, e))?;
    }

    let mut report = InitReport {
        tokens: Vec::new(),
        generated_keys: Vec::new(),
        log_vkey: String::new(),
    };
    let mut roster = Roster::default();
    for spec in &specs {
        let vkey = match &spec.key {
            Some(k) => {
                jic_ledger::key::NoteVerifier::from_vkey(k).map_err(|e| {
                    ServerError::Startup(format!("member {}: key {k:?}: {e}", spec.id))
                })?;
                k.clone()
            }
            None => {
                let signer = NoteSigner::from_seed(&spec.id, &random_bytes::<32>())
                    .map_err(|e| ServerError::Startup(format!("member {}: {e}", spec.id)))?;
                let path = keys.join(format!("{}.key", spec.id));
                write_private(&path, &format!("{}\n", signer.to_skey()))?;
                let vkey = signer.verifier().to_vkey();
                let pub_path = keys.join(format!("{}.pub", spec.id));
                fs::write(&pub_path, format!("{vkey}\n"))
                    .map_err(|e| ServerError::Io(pub_path, e))?;
                report
                    .generated_keys
                    .push((spec.id.clone(), path, vkey.clone()));
                vkey
            }
        };
        roster.members.push(Member {
            id: spec.id.clone(),
            name: spec.name.clone(),
            role: spec.role,
            keys: vec![vkey],
        });
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        let label = format!("{} ({})", spec.id, spec.role);
        roster.tokens.push(TokenEntry {
            role: spec.role,
            member: Some(spec.id.clone()),
            label: label.clone(),
            sha256: token_digest(&token),
        });
        report.tokens.push((label, spec.id.clone(), token));
    }
    roster.check()?;
    let roster_text = roster.to_toml()?;
    fs::write(dir.roster_path(), roster_text).map_err(|e| ServerError::Io(dir.roster_path(), e))?;

    let log_signer = NoteSigner::from_seed(&options.origin, &random_bytes::<32>())
        .map_err(|e| ServerError::Startup(format!("log origin {:?}: {e}", options.origin)))?;
    dir.create_log_key(&log_signer)?;
    report.log_vkey = log_signer.verifier().to_vkey();

    let mut config = options.config.clone();
    config.origin = options.origin.clone();
    fs::write(dir.config_path(), config.to_toml()?)
        .map_err(|e| ServerError::Io(dir.config_path(), e))?;
    Ok(report)
}
