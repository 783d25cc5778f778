//! Scenarios and their replay through the real submit path, and synthetic traffic generation.
