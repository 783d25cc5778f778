//! The production track detector: a conservative space-time grid in front of the pair test.
//!
//! # What it computes
//!
//! Exactly what [`crate::track::detect_all_pairs`] computes — the same pairs, in the same order,
//! with bit-for-bit identical values, because every surviving pair goes through the same
//! [`crate::track`] pair function. The grid only decides which pairs are worth testing, and it
//! never skips a pair that could conflict (proof below). The tests check this against the
//! reference on random traffic, including the antimeridian and the poles.
//!
//! # Algorithm
//!
//! The look-ahead `[0, T]` (`T` = the largest look-ahead of any aircraft) is cut into `K` time
//! slices. For every aircraft and slice we bound where the aircraft can be, in three
//! per-aircraft "pseudo-coordinates" that are linear in time:
//!
//! - `y_i(t) = R_E·φ_i + v_north,i·t` (metres),
//! - `z_i(t) = alt_i + v_up,i·t` (metres),
//! - `u_i(t) = λ_i/360° + v_east,i·t / (2π·R_E·cos φ_i)` (turns of longitude, periodic),
//!
//! widened by per-aircraft margins, and rasterise that box into cells of a hashed grid over
//! `(slice, u, y, z)`. Two aircraft are tested only if they share a cell; each such pair is
//! tested once, in the first slice where their boxes share cells and, within it, in the
//! smallest shared cell. Work is split across threads by bucket; results are then sorted.
//!
//! The default is a single slice: on the bench traffic, shorter slices (tighter boxes, more
//! cells per aircraft) measured no faster.
//!
//! Pairs that share a cell then pass two cheaper necessary conditions before the exact test:
//! the exact vertical test of [`crate::track`] (its first step anyway), and a horizontal
//! closest-approach bound that replaces the pair's `cos φ̄` by the midpoint of a range that
//! provably contains it, widened by the error that can cause (see `may_conflict`). Only
//! survivors pay for the cosine.
//!
//! Cell sizes follow the *median* box (outliers such as polar or supersonic aircraft would
//! inflate a mean), and are coarsened up to 8× when the traffic is sparse — estimated from the
//! 10th–90th percentile spread of positions — because then the cost is the number of cells
//! per aircraft, not the pairs per cell. With the default single slice this gives about four
//! cells per aircraft. Memory is O(N·K·c), `c` that small constant.
//!
//! # Why the pruning is conservative
//!
//! Let a pair conflict. Then `tin ≤ tout`, `tout > 0`, `tin < T`, so some
//! `t* ∈ [max(tin, 0), min(tout, T)]` lies in both the horizontal and the vertical intervals:
//! `|d + v·t*| ≤ R` and `|Δalt + v_z·t*| ≤ H` (closed, since interval ends are limits). With a
//! zero-speed rule in force the true separation differs from the frozen one by at most
//! `1e-6 m/s · T`; that is added to the margins, as is a relative 1e-9 and 1 mm against rounding.
//!
//! - **y**: `dy(t) = R_E·Δφ + Δv_north·t = y_j(t) − y_i(t)` exactly, so `|y_j(t*) − y_i(t*)| ≤ R`:
//!   boxes widened by `R_max/2` each overlap.
//! - **z**: likewise `|z_j(t*) − z_i(t*)| ≤ H`.
//! - **u** (the per-pair frame is the subtle part): with `c = cos φ̄` the pair's own factor,
//!   `|Δλ + Δv_east·t*/(R_E·c)| ≤ R/(R_E·c)`. Writing the left side with the per-aircraft
//!   `u` gives `Δu` plus `v_east,j·t*(1/c − 1/c_j)/R_E − v_east,i·t*(1/c − 1/c_i)/R_E`. Because
//!   `|Δφ| ≤ (R + (gs_i + gs_j)·T)/R_E` for any conflicting pair, `φ̄` lies within
//!   `δ_i = (R_max + (gs_i + gs_max)·T)/(2R_E)` of `φ_i`, so `c ∈ [c_lo,i, c_hi,i]` computed from
//!   `|φ_i| ± δ_i`. Each aircraft's `u` box is widened by
//!   `R_max/(2R_E·c_lo,i) + |v_east,i|·T·max|1/c − 1/c_i|/R_E` (over that range), which bounds its
//!   share of the error, whichever aircraft it is paired with. The wrap of `Δλ` to [−180°, 180°)
//!   is a whole number of turns, so boxes are compared on the circle.
//! - **Poles**: when `c_lo,i < 0.05` (within about 3° of a pole, more for fast aircraft) the
//!   bound degenerates, and the aircraft's `u` box is the whole circle: it meets every aircraft
//!   in its latitude band. Longitude is periodic, so the antimeridian needs no special case.
//! - Aircraft whose boxes would cover too many cells (absurd speeds or look-ahead) are tested
//!   against everyone directly.
//!
//! Cells are integer floors of the box edges, which is monotone: overlapping boxes share a
//! cell. The "first slice, smallest shared cell" rule uses only these integers, so each pair is
//! tested exactly once whatever the order of the buckets.
//!
//! The extra filters (vertical, horizontal bound) are only ever applied after the
//! cell rule has picked the one place a pair is tested, and each is a necessary condition for
//! a conflict over the whole look-ahead, so none of them can hide a pair the cell rule chose.
//!
//! # References
//!
//! - C. Ericson, *Real-Time Collision Detection*, 2005, ch. 7 (uniform grids, hashed storage,
//!   testing a pair once in the cell of its overlap's minimum corner).

