//! Reading a package from a directory (`fs` feature): for I/O crates and the CLI only.

use std::path::Path;

use crate::load::{Source, TERMS_FILE, load};
use crate::{Agreement, Error};

/// Loads the package in `dir`: `agreement.toml` and every `*.geojson` file beside it (the
/// loader uses the ones `zone_files` lists and reports any listed file that is missing).
///
/// # Errors
/// [`Error::Io`] when the directory or a file cannot be read; [`Error::Invalid`] with every
/// problem otherwise.
pub fn load_dir(dir: &Path) -> Result<Agreement, Error> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    let mut files: Vec<(String, String)> = Vec::new();
    let terms_path = dir.join(TERMS_FILE);
    files.push((
        TERMS_FILE.to_owned(),
        std::fs::read_to_string(&terms_path).map_err(io(&terms_path))?,
    ));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".geojson"))
        .collect();
    names.sort();
    for name in names {
        let path = dir.join(&name);
        files.push((name, std::fs::read_to_string(&path).map_err(io(&path))?));
    }
    let sources: Vec<Source<'_>> = files
        .iter()
        .map(|(name, text)| Source { name, text })
        .collect();
    load(&sources)
}
