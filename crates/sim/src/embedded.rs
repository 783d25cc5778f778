//! The September 2016 scenario, compiled into the binary so `jic demo` runs without a checkout.
//! [`write_to`] materialises it as an ordinary scenario directory.

use std::path::Path;

use crate::SimError;

/// The shipped scenario's files, relative to its directory.
pub const FILES: &[(&str, &str)] = &[
    (
        "scenario.toml",
        include_str!("../../../scenarios/syria-2016-09/scenario.toml"),
    ),
    (
        "timeline.jsonl",
        include_str!("../../../scenarios/syria-2016-09/timeline.jsonl"),
    ),
    (
        "README.md",
        include_str!("../../../scenarios/syria-2016-09/README.md"),
    ),
    (
        "agreement/agreement.toml",
        include_str!("../../../scenarios/syria-2016-09/agreement/agreement.toml"),
    ),
    (
        "agreement/zones.geojson",
        include_str!("../../../scenarios/syria-2016-09/agreement/zones.geojson"),
    ),
];

/// Writes the embedded scenario into `dir` (created if needed).
pub fn write_to(dir: &Path) -> Result<(), SimError> {
    for (name, text) in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| SimError::Io(parent.to_owned(), e))?;
        }
        std::fs::write(&path, text).map_err(|e| SimError::Io(path.clone(), e))?;
    }
    Ok(())
}