use crate::Error;
use crate::track::{
    MinimaSet, Prepared, TrackConflict, TrackState, ZERO_RELATIVE_SPEED_MPS, pair,
    pair_prefiltered, prepare,
};
use crate::units::{EARTH_RADIUS_M, wrap_lon_deg};
use std::f64::consts::{FRAC_PI_2, TAU};

/// Knobs of the grid: they change speed, never the answer. The defaults are tuned on the
/// `jic bench cd` traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridTuning {
    /// Number of time slices of the look-ahead (1..=64).
    pub slices: usize,
    /// Cell size as a multiple of the average box size (> 0).
    pub cell_factor: f64,
    /// Worker threads (1 = run on the caller's thread).
    pub threads: usize,
    /// Coarsen the cells for sparse traffic (multiplies `cell_factor` by 1 to 8).
    pub adaptive: bool,
}

impl Default for GridTuning {
    fn default() -> Self {
        Self {
            slices: 1,
            cell_factor: 1.0,
            threads: 2,
            adaptive: true,
        }
    }
}

/// Aircraft whose bound comes within this cosine of a pole get a whole-circle longitude box.
const MIN_COS_LAT: f64 = 0.05;
/// Aircraft per box-sized cell the adaptive cell size aims at.
const TARGET_OCCUPANCY: f64 = 2.0;
/// An aircraft needing more cells than this is tested against everyone instead.
const MAX_CELLS_PER_AIRCRAFT: f64 = 4096.0;
/// Integer cell coordinates must stay well inside i32 so that floors are exact.
const MAX_CELL_COORD: f64 = 1.0e9;
/// Relative widening of every bound, against rounding.
const REL_MARGIN: f64 = 1e-9;
/// Absolute widening of every distance bound, metres.
const ABS_MARGIN_M: f64 = 1e-3;

/// Detects every conflicting pair with the default tuning; same answer as
/// [`crate::track::detect_all_pairs`], typically orders of magnitude faster.
///
/// Conflicts are ordered by `(first, second)` (input indices, `first < second`).
///
/// # Errors
/// [`Error::InvalidState`], [`Error::InvalidMinima`] or [`Error::MinimaCount`].
pub fn detect(states: &[TrackState], minima: &MinimaSet<'_>) -> Result<Vec<TrackConflict>, Error> {
    detect_tuned(states, minima, &GridTuning::default())
}

/// [`detect`] with explicit tuning (benchmarks and tests).
///
/// # Errors
/// As [`detect`].
pub fn detect_tuned(
    states: &[TrackState],
    minima: &MinimaSet<'_>,
    tuning: &GridTuning,
) -> Result<Vec<TrackConflict>, Error> {
    let prepared = prepare(states, minima)?;
    Ok(detect_prepared(&prepared, tuning))
}

/// Cells one aircraft covers in one slice: inclusive ranges in y and z, and `x_count`
/// longitude cells starting at residue `x_start` (wrapping modulo `nlon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct SliceCells {
    y0: i32,
    y1: i32,
    z0: i32,
    z1: i32,
    x_start: u32,
    x_count: u32,
}

