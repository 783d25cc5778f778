//! Unit conversions, fixed by DESIGN.md §3.2 so that every implementation agrees to the last
//! decimal: 1 kt = 0.514444 m/s (not 1852/3600), 1 ft = 0.3048 m, 1 nm = 1852 m.

/// Radius of the spherical Earth used by every flat frame, in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;
/// Metres per second in one knot, as the contract states it.
pub const MPS_PER_KT: f64 = 0.514444;
/// Metres in one foot.
pub const M_PER_FT: f64 = 0.3048;
/// Metres in one nautical mile.
pub const M_PER_NM: f64 = 1852.0;

/// Knots to metres per second.
#[must_use]
pub fn kt_to_mps(kt: f64) -> f64 {
    kt * MPS_PER_KT
}

/// Feet to metres.
#[must_use]
pub fn ft_to_m(ft: f64) -> f64 {
    ft * M_PER_FT
}

/// Feet per minute to metres per second.
#[must_use]
pub fn fpm_to_mps(fpm: f64) -> f64 {
    fpm * M_PER_FT / 60.0
}

/// Nautical miles to metres.
#[must_use]
pub fn nm_to_m(nm: f64) -> f64 {
    nm * M_PER_NM
}

/// Metres to nautical miles.
#[must_use]
pub fn m_to_nm(m: f64) -> f64 {
    m / M_PER_NM
}

/// Wraps a longitude difference in degrees to [−180°, 180°).
///
/// Exactly −180 stays −180 and exactly +180 becomes −180, so `wrap(a − b)` and `wrap(b − a)` have
/// the same magnitude and a pair's flat frame does not depend on which aircraft comes first.
///
/// ```
/// use jic_deconflict::units::wrap_lon_deg;
/// assert_eq!(wrap_lon_deg(179.5 - (-179.5)), -1.0);
/// assert_eq!(wrap_lon_deg(180.0), -180.0);
/// ```
#[must_use]
pub fn wrap_lon_deg(delta: f64) -> f64 {
    if (-180.0..180.0).contains(&delta) {
        delta
    } else {
        let wrapped = delta - 360.0 * ((delta + 180.0) / 360.0).floor();
        // Rounding can land exactly on +180 for inputs just below a multiple of 360.
        if wrapped >= 180.0 {
            wrapped - 360.0
        } else {
            wrapped
        }
    }
}
