//! Build script: assembles the dashboard's static assets into `$OUT_DIR/dashboard` so that
//! `rust-embed` can embed them.
//!
//! The dashboard is a plain ES-modules app (no bundler): the build copies `web/src/**`,
//! Leaflet's prebuilt `dist/` files from `web/node_modules/leaflet` and the Natural Earth
//! basemap from `data/naturalearth/`. The only network-touching step is `npm ci`, run only
//! when `web/node_modules` is missing or older than `web/package-lock.json`, so a fresh clone
//! builds with a plain `cargo build` and later builds never call npm.
//!
//! Determinism: files are copied byte for byte in sorted order and only rewritten when their
//! content changed, so an unchanged tree never invalidates the embed step.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a build script talks to cargo on stdout and reports failures on stderr"
)]

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Basemap layers shipped with the dashboard, read from the repository's `data/naturalearth/`.
const BASEMAP_FILES: [&str; 3] = [
    "ne_neighbours_adm0.geojson",
    "ne_syria_adm0.geojson",
    "ne_syria_adm1.geojson",
];

/// Files of the `leaflet` npm package that the page loads (relative to `dist/`).
const LEAFLET_FILES: [&str; 6] = [
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-shadow.png",
];

fn main() {
    if let Err(message) = run() {
        // A build script reports failure by exiting non-zero; the message is what the user sees.
        eprintln!("error: jic-dashboard build: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR")?);
    let repo = manifest_dir
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find the repository root above crates/dashboard")?
        .to_path_buf();
    let web = repo.join("web");
    let out = PathBuf::from(env_var("OUT_DIR")?).join("dashboard");

    for watched in ["src", "package.json", "package-lock.json"] {
        println!("cargo::rerun-if-changed={}", web.join(watched).display());
    }
    println!(
        "cargo::rerun-if-changed={}",
        repo.join("data/naturalearth").display()
    );
    println!("cargo::rerun-if-env-changed=JIC_NPM");

    ensure_node_modules(&web)?;

    let mut written = Vec::new();
    copy_tree(&web.join("src"), &out, &mut written).map_err(|e| format!("copying web/src: {e}"))?;
    let leaflet = web.join("node_modules/leaflet/dist");
    for file in LEAFLET_FILES {
        let target = out.join("vendor/leaflet").join(file);
        copy_if_changed(&leaflet.join(file), &target)
            .map_err(|e| format!("copying leaflet {file}: {e} (try `npm ci` in web/)"))?;
        written.push(target);
    }
    let basemap = basemap_dir(&repo)?;
    for file in BASEMAP_FILES {
        let target = out.join("data").join(file);
        copy_if_changed(&basemap.join(file), &target)
            .map_err(|e| format!("copying basemap {file}: {e}"))?;
        written.push(target);
    }
    remove_stale(&out, &written).map_err(|e| format!("cleaning {}: {e}", out.display()))?;
    Ok(())
}

fn env_var(name: &str) -> Result<String, String> {
    env::var(name).map_err(|_| format!("cargo did not set {name}"))
}

/// The basemap ships from the repository's copy (`data/naturalearth/`, with its PROVENANCE.md).
fn basemap_dir(repo: &Path) -> Result<PathBuf, String> {
    let in_repo = repo.join("data/naturalearth");
    if in_repo.join(BASEMAP_FILES[0]).is_file() {
        return Ok(in_repo);
    }
    Err(format!(
        "the Natural Earth basemap is missing: expected {} in {}",
        BASEMAP_FILES.join(", "),
        in_repo.display()
    ))
}

/// Runs `npm ci` when `node_modules` is missing or stale. npm records the installed tree in
/// `node_modules/.package-lock.json`; when that is older than `package-lock.json` (or absent),
/// the lockfile changed since the last install.
fn ensure_node_modules(web: &Path) -> Result<(), String> {
    let lock = web.join("package-lock.json");
    let installed = web.join("node_modules/.package-lock.json");
    let lock_time = fs::metadata(&lock)
        .and_then(|m| m.modified())
        .map_err(|e| format!("reading {}: {e}", lock.display()))?;
    let fresh = fs::metadata(&installed)
        .and_then(|m| m.modified())
        .is_ok_and(|installed_time| installed_time >= lock_time)
        && web.join("node_modules/leaflet/dist/leaflet.js").is_file();
    if fresh {
        return Ok(());
    }
    let npm = env::var("JIC_NPM").unwrap_or_else(|_| "npm".to_owned());
    let status = Command::new(&npm)
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(web)
        .status()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                format!(
                    "`{npm}` was not found. The dashboard's build needs Node.js 20+ and npm to \
                     install Leaflet into web/node_modules (Debian: `apt-get install nodejs npm`), \
                     or set JIC_NPM to the npm executable."
                )
            } else {
                format!("running `{npm} ci` in {}: {e}", web.display())
            }
        })?;
    if !status.success() {
        return Err(format!("`{npm} ci` in {} failed ({status})", web.display()));
    }
    Ok(())
}

/// Copies every file under `from` into `to`, keeping relative paths, in sorted order.
fn copy_tree(from: &Path, to: &Path, written: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(from)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let source = entry.path();
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&source, &target, written)?;
        } else {
            copy_if_changed(&source, &target)?;
            written.push(target);
        }
    }
    Ok(())
}

fn copy_if_changed(source: &Path, target: &Path) -> io::Result<()> {
    let bytes = fs::read(source)?;
    if fs::read(target).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(target, bytes)
}

/// Removes files left in `out` by an earlier build whose source has since been deleted, so the
/// embedded set is exactly what the sources say.
fn remove_stale(out: &Path, written: &[PathBuf]) -> io::Result<()> {
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if !written.contains(&path) {
                fs::remove_file(&path)?;
            }
        }
    }
    Ok(())
}