/// One rasterised cell occupancy, stored in its hash bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Entry {
    /// Slice in the top 8 bits, longitude residue below.
    slice_x: u32,
    y: i32,
    z: i32,
    aircraft: u32,
    /// The aircraft's lowest y and z cells in this slice, so that most non-canonical shared
    /// cells are rejected without looking the aircraft up.
    y0: i32,
    z0: i32,
    /// The aircraft's longitude range in this slice, for the same reason.
    x_start: u32,
    x_count: u32,
}

/// Float bounds of one aircraft over the whole look-ahead, before rasterisation.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    /// Longitude box half-width, turns; infinite means the whole circle.
    u_margin: f64,
    /// Longitude rate, turns per second (0 when the box is the whole circle).
    u_rate: f64,
}

struct Layout {
    slice_s: f64,
    cell_y: f64,
    cell_z: f64,
    nlon: u32,
    y_margin: f64,
    z_margin: f64,
}

fn detect_prepared(aircraft: &[Prepared], tuning: &GridTuning) -> Vec<TrackConflict> {
    let n = aircraft.len();
    if n < 2 {
        return Vec::new();
    }
    let slices = tuning.slices.clamp(1, 64);
    let mut factor: f64 = if tuning.cell_factor.is_finite() && tuning.cell_factor > 0.0 {
        tuning.cell_factor
    } else {
        1.0
    };

    let max_of = |f: fn(&Prepared) -> f64| aircraft.iter().map(f).fold(0.0_f64, f64::max);
    let r_max = max_of(|a| a.rpz_m);
    let h_max = max_of(|a| a.hpz_m);
    let t_span = max_of(|a| a.lookahead_s) * (1.0 + REL_MARGIN);
    let gs_max = max_of(|a| a.v_east.hypot(a.v_north));
    let frozen = ZERO_RELATIVE_SPEED_MPS * t_span;
    let r_eff = r_max * (1.0 + REL_MARGIN) + frozen + ABS_MARGIN_M;
    let h_eff = h_max * (1.0 + REL_MARGIN) + frozen + ABS_MARGIN_M;

    let bounds: Vec<Bounds> = aircraft
        .iter()
        .map(|a| lon_bounds(a, r_eff, gs_max, t_span))
        .collect();
    let slice_s = t_span / slices as f64;

    // Cell sizes from the median box (the mean would let a few polar or supersonic outliers
    // inflate every cell): about two cells per axis per box.
    let mut ys: Vec<f64> = aircraft
        .iter()
        .map(|a| a.v_north.abs() * slice_s + r_eff)
        .collect();
    let mut zs: Vec<f64> = aircraft
        .iter()
        .map(|a| a.v_up.abs() * slice_s + h_eff)
        .collect();
    let mut us: Vec<f64> = bounds
        .iter()
        .filter(|b| b.u_margin.is_finite())
        .map(|b| b.u_rate.abs() * slice_s + 2.0 * b.u_margin)
        .collect();
    let median_y = median(&mut ys);
    let median_z = median(&mut zs);
    let median_u = if us.is_empty() { 1.0 } else { median(&mut us) };

    // Sparse traffic is cheaper with coarser cells (fewer cells per box, few extra pairs), dense
    // traffic with cells about the size of a box. Estimate how many aircraft share a box-sized
    // cell from the spread of positions (10th to 90th percentile on each axis) and coarsen the
    // cells until about TARGET_OCCUPANCY would.
    if tuning.adaptive {
        let spread = |mut v: Vec<f64>| -> f64 {
            let len = v.len();
            if len < 2 {
                return 0.0;
            }
            let lo = *v.select_nth_unstable_by(len / 10, f64::total_cmp).1;
            let hi = *v
                .select_nth_unstable_by(len - 1 - len / 10, f64::total_cmp)
                .1;
            hi - lo
        };
        let extent_y = spread(
            aircraft
                .iter()
                .map(|a| EARTH_RADIUS_M * a.lat_deg.to_radians())
                .collect(),
        ) + median_y;
        let extent_z = spread(aircraft.iter().map(|a| a.alt_m).collect()) + median_z;
        let extent_u = (spread(
            aircraft
                .iter()
                .map(|a| (a.lon_deg / 360.0).rem_euclid(1.0))
                .collect(),
        ) + median_u)
            .min(1.0);
        let occupancy = 0.5
            * n as f64
            * (median_y / extent_y).min(1.0)
            * (median_z / extent_z).min(1.0)
            * (median_u / extent_u).min(1.0);
        if occupancy.is_finite() && occupancy > 0.0 {
            factor *= (TARGET_OCCUPANCY / occupancy).cbrt().clamp(1.0, 8.0);
        }
    }
    let nlon = if median_u > 0.0 {
        (1.0 / (factor * median_u))
            .floor()
            .clamp(1.0, f64::from(1u32 << 22)) as u32
    } else {
        1
    };
    let layout = Layout {
        slice_s,
        cell_y: (factor * median_y).max(1.0),
        cell_z: (factor * median_z).max(1.0),
        nlon,
        y_margin: r_eff / 2.0,
        z_margin: h_eff / 2.0,
    };
    let grid = Grid::build(aircraft, &bounds, &layout, slices);
    let Grid {
        cells,
        direct,
        is_direct,
        entries,
        starts,
        nlon,
    } = grid;
    let bucket_count = starts.len() - 1;
    let total_entries = entries.len();

    let ctx = Context {
        aircraft,
        cells: &cells,
        slices,
        nlon,
    };
    let threads = tuning.threads.max(1);
    let mut out = if threads == 1 || total_entries < 20_000 {
        scan_buckets(&ctx, &starts, &entries, 0, bucket_count)
    } else {
        // Split the buckets so each thread gets about the same number of entries.
        let mut bounds_at = vec![0usize];
        for t in 1..threads {
            let target = (total_entries * t / threads) as u32;
            bounds_at.push(starts.partition_point(|&s| s < target).min(bucket_count));
        }
        bounds_at.push(bucket_count);
        let parts: Vec<Vec<TrackConflict>> = std::thread::scope(|scope| {
            let handles: Vec<_> = bounds_at
                .windows(2)
                .map(|w| {
                    let (lo, hi) = (w[0], w[1]);
                    let (ctx, starts, entries) = (&ctx, &starts, &entries);
                    scope.spawn(move || scan_buckets(ctx, starts, entries, lo, hi))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        parts.concat()
    };

    // Aircraft outside the grid: test them against everyone, each pair once.
    for &i in &direct {
        for (j, &j_direct) in is_direct.iter().enumerate() {
            if j == i || (j_direct && j < i) {
                continue;
            }
            let (first, second) = (i.min(j), i.max(j));
            if let Some((tcpa_s, dcpa_m, tin_s, tout_s)) = pair(&aircraft[first], &aircraft[second])
            {
                out.push(TrackConflict {
                    first,
                    second,
                    tcpa_s,
                    dcpa_m,
                    tin_s,
                    tout_s,
                });
            }
        }
    }
    out.sort_unstable_by_key(|c| (c.first, c.second));
    out
}

/// The rasterised boxes, bucketed.
struct Grid {
    cells: Vec<SliceCells>,
    direct: Vec<usize>,
    is_direct: Vec<bool>,
    /// Entries grouped by bucket: bucket `b` is `entries[starts[b]..starts[b + 1]]`.
    entries: Vec<Entry>,
    starts: Vec<u32>,
    nlon: u32,
}

impl Grid {
    fn build(aircraft: &[Prepared], bounds: &[Bounds], layout: &Layout, slices: usize) -> Self {
        let n = aircraft.len();
        // Rasterise every (aircraft, slice) box; aircraft that would need too many cells are
        // set aside for a direct test against everyone.
        let mut cells = vec![SliceCells::default(); n * slices];
        let mut direct: Vec<usize> = Vec::new();
        let mut is_direct = vec![false; n];
        let mut total_entries = 0usize;
        for (i, (a, b)) in aircraft.iter().zip(bounds).enumerate() {
            match rasterise(a, b, layout, &mut cells[i * slices..(i + 1) * slices]) {
                Some(count) => total_entries += count,
                None => {
                    direct.push(i);
                    is_direct[i] = true;
                }
            }
        }
        // Counting sort of the entries into hash buckets; the bucket of each entry is computed
        // once and kept beside it.
        let bits = (usize::BITS - total_entries.max(2).leading_zeros()).clamp(1, 40);
        let bucket_count = 1usize << bits;
        let shift = 64 - bits;
        let mut unsorted: Vec<(u32, Entry)> = Vec::with_capacity(total_entries);
        let mut starts = vec![0u32; bucket_count + 1];
        for_each_entry(&cells, &is_direct, slices, layout.nlon, |e| {
            let b = bucket(&e, shift);
            starts[b] += 1;
            unsorted.push((b as u32, e));
        });
        let mut running = 0u32;
        for s in &mut starts {
            let c = *s;
            *s = running;
            running += c;
        }
        let mut fill = starts.clone();
        let mut entries = vec![Entry::default(); total_entries];
        for (b, e) in unsorted {
            let slot = &mut fill[b as usize];
            entries[*slot as usize] = e;
            *slot += 1;
        }
        Self {
            cells,
            direct,
            is_direct,
            entries,
            starts,
            nlon: layout.nlon,
        }
    }
}

/// The median of a non-empty list (upper median for even lengths).
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mid = values.len() / 2;
    *values.select_nth_unstable_by(mid, f64::total_cmp).1
}

/// Longitude bound of one aircraft (see the module docs for the derivation).
fn lon_bounds(a: &Prepared, r_eff: f64, gs_max: f64, t_span: f64) -> Bounds {
    let whole = Bounds {
        u_margin: f64::INFINITY,
        u_rate: 0.0,
    };
    let gs = a.v_east.hypot(a.v_north);
    let lat = a.lat_deg.to_radians().abs();
    let delta = (r_eff + (gs + gs_max) * t_span) / (2.0 * EARTH_RADIUS_M) * (1.0 + REL_MARGIN);
    let c_lo = (lat + delta).min(FRAC_PI_2).cos();
    let c_hi = (lat - delta).max(0.0).cos();
    let c_own = lat.cos();
    if !(c_lo >= MIN_COS_LAT) || !delta.is_finite() {
        return whole;
    }
    let spread = (1.0 / c_lo - 1.0 / c_own)
        .max(1.0 / c_own - 1.0 / c_hi)
        .max(0.0);
    let margin_rad =
        r_eff / (2.0 * EARTH_RADIUS_M * c_lo) + a.v_east.abs() * t_span * spread / EARTH_RADIUS_M;
    let u_margin = margin_rad / TAU * (1.0 + REL_MARGIN) + 1e-12;
    if !u_margin.is_finite() || u_margin >= 0.5 {
        return whole;
    }
    Bounds {
        u_margin,
        u_rate: a.v_east / (TAU * EARTH_RADIUS_M * c_own),
    }
}

/// Fills one aircraft's per-slice cell ranges; `None` if it needs too many cells.
fn rasterise(a: &Prepared, b: &Bounds, layout: &Layout, out: &mut [SliceCells]) -> Option<usize> {
    let y_origin = EARTH_RADIUS_M * a.lat_deg.to_radians();
    let u_origin = a.lon_deg / 360.0;
    let nlon = f64::from(layout.nlon);
    let mut total = 0.0;
    for (k, cell) in out.iter_mut().enumerate() {
        let t0 = layout.slice_s * k as f64;
        let t1 = layout.slice_s * (k + 1) as f64;
        let (y_lo, y_hi) = span(y_origin, a.v_north, t0, t1, layout.y_margin);
        let (z_lo, z_hi) = span(a.alt_m, a.v_up, t0, t1, layout.z_margin);
        let (y0, y1) = (
            (y_lo / layout.cell_y).floor(),
            (y_hi / layout.cell_y).floor(),
        );
        let (z0, z1) = (
            (z_lo / layout.cell_z).floor(),
            (z_hi / layout.cell_z).floor(),
        );
        if !(y0.abs() < MAX_CELL_COORD
            && y1.abs() < MAX_CELL_COORD
            && z0.abs() < MAX_CELL_COORD
            && z1.abs() < MAX_CELL_COORD)
        {
            return None;
        }
        let (x_start, x_count) = if b.u_margin.is_finite() {
            let (u_lo, u_hi) = span(u_origin, b.u_rate, t0, t1, b.u_margin);
            let (x0, x1) = ((u_lo * nlon).floor(), (u_hi * nlon).floor());
            if !(x0.abs() < 1e15 && x1.abs() < 1e15) || x1 - x0 + 1.0 >= nlon {
                (0, layout.nlon)
            } else {
                (
                    x0.rem_euclid(nlon) as u32 % layout.nlon,
                    (x1 - x0 + 1.0) as u32,
                )
            }
        } else {
            (0, layout.nlon)
        };
        total += (y1 - y0 + 1.0) * (z1 - z0 + 1.0) * f64::from(x_count);
        if total > MAX_CELLS_PER_AIRCRAFT {
            return None;
        }
        *cell = SliceCells {
            y0: y0 as i32,
            y1: y1 as i32,
            z0: z0 as i32,
            z1: z1 as i32,
            x_start,
            x_count,
        };
    }
    Some(total as usize)
}

/// The range of `origin + rate·t` over `[t0, t1]`, widened by `margin` on both sides.
fn span(origin: f64, rate: f64, t0: f64, t1: f64, margin: f64) -> (f64, f64) {
    let (p0, p1) = (origin + rate * t0, origin + rate * t1);
    (p0.min(p1) - margin, p0.max(p1) + margin)
}

fn for_each_entry(
    cells: &[SliceCells],
    is_direct: &[bool],
    slices: usize,
    nlon: u32,
    mut f: impl FnMut(Entry),
) {
    for (i, &direct) in is_direct.iter().enumerate() {
        if direct {
            continue;
        }
        for k in 0..slices {
            let c = cells[i * slices + k];
            for dx in 0..c.x_count {
                let x = (c.x_start + dx) % nlon;
                let slice_x = ((k as u32) << 24) | x;
                for y in c.y0..=c.y1 {
                    for z in c.z0..=c.z1 {
                        f(Entry {
                            slice_x,
                            y,
                            z,
                            aircraft: i as u32,
                            y0: c.y0,
                            z0: c.z0,
                            x_start: c.x_start,
                            x_count: c.x_count,
                        });
                    }
                }
            }
        }
    }
}

#[inline]
fn bucket(e: &Entry, shift: u32) -> usize {
    let mut h = (u64::from(e.slice_x) << 32) ^ u64::from(e.y as u32);
    h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(e.z as u32).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (h >> shift) as usize
}

struct Context<'a> {
    aircraft: &'a [Prepared],
    cells: &'a [SliceCells],
    slices: usize,
    nlon: u32,
}

fn scan_buckets(
    ctx: &Context<'_>,
    starts: &[u32],
    entries: &[Entry],
    lo: usize,
    hi: usize,
) -> Vec<TrackConflict> {
    let mut out = Vec::new();
    for b in lo..hi {
        let group = &entries[starts[b] as usize..starts[b + 1] as usize];
        for (p, e) in group.iter().enumerate() {
            for f in &group[p + 1..] {
                if e.slice_x != f.slice_x
                    || e.y != f.y
                    || e.z != f.z
                    || e.y != e.y0.max(f.y0)
                    || e.z != e.z0.max(f.z0)
                {
                    continue;
                }
                let (i, j) = if e.aircraft < f.aircraft {
                    (e.aircraft, f.aircraft)
                } else {
                    (f.aircraft, e.aircraft)
                };
                let (i, j) = (i as usize, j as usize);
                // The first slice needs no earlier-slice check, and its x test can use the
                // entries themselves; later slices look the aircraft up.
                let canonical = if e.slice_x >> 24 == 0 {
                    let (ea, fa) = (
                        SliceCells {
                            x_start: e.x_start,
                            x_count: e.x_count,
                            ..SliceCells::default()
                        },
                        SliceCells {
                            x_start: f.x_start,
                            x_count: f.x_count,
                            ..SliceCells::default()
                        },
                    );
                    first_shared_x(&ea, &fa, ctx.nlon) == Some(e.slice_x & 0x00FF_FFFF)
                } else {
                    is_canonical(ctx, i, j, e)
                };
                if !canonical {
                    continue;
                }
                let (a, b) = (&ctx.aircraft[i], &ctx.aircraft[j]);
                if let Some((tcpa_s, dcpa_m, tin_s, tout_s)) = pair_prefiltered(a, b, may_conflict)
                {
                    out.push(TrackConflict {
                        first: i,
                        second: j,
                        tcpa_s,
                        dcpa_m,
                        tin_s,
                        tout_s,
                    });
                }
            }
        }
    }
    out
}

/// A cheap necessary condition for a conflict, without the pair's `cos φ̄`.
///
/// A conflict needs some `t ∈ [0, T]` with `|d + v·t| ≤ R` (module docs). The pair's
/// `c = cos φ̄` lies in `[c_lo, c_hi]`: between `cos φ_i` and `cos φ_j` when both latitudes have
/// the same sign (cos is monotonic there), and in `[min, 1]` otherwise. Using the midpoint `c_m`
/// moves `dx` by at most `R_E·|Δλ|·(c_hi − c_lo)/2`, which is added to `R` along with the
/// zero-speed allowance and a rounding margin; then the closest approach over `[0, T]` is
/// compared. Vertical is left to the exact test, whose first step it is anyway.
#[inline]
fn may_conflict(a: &Prepared, b: &Prepared) -> bool {
    let (c_lo, c_hi) = if (a.lat_deg >= 0.0) == (b.lat_deg >= 0.0) {
        (a.cos_lat.min(b.cos_lat), a.cos_lat.max(b.cos_lat))
    } else {
        (a.cos_lat.min(b.cos_lat), 1.0)
    };
    let c_mid = 0.5 * (c_lo + c_hi);
    let dlon = wrap_lon_deg(b.lon_deg - a.lon_deg).to_radians();
    let dx = EARTH_RADIUS_M * dlon * c_mid;
    let dy = EARTH_RADIUS_M * (b.lat_deg - a.lat_deg).to_radians();
    let lookahead = a.lookahead_s.max(b.lookahead_s);
    let slack = EARTH_RADIUS_M * dlon.abs() * (0.5 * (c_hi - c_lo) + 1e-12)
        + ZERO_RELATIVE_SPEED_MPS * lookahead
        + ABS_MARGIN_M
        + 1e-9 * (dx.abs() + dy.abs());
    let r = a.rpz_m.max(b.rpz_m) * (1.0 + REL_MARGIN) + slack;
    let vx = b.v_east - a.v_east;
    let vy = b.v_north - a.v_north;
    let v2 = vx * vx + vy * vy;
    let t = if v2 > 0.0 {
        (-(dx * vx + dy * vy) / v2).clamp(0.0, lookahead)
    } else {
        0.0
    };
    let (cx, cy) = (dx + vx * t, dy + vy * t);
    cx * cx + cy * cy <= r * r
}

/// Whether `cell` is where the pair `(i, j)` is tested: the first slice in which their cells
/// meet, and in it the smallest shared cell.
#[inline]
fn is_canonical(ctx: &Context<'_>, i: usize, j: usize, cell: &Entry) -> bool {
    let k = (cell.slice_x >> 24) as usize;
    let x = cell.slice_x & 0x00FF_FFFF;
    let a = &ctx.cells[i * ctx.slices + k];
    let b = &ctx.cells[j * ctx.slices + k];
    if cell.y != a.y0.max(b.y0) || cell.z != a.z0.max(b.z0) {
        return false;
    }
    if first_shared_x(a, b, ctx.nlon) != Some(x) {
        return false;
    }
    (0..k).all(|earlier| {
        let a = &ctx.cells[i * ctx.slices + earlier];
        let b = &ctx.cells[j * ctx.slices + earlier];
        !(a.y0 <= b.y1
            && b.y0 <= a.y1
            && a.z0 <= b.z1
            && b.z0 <= a.z1
            && first_shared_x(a, b, ctx.nlon).is_some())
    })
}

/// The smallest longitude residue covered by both boxes, if any.
fn first_shared_x(a: &SliceCells, b: &SliceCells, nlon: u32) -> Option<u32> {
    let pieces = |c: &SliceCells| -> [(u32, u32); 2] {
        let end = c.x_start + c.x_count - 1;
        if end < nlon {
            [(c.x_start, end), (1, 0)]
        } else {
            [(c.x_start, nlon - 1), (0, end - nlon)]
        }
    };
    let mut best: Option<u32> = None;
    for (a0, a1) in pieces(a) {
        for (b0, b1) in pieces(b) {
            let (lo, hi) = (a0.max(b0), a1.min(b1));
            if lo <= hi && a0 <= a1 && b0 <= b1 {
                best = Some(best.map_or(lo, |v| v.min(lo)));
            }
        }
    }
    best
}
