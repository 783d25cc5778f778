//! Air-safety conflict detection: straight-line track extrapolation, 4D flight plans and
//! restricted airspace volumes. Pure: no I/O, no clock.
