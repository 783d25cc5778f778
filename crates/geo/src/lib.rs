//! Geodesy helpers shared by the pure crates: distances on the sphere, local flat frames,
//! prepared zone geometry and spatial indexes. No I/O, no clock.
