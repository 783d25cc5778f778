//! The agreement as code: the model of parties, groups, zones, phases and rules, a loader that
//! validates a package (TOML + GeoJSON) with precise, actionable errors, and rule evaluation.
//! Pure: it never touches the filesystem or the clock; callers hand it sources and instants.
