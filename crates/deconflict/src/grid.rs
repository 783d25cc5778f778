//! The production track detector: a conservative space-time grid in front of the pair test.
//!
//! # What it computes
//!
//! Exactly what [`crate::track::detect_all_pairs`] computes — the same pairs, in the same order,
//! with bit-for-bit identical values, because every surviving pair goes through the same
//! [`crate::track`] pair function. The grid only decides which pairs are worth testing, and it
//! never skips a pair that could conflict (proof below). The tests check this against the
//! reference on random traffic, including the antimeridian, the poles and pairs exactly at the
//! separation minima.
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
//! widened by per-aircraft margins, and rasterise that box into the cells of a hashed grid over
//! `(u, y, z)`, one grid per slice. Each cell entry carries the box in the cell's own
//! coordinates (the cell is `[0, 1)` on each axis), rounded outwards to `f32`.
//!
//! Per slice, a counting sort groups the entries by cell hash; two aircraft in the same cell are
//! a candidate pair if their boxes overlap there and, on every axis, one of the two boxes starts
//! in that cell — the first cell they share, so a pair is normally found once per slice. The
//! candidates of all slices are then radix-sorted as `(first, second)` keys and deduplicated,
//! which also gives the output order, and each distinct pair is tested once.
//!
//! Slicing pays in dense traffic: on the 10,000-aircraft theatre bench, four slices cut the
//! distinct candidate pairs from about 155,000 to 48,000 (18,590 conflicts). The number of slices
//! is chosen from an estimate of how many aircraft share a whole-look-ahead box: 4 when it is
//! dense, 1 when sparse (world-wide traffic). Cell sizes follow the *median* box (outliers such
//! as polar or supersonic aircraft would inflate a mean) and are coarsened up to 8× when the
//! traffic is sparse, because then the cost is the number of cells per aircraft, not the pairs
//! per cell.
//!
//! Level pairs exactly at the vertical minimum (1000 ft apart) are candidates: their boxes
//! touch, and the margins against rounding make them overlap by about a millimetre. The exact
//! vertical test rejects them first, at a few nanoseconds each. On the bench traffic (cruise
//! levels 2000 ft apart) they are a few per cent of the candidates; with semicircular levels
//! 1000 ft apart, measured 61,000 distinct candidates instead of 48,000 on 10,000 aircraft and
//! about 10% more time. Pruning them in the grid would need the box test to decide `|Δz| < H`
//! exactly, which no rounding margin allows, so it is not done.
//!
//! Surviving pairs pass two cheaper necessary conditions before the exact test: the exact
//! vertical test of [`crate::track`] (its first step anyway), and a horizontal closest-approach
//! bound that replaces the pair's `cos φ̄` by the midpoint of a range that provably contains it,
//! widened by the error that can cause (see `may_conflict`). Only survivors pay for the cosine.
//!
//! Threads: each thread takes the next slice not yet taken (with fewer slices than threads,
//! each slice is split by cell hash), so a thread the machine slows down holds no one up; each
//! radix-sorts its own candidates, the main thread merges them, and the merged list is cut into
//! contiguous pieces, taken the same way, whose conflicts are concatenated in order. A [`Detector`] keeps all buffers between cycles. Memory is O(N·c)
//! per worker for the entries of the slice in hand (`c`, the cells per box, is about 3 on the
//! bench traffic) plus O(candidate pairs), which is at most a small multiple of the conflicts
//! in dense traffic.
//!
//! # Why the pruning is conservative
//!
//! Let a pair conflict. Then `tin ≤ tout`, `tout > 0`, `tin < T`, so some
//! `t* ∈ [max(tin, 0), min(tout, T)]` lies in both the horizontal and the vertical intervals:
//! `|d + v·t*| ≤ R` and `|Δalt + v_z·t*| ≤ H` (closed, since interval ends are limits), and
//! `t*` lies in some slice `k`. With a zero-speed rule in force the true separation differs from
//! the frozen one by at most `1e-6 m/s · T`; that is added to the margins, as is a relative 1e-9
//! and 1 mm against rounding.
//!
//! - **y**: `dy(t) = R_E·Δφ + Δv_north·t = y_j(t) − y_i(t)` exactly, so `|y_j(t*) − y_i(t*)| ≤ R`:
//!   boxes widened by `R_max/2` each overlap in slice `k`.
//! - **z**: likewise `|z_j(t*) − z_i(t*)| ≤ H`.
//! - **u** (the per-pair frame is the subtle part): with `c = cos φ̄` the pair's own factor,
//!   `|Δλ + Δv_east·t*/(R_E·c)| ≤ R/(R_E·c)`. Writing the left side with the per-aircraft
//!   `u` gives `Δu` plus `v_east,j·t*(1/c − 1/c_j)/R_E − v_east,i·t*(1/c − 1/c_i)/R_E`. Because
//!   `|Δφ| ≤ (R + (gs_i + gs_j)·T)/R_E` for any conflicting pair, `φ̄` lies within
//!   `δ_i = (R_max + (gs_i + gs_max)·T)/(2R_E)` of `φ_i`, so `c ∈ [c_lo,i, c_hi,i]`, bounds of
//!   `cos` over `|φ_i| ± δ_i` (from `cos(a ± δ) = cos a·cos δ ∓ sin a·sin δ` with
//!   `1 − δ²/2 ≤ cos δ ≤ 1` and `sin δ ≤ δ`). Each aircraft's `u` box is widened by
//!   `R_max/(2R_E·c_lo,i) + |v_east,i|·T·max|1/c − 1/c_i|/R_E` (over that range), which bounds its
//!   share of the error, whichever aircraft it is paired with. The wrap of `Δλ` to [−180°, 180°)
//!   is a whole number of turns, so boxes are compared on the circle.
//! - **Poles**: when `c_lo,i < 0.05` (within about 3° of a pole, more for fast aircraft) the
//!   bound degenerates, and the aircraft's `u` box is the whole circle: it meets every aircraft
//!   in its latitude band. Longitude is periodic, so the antimeridian needs no special case.
//! - Aircraft whose boxes would cover too many cells (absurd speeds or look-ahead) are tested
//!   against everyone directly.
//!
//! **Cells.** Cell indices are floors of the box edges times the inverse cell size, which is
//! monotone, so boxes that overlap share every cell of the overlap, in particular its first one
//! `(max y₀, max z₀, first shared longitude residue)`, and there each box either starts or
//! reaches back past the cell's start: "one of the two starts here" holds on every axis. (When
//! two longitude arcs overlap at both ends, two cells qualify; the deduplication absorbs that.)
//!
//! **Cell-local `f32` boxes.** In the cell `c`, a box edge `e` (in cell units) is stored as
//! `e − c`, clamped to `[−1, 2]` and rounded outwards by 2.5e-7 — more than the `f32` rounding
//! of any number in that range. Subtracting the same `c` and rounding outwards keep `lo_a ≤ hi_b`
//! true whenever it is true of the `f64` edges; the clamp changes no such comparison between two
//! boxes that cover the cell (there `lo < 1` and `hi ≥ 0`). For longitude the two aircraft's
//! entries in one residue may come from different turns `c` and `c + m·nlon`; in exact
//! arithmetic the local coordinates are then the boxes shifted by the matching whole turns, and
//! the rounding of `e − c` (below 1e-9 of a cell for `nlon ≤ 2²²`) is far inside the 1e-12-turn
//! absolute margin of every `u` box. A start (`e − c ≥ 0`) is rounded no further than 0, so
//! the sign test "starts here" is exact.
//!
//! **Slices and threads.** A pair conflicting at `t*` in slice `k` is found in slice `k`,
//! whatever else happens in other slices; repeats are removed by the sort, so each pair is tested
//! exactly once. Splitting a slice by cell hash gives every cell to exactly one job.
//!
//! The extra filters (vertical, horizontal bound) are necessary conditions for a conflict over
//! the whole look-ahead and run on distinct pairs, so none of them can hide a conflict.
//!
//! # References
//!
//! - C. Ericson, *Real-Time Collision Detection*, 2005, ch. 7 (uniform grids, hashed storage,
//!   testing a pair once in the cell of its overlap's minimum corner).
//! - P. M. Terdiman, *Radix Sort Revisited*, 2000 (LSD radix sort with skipped passes).

use crate::Error;
use crate::track::{
    MinimaSet, Prepared, TrackConflict, TrackState, ZERO_RELATIVE_SPEED_MPS, pair,
    pair_prefiltered, prepare_into,
};
use crate::units::{EARTH_RADIUS_M, wrap_lon_deg};
use std::f64::consts::TAU;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Knobs of the grid: they change speed, never the answer. The defaults are tuned on the
/// `jic bench cd` traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridTuning {
    /// Number of time slices of the look-ahead (1..=64), or 0 to choose from the traffic
    /// density (4 for dense traffic, 1 for sparse).
    pub slices: usize,
    /// Cell size as a multiple of the median box size (> 0).
    pub cell_factor: f64,
    /// Worker threads (1 = run on the caller's thread).
    pub threads: usize,
    /// Coarsen the cells for sparse traffic (multiplies `cell_factor` by 1 to 8).
    pub adaptive: bool,
}

impl Default for GridTuning {
    fn default() -> Self {
        Self {
            slices: 0,
            cell_factor: 1.0,
            threads: 2,
            adaptive: true,
        }
    }
}

/// Aircraft whose bound comes within this cosine of a pole get a whole-circle longitude box.
const MIN_COS_LAT: f64 = 0.05;
/// Whole-look-ahead occupancy (see `Detector::layout`) above which the look-ahead is sliced.
const DENSE_OCCUPANCY: f64 = 0.5;
/// Aircraft per box-sized cell the adaptive cell size aims at.
const TARGET_OCCUPANCY: f64 = 2.0;
/// An aircraft needing more cells than this (over all slices) is tested against everyone.
const MAX_CELLS_PER_AIRCRAFT: f64 = 4096.0;
/// Integer cell coordinates must stay well inside i32 so that floors are exact.
const MAX_CELL_COORD: f64 = 1.0e9;
/// Relative widening of every bound, against rounding.
const REL_MARGIN: f64 = 1e-9;
/// Absolute widening of every distance bound, metres.
const ABS_MARGIN_M: f64 = 1e-3;
/// Below this many aircraft the detector stays on the caller's thread.
const MIN_AIRCRAFT_FOR_THREADS: usize = 2000;
/// Pieces of the exact tests per thread (more pieces balance better on a busy machine).
const PIECES_PER_THREAD: usize = 4;
/// Below this many candidate pairs the exact tests stay on the caller's thread.
const MIN_CANDIDATES_FOR_THREADS: usize = 8192;

/// Detects every conflicting pair with the default tuning; same answer as
/// [`crate::track::detect_all_pairs`], typically orders of magnitude faster.
///
/// Conflicts are ordered by `(first, second)` (input indices, `first < second`). A caller
/// running every surveillance cycle should keep a [`Detector`] instead, which reuses its
/// buffers.
///
/// # Errors
/// [`Error::InvalidState`], [`Error::InvalidMinima`] or [`Error::MinimaCount`].
pub fn detect(states: &[TrackState], minima: &MinimaSet<'_>) -> Result<Vec<TrackConflict>, Error> {
    Detector::default().detect(states, minima)
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
    Detector::new(*tuning).detect(states, minima)
}

/// The production detector with its scratch space: keep one and call [`Detector::detect`]
/// every cycle, and after the first cycles it no longer allocates (except the returned
/// conflicts). The answer is exactly [`detect`]'s.
///
/// ```
/// use jic_deconflict::grid::Detector;
/// use jic_deconflict::track::{Minima, TrackState};
///
/// let a = TrackState { lat_deg: 34.55, lon_deg: 38.27, alt_ft: 30_000.0, gs_kt: 420.0, trk_deg: 90.0, vs_fpm: 0.0 };
/// let b = TrackState { lon_deg: 38.5, trk_deg: 270.0, ..a };
/// let mut detector = Detector::default();
/// for _cycle in 0..3 {
///     let conflicts = detector.detect(&[a, b], &Minima::default().into())?;
///     assert_eq!(conflicts.len(), 1);
/// }
/// # Ok::<(), jic_deconflict::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Detector {
    tuning: GridTuning,
    prepared: Vec<Prepared>,
    bounds: Vec<Bounds>,
    values: Vec<f64>,
    is_direct: Vec<bool>,
    direct: Vec<usize>,
    /// One per worker thread.
    scratch: Vec<Scratch>,
    candidates: Vec<u64>,
    merge_buffer: Vec<u64>,
    /// The conflicts of each piece of the exact tests, in candidate order.
    pieces: Vec<Mutex<Vec<TrackConflict>>>,
}

/// One worker's buffers.
#[derive(Debug, Default)]
struct Scratch {
    unsorted: Vec<Entry>,
    /// Cell hash of each unsorted entry, without the bits that chose the part.
    hashes: Vec<u64>,
    bucket_of: Vec<u32>,
    entries: Vec<Entry>,
    starts: Vec<u32>,
    /// Buckets holding at least two entries.
    multi: Vec<u32>,
    /// Candidate keys; only the first `candidate_len` are meaningful while slices are scanned.
    candidates: Vec<u64>,
    candidate_len: usize,
    radix_buffer: Vec<u64>,
}

/// One cell occupied by one aircraft's box in one slice.
///
/// `lo`/`hi` are the box in cell-local coordinates (longitude, y, z; the cell is `[0, 1)` on
/// each axis), rounded outwards to `f32`. `lo ≥ 0` on an axis means the box starts in this
/// cell on that axis.
///
/// Cells are told apart by `tag`, the low half of their 64-bit hash (the high bits choose the
/// bucket). Two cells sharing a bucket and a tag would only be scanned as one, which can add
/// candidate pairs but never lose one.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    tag: u32,
    aircraft: u32,
    lo: [f32; 3],
    hi: [f32; 3],
}

/// Per-aircraft constants of the rasterisation.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    /// `R_E·φ`, metres.
    y_origin: f64,
    /// `λ/360°`, turns.
    u_origin: f64,
    /// Longitude box half-width, turns; infinite means the whole circle.
    u_margin: f64,
    /// Longitude rate, turns per second (0 when the box is the whole circle).
    u_rate: f64,
}

#[derive(Debug, Clone, Copy)]
struct Layout {
    slices: usize,
    slice_s: f64,
    cell_y: f64,
    cell_z: f64,
    nlon: u32,
    y_margin: f64,
    z_margin: f64,
}

/// One aircraft's box in one slice, in cell units (`t* = coordinate / cell size`), and the
/// inclusive integer cell ranges it covers.
#[derive(Debug, Clone, Copy)]
struct SliceCells {
    /// `None`: the whole longitude circle.
    x: Option<(f64, f64, i64, i64)>,
    y: (f64, f64, i64, i64),
    z: (f64, f64, i64, i64),
}

impl SliceCells {
    fn count(&self, nlon: u32) -> f64 {
        let x = self
            .x
            .map_or(f64::from(nlon), |(_, _, x0, x1)| (x1 - x0 + 1) as f64);
        x * (self.y.3 - self.y.2 + 1) as f64 * (self.z.3 - self.z.2 + 1) as f64
    }
}

/// Shared read-only state of one cycle.
struct Context<'a> {
    aircraft: &'a [Prepared],
    bounds: &'a [Bounds],
    is_direct: &'a [bool],
    layout: Layout,
    /// Bits of an aircraft index in a candidate key.
    index_bits: u32,
}

impl Detector {
    /// A detector with the given tuning.
    #[must_use]
    pub fn new(tuning: GridTuning) -> Self {
        Self {
            tuning,
            ..Self::default()
        }
    }

    /// Detects every conflicting pair among `states`: exactly
    /// [`crate::track::detect_all_pairs`]'s answer, ordered by `(first, second)`.
    ///
    /// # Errors
    /// [`Error::InvalidState`], [`Error::InvalidMinima`] or [`Error::MinimaCount`].
    pub fn detect(
        &mut self,
        states: &[TrackState],
        minima: &MinimaSet<'_>,
    ) -> Result<Vec<TrackConflict>, Error> {
        prepare_into(states, minima, &mut self.prepared)?;
        Ok(self.run())
    }

    fn run(&mut self) -> Vec<TrackConflict> {
        let n = self.prepared.len();
        if n < 2 {
            return Vec::new();
        }
        let layout = self.layout();
        let aircraft = &self.prepared[..];

        // Aircraft whose boxes need too many cells (absurd speeds or look-ahead) are tested
        // against everyone instead.
        self.is_direct.clear();
        self.is_direct.resize(n, false);
        self.direct.clear();
        let slices = layout.slices;
        // Each slice's box lies inside the box of the whole look-ahead (the same monotone
        // operations on a sub-interval of time), so bounding that one bounds every slice.
        let whole = (0.0, layout.slice_s * slices as f64);
        for (i, (a, b)) in aircraft.iter().zip(&self.bounds).enumerate() {
            let fits = time_cells(a, b, &layout, whole)
                .is_some_and(|c| c.count(layout.nlon) * slices as f64 <= MAX_CELLS_PER_AIRCRAFT);
            if !fits {
                self.is_direct[i] = true;
                self.direct.push(i);
            }
        }

        let index_bits = (usize::BITS - (n - 1).leading_zeros()).max(1);
        let ctx = Context {
            aircraft,
            bounds: &self.bounds,
            is_direct: &self.is_direct,
            layout,
            index_bits,
        };
        let threads = if n < MIN_AIRCRAFT_FOR_THREADS {
            1
        } else {
            self.tuning.threads.clamp(1, 64)
        };
        if self.scratch.len() < threads {
            self.scratch.resize_with(threads, Scratch::default);
        }

        // Candidate pairs, slice by slice. The jobs (a slice, or a share of a slice's cells when
        // there are fewer slices than threads) go to whichever thread is free next, so that a
        // thread the machine slows down does not hold the others up.
        let part_bits = (threads.div_ceil(slices))
            .next_power_of_two()
            .trailing_zeros();
        let jobs = slices << part_bits;
        let grid_threads = threads.min(jobs);
        let workers = &mut self.scratch[..grid_threads];
        for s in workers.iter_mut() {
            s.candidate_len = 0;
        }
        let next_job = AtomicUsize::new(0);
        let per_worker = |s: &mut Scratch| {
            loop {
                let job = next_job.fetch_add(1, Ordering::Relaxed);
                if job >= jobs {
                    break;
                }
                let (k, part) = (job >> part_bits, (job & ((1 << part_bits) - 1)) as u64);
                collect_slice(&ctx, (k, part, part_bits), s);
            }
            // A pair found in several slices (or in two cells of one slice) is tested once:
            // sort the keys `(first, second)` and drop repeats. The sorted order is also the
            // output's.
            s.candidates.truncate(s.candidate_len);
            radix_sort(&mut s.candidates, &mut s.radix_buffer, 2 * index_bits);
            s.candidates.dedup();
        };
        if grid_threads == 1 {
            per_worker(&mut workers[0]);
        } else {
            std::thread::scope(|scope| {
                let (first, rest) = workers.split_at_mut(1);
                let handles: Vec<_> = rest
                    .iter_mut()
                    .map(|s| scope.spawn(move || per_worker(s)))
                    .collect();
                per_worker(&mut first[0]);
                for h in handles {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                }
            });
        }

        // Merge the workers' sorted, distinct candidates, dropping pairs found by several.
        self.candidates.clear();
        for s in &self.scratch[..grid_threads] {
            merge_distinct(&self.candidates, &s.candidates, &mut self.merge_buffer);
            std::mem::swap(&mut self.candidates, &mut self.merge_buffer);
        }

        // The exact tests, in contiguous pieces so that the results stay in order; the pieces
        // go to whichever thread is free next.
        let candidates = &self.candidates[..];
        let (exact_threads, pieces) = if candidates.len() < MIN_CANDIDATES_FOR_THREADS {
            (1, 1)
        } else {
            (threads, threads * PIECES_PER_THREAD)
        };
        if self.pieces.len() < pieces {
            self.pieces.resize_with(pieces, Mutex::default);
        }
        let piece_len = candidates.len().div_ceil(pieces).max(1);
        let next_piece = AtomicUsize::new(0);
        let slots = &self.pieces[..pieces];
        let exact = || {
            loop {
                let p = next_piece.fetch_add(1, Ordering::Relaxed);
                if p >= pieces {
                    break;
                }
                let start = (p * piece_len).min(candidates.len());
                let part = &candidates[start..(start + piece_len).min(candidates.len())];
                let mut conflicts = slots[p].lock().unwrap_or_else(PoisonError::into_inner);
                conflicts.clear();
                test_candidates(&ctx, part, &mut conflicts);
            }
        };
        if exact_threads == 1 {
            exact();
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (1..exact_threads).map(|_| scope.spawn(exact)).collect();
                exact();
                for h in handles {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                }
            });
        }
        let slots = &mut self.pieces[..pieces];
        let total: usize = slots
            .iter_mut()
            .map(|m| m.get_mut().unwrap_or_else(PoisonError::into_inner).len())
            .sum();
        let mut out = Vec::with_capacity(total);
        for m in slots {
            out.extend_from_slice(m.get_mut().unwrap_or_else(PoisonError::into_inner));
        }

        // Aircraft outside the grid: test them against everyone, each pair once.
        if !self.direct.is_empty() {
            for &i in &self.direct {
                for (j, &j_direct) in self.is_direct.iter().enumerate() {
                    if j == i || (j_direct && j < i) {
                        continue;
                    }
                    let (first, second) = (i.min(j), i.max(j));
                    if let Some((tcpa_s, dcpa_m, tin_s, tout_s)) =
                        pair(&aircraft[first], &aircraft[second])
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
        }
        out
    }

    /// Per-aircraft longitude bounds, the number of slices and the cell sizes of this cycle.
    fn layout(&mut self) -> Layout {
        let aircraft = &self.prepared[..];
        let n = aircraft.len();
        let max_of = |f: fn(&Prepared) -> f64| aircraft.iter().map(f).fold(0.0_f64, f64::max);
        let r_max = max_of(|a| a.rpz_m);
        let h_max = max_of(|a| a.hpz_m);
        let t_span = max_of(|a| a.lookahead_s) * (1.0 + REL_MARGIN);
        let gs_max = max_of(ground_speed);
        let frozen = ZERO_RELATIVE_SPEED_MPS * t_span;
        let r_eff = r_max * (1.0 + REL_MARGIN) + frozen + ABS_MARGIN_M;
        let h_eff = h_max * (1.0 + REL_MARGIN) + frozen + ABS_MARGIN_M;

        self.bounds.clear();
        self.bounds.extend(
            aircraft
                .iter()
                .map(|a| lon_bounds(a, r_eff, gs_max, t_span)),
        );

        // Medians and spreads are estimated on a regular sample: they only set cell sizes.
        let stride = n.div_ceil(4096).max(1);
        let values = &mut self.values;
        let bounds = &self.bounds[..];
        // The median box over `duration` seconds (the mean would let a few polar or supersonic
        // outliers inflate every cell).
        let median_box = |values: &mut Vec<f64>, duration: f64| -> (f64, f64, f64) {
            values.clear();
            values.extend(
                aircraft
                    .iter()
                    .step_by(stride)
                    .map(|a| a.v_north.abs() * duration + r_eff),
            );
            let y = median(values);
            values.clear();
            values.extend(
                aircraft
                    .iter()
                    .step_by(stride)
                    .map(|a| a.v_up.abs() * duration + h_eff),
            );
            let z = median(values);
            values.clear();
            values.extend(
                bounds
                    .iter()
                    .step_by(stride)
                    .filter(|b| b.u_margin.is_finite())
                    .map(|b| b.u_rate.abs() * duration + 2.0 * b.u_margin),
            );
            let u = if values.is_empty() {
                1.0
            } else {
                median(values)
            };
            (y, z, u)
        };
        let whole_box = median_box(values, t_span);

        // How many aircraft share a box-sized cell, estimated from the spread of positions
        // (10th to 90th percentile on each axis).
        let spread = |values: &mut Vec<f64>, f: &dyn Fn(usize) -> f64| -> f64 {
            values.clear();
            values.extend((0..n).step_by(stride).map(f));
            let len = values.len();
            if len < 2 {
                return 0.0;
            }
            let lo = *values.select_nth_unstable_by(len / 10, f64::total_cmp).1;
            let hi = *values
                .select_nth_unstable_by(len - 1 - len / 10, f64::total_cmp)
                .1;
            hi - lo
        };
        let spread_y = spread(values, &|i| bounds[i].y_origin);
        let spread_z = spread(values, &|i| aircraft[i].alt_m);
        let spread_u = spread(values, &|i| bounds[i].u_origin.rem_euclid(1.0));
        let occupancy = |(y, z, u): (f64, f64, f64)| {
            0.5 * n as f64
                * (y / (spread_y + y)).min(1.0)
                * (z / (spread_z + z)).min(1.0)
                * (u / (spread_u + u).min(1.0)).min(1.0)
        };

        // Slicing the look-ahead pays where whole-look-ahead boxes would hold many aircraft
        // (dense theatres); sparse traffic is cheaper in one slice.
        let slices = match self.tuning.slices {
            0 if occupancy(whole_box) >= DENSE_OCCUPANCY => 4,
            0 => 1,
            k => k.min(64),
        };
        let slice_s = t_span / slices as f64;
        let (median_y, median_z, median_u) = if slices == 1 {
            whole_box
        } else {
            median_box(values, slice_s)
        };

        // Sparse traffic is cheaper with coarser cells (fewer cells per box, few extra pairs),
        // dense traffic with cells about the size of a box: coarsen the cells until about
        // TARGET_OCCUPANCY aircraft would share one.
        let mut factor: f64 =
            if self.tuning.cell_factor.is_finite() && self.tuning.cell_factor > 0.0 {
                self.tuning.cell_factor
            } else {
                1.0
            };
        if self.tuning.adaptive {
            let occupancy = occupancy((median_y, median_z, median_u));
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
        Layout {
            slices,
            slice_s,
            cell_y: (factor * median_y).max(1.0),
            cell_z: (factor * median_z).max(1.0),
            nlon,
            y_margin: r_eff / 2.0,
            z_margin: h_eff / 2.0,
        }
    }
}

/// Horizontal speed, m/s.
fn ground_speed(a: &Prepared) -> f64 {
    (a.v_east * a.v_east + a.v_north * a.v_north).sqrt()
}

/// The median of a list (upper median for even lengths; 0 when empty).
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
        y_origin: EARTH_RADIUS_M * a.lat_deg.to_radians(),
        u_origin: a.lon_deg / 360.0,
        u_margin: f64::INFINITY,
        u_rate: 0.0,
    };
    let gs = ground_speed(a);
    let delta = (r_eff + (gs + gs_max) * t_span) / (2.0 * EARTH_RADIUS_M) * (1.0 + REL_MARGIN);
    // cos over [|φ| − δ, |φ| + δ] without two more cosines: with c = cos|φ|, s = sin|φ| ≥ 0,
    // cos(|φ| + δ) = c·cos δ − s·sin δ ≥ c·(1 − δ²/2) − s·δ and
    // cos(|φ| − δ) = c·cos δ + s·sin δ ≤ c + s·δ; 1e-12 covers the rounding of these few
    // operations (and of `s`, which is over-estimated by it).
    let c_own = a.cos_lat;
    let sin_abs = (1.0 - c_own * c_own).max(0.0).sqrt() + 1e-12;
    let c_lo = c_own * (1.0 - 0.5 * delta * delta) - sin_abs * delta - 1e-12;
    let c_hi = (c_own + sin_abs * delta + 1e-12).min(1.0);
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
        ..whole
    }
}

/// One aircraft's box in slice `k` in cell units; `None` if a coordinate is out of range.
#[inline]
fn slice_cells(a: &Prepared, b: &Bounds, layout: &Layout, k: usize) -> Option<SliceCells> {
    let times = (layout.slice_s * k as f64, layout.slice_s * (k + 1) as f64);
    time_cells(a, b, layout, times)
}

/// One aircraft's box over `[t0, t1]` in cell units; `None` if a coordinate is out of range.
#[inline]
fn time_cells(
    a: &Prepared,
    b: &Bounds,
    layout: &Layout,
    (t0, t1): (f64, f64),
) -> Option<SliceCells> {
    // Multiplying by the inverse cell size is monotone, like dividing, and cheaper.
    let axis = |origin: f64, rate: f64, margin: f64, per_cell: f64| {
        let (lo, hi) = span(origin, rate, t0, t1, margin);
        let (lo, hi) = (lo * per_cell, hi * per_cell);
        (lo.abs() < MAX_CELL_COORD && hi.abs() < MAX_CELL_COORD)
            .then(|| (lo, hi, floor_i64(lo), floor_i64(hi)))
    };
    let y = axis(b.y_origin, a.v_north, layout.y_margin, 1.0 / layout.cell_y)?;
    let z = axis(a.alt_m, a.v_up, layout.z_margin, 1.0 / layout.cell_z)?;
    let x = if b.u_margin.is_finite() {
        let nlon = f64::from(layout.nlon);
        let (lo, hi) = span(b.u_origin, b.u_rate, t0, t1, b.u_margin);
        let (lo, hi) = (lo * nlon, hi * nlon);
        (lo.abs() < 1e15 && hi.abs() < 1e15)
            .then(|| (lo, hi, floor_i64(lo), floor_i64(hi)))
            .filter(|&(_, _, c0, c1)| c1 - c0 + 1 < i64::from(layout.nlon))
    } else {
        None
    };
    Some(SliceCells { x, y, z })
}

/// `⌊x⌋` as an integer, for `|x| < 2^62`: the cast truncates towards zero, then negative
/// non-integers step down. (Baseline x86-64 has no rounding instruction, and `f64::floor` is a
/// library call there.)
#[inline]
fn floor_i64(x: f64) -> i64 {
    let t = x as i64;
    if (t as f64) > x { t - 1 } else { t }
}

/// The range of `origin + rate·t` over `[t0, t1]`, widened by `margin` on both sides.
fn span(origin: f64, rate: f64, t0: f64, t1: f64, margin: f64) -> (f64, f64) {
    let (p0, p1) = (origin + rate * t0, origin + rate * t1);
    (p0.min(p1) - margin, p0.max(p1) + margin)
}

/// Rounding allowance of a cell-local coordinate stored as `f32`: more than half an `f32` ulp
/// anywhere in `[−2, 2]` (2^−23 · 2 / 2 ≈ 1.2e−7), plus the `f64` error of computing it.
const LOCAL_ROUNDING: f64 = 2.5e-7;

/// Cell-local `[lo, hi]` of a box given in cell units (`lo_t`, `hi_t`), in the cell `c`, as
/// `f32` rounded outwards.
///
/// Both ends are clamped to `[−1, 2]` first: a box that covers the cell has `lo < 1` and
/// `hi ≥ 0` there, so clamping changes no comparison between two boxes that share the cell.
/// `lo ≥ 0` exactly when the box starts in this cell: a start at `0 ≤ lo` is rounded down no
/// further than 0, and a negative `lo` stays negative.
#[inline]
fn local(lo_t: f64, hi_t: f64, c: i64) -> (f32, f32) {
    let c = c as f64;
    let lo = (lo_t - c).max(-1.0);
    let lo = if lo >= 0.0 {
        (lo - LOCAL_ROUNDING).max(0.0)
    } else {
        lo - LOCAL_ROUNDING
    };
    let hi = (hi_t - c).min(2.0) + LOCAL_ROUNDING;
    (lo as f32, hi as f32)
}

/// Rasterises every grid aircraft's box in slice `k`, buckets the entries by cell, and appends
/// the candidate pairs found in that slice to `s.candidates`.
///
/// With `part_bits > 0` only the cells whose hash starts with the bits `part` are kept: the
/// slice is then shared between `2^part_bits` jobs, each scanning its own cells.
fn collect_slice(ctx: &Context<'_>, (k, part, part_bits): (usize, u64, u32), s: &mut Scratch) {
    let layout = &ctx.layout;
    let nlon = i64::from(layout.nlon);
    s.unsorted.clear();
    s.hashes.clear();
    for (i, (a, b)) in ctx.aircraft.iter().zip(ctx.bounds).enumerate() {
        if ctx.is_direct[i] {
            continue;
        }
        let Some(cells) = slice_cells(a, b, layout, k) else {
            continue; // unreachable: such aircraft are direct
        };
        let aircraft = i as u32;
        let (ylo, yhi, y0, y1) = cells.y;
        let (zlo, zhi, z0, z1) = cells.z;
        let (x_count, mut x, mut xu, xlo, xhi) = match cells.x {
            Some((xlo, xhi, x0, x1)) => (
                (x1 - x0 + 1) as u32,
                x0.rem_euclid(nlon) as u32,
                x0,
                xlo,
                xhi,
            ),
            // The whole circle: "starts" in residue 0, reaches past both sides elsewhere.
            None => (layout.nlon, 0, 0, 0.0, f64::INFINITY),
        };
        for _ in 0..x_count {
            let lx = local(xlo, xhi, xu);
            for y in y0..=y1 {
                let ly = local(ylo, yhi, y);
                for z in z0..=z1 {
                    let lz = local(zlo, zhi, z);
                    let (y, z) = (y as i32, z as i32);
                    let h = cell_hash(x, y, z);
                    if part_bits == 0 || h >> (64 - part_bits) == part {
                        s.unsorted.push(Entry {
                            tag: h as u32,
                            aircraft,
                            lo: [lx.0, ly.0, lz.0],
                            hi: [lx.1, ly.1, lz.1],
                        });
                        s.hashes.push(h << part_bits);
                    }
                }
            }
            x += 1;
            xu += 1;
            if x == layout.nlon {
                x = 0;
            }
        }
    }

    // Counting sort into hash buckets.
    let total = s.unsorted.len();
    let bits = (usize::BITS - total.max(2).leading_zeros()).clamp(1, 40);
    let bucket_count = 1usize << bits;
    let shift = 64 - bits;
    s.starts.clear();
    s.starts.resize(bucket_count + 1, 0);
    s.bucket_of.clear();
    for &h in &s.hashes {
        let b = (h >> shift) as usize;
        s.starts[b] += 1;
        s.bucket_of.push(b as u32);
    }
    // The buckets holding two entries or more, in order (so the scan below reads the entries
    // front to back), listed without a branch.
    // Every slot below the final length is written before it is read, so the buffers keep their
    // old contents instead of being zeroed each slice.
    if s.multi.len() < bucket_count {
        s.multi.resize(bucket_count, 0);
    }
    let mut multi_len = 0;
    for (b, &count) in s.starts[..bucket_count].iter().enumerate() {
        s.multi[multi_len] = b as u32;
        multi_len += usize::from(count >= 2);
    }
    // Bucket ends, then filled backwards so that each ends at its start.
    let mut running = 0u32;
    for st in &mut s.starts {
        running += *st;
        *st = running;
    }
    if s.entries.len() < total {
        s.entries.resize(total, Entry::default());
    }
    for (e, &b) in s.unsorted.iter().zip(&s.bucket_of) {
        let slot = &mut s.starts[b as usize];
        *slot -= 1;
        s.entries[*slot as usize] = *e;
    }

    let bits_j = ctx.index_bits;
    // Candidates are written branch-free into a buffer kept long enough, then truncated: about
    // one same-cell pair in seven is a candidate, too unpredictable for a branch.
    let mut len = s.candidate_len;
    for &b in &s.multi[..multi_len] {
        let (start, end) = (
            s.starts[b as usize] as usize,
            s.starts[b as usize + 1] as usize,
        );
        let group = &s.entries[start..end];
        let pairs = group.len() * (group.len() - 1) / 2;
        if s.candidates.len() < len + pairs {
            s.candidates
                .resize((len + pairs).max(2 * s.candidates.len()), 0);
        }
        for (p, e) in group.iter().enumerate() {
            for f in &group[p + 1..] {
                // The pair is taken where, on every axis, one of the two boxes starts: the
                // first shared cell (module docs), so usually once per slice.
                let starts_here = (e.lo[0] >= 0.0 || f.lo[0] >= 0.0)
                    & (e.lo[1] >= 0.0 || f.lo[1] >= 0.0)
                    & (e.lo[2] >= 0.0 || f.lo[2] >= 0.0);
                let overlap = (e.lo[0] <= f.hi[0])
                    & (f.lo[0] <= e.hi[0])
                    & (e.lo[1] <= f.hi[1])
                    & (f.lo[1] <= e.hi[1])
                    & (e.lo[2] <= f.hi[2])
                    & (f.lo[2] <= e.hi[2]);
                let same_cell = e.tag == f.tag;
                let (i, j) = (e.aircraft.min(f.aircraft), e.aircraft.max(f.aircraft));
                s.candidates[len] = (u64::from(i) << bits_j) | u64::from(j);
                len += usize::from(same_cell & starts_here & overlap & (i != j));
            }
        }
    }
    s.candidate_len = len;
}

#[inline]
fn cell_hash(x: u32, y: i32, z: i32) -> u64 {
    let mut h = (u64::from(x) << 32) ^ u64::from(y as u32);
    h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(z as u32).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    h.wrapping_mul(0xBF58_476D_1CE4_E5B9)
}

/// LSD radix sort of keys below `2^bits`, 11 bits per pass; passes where every key has the
/// same digit are skipped.
fn radix_sort(keys: &mut Vec<u64>, buffer: &mut Vec<u64>, bits: u32) {
    const DIGIT: u32 = 11;
    const MASK: u64 = (1 << DIGIT) - 1;
    let n = keys.len();
    if n < 64 {
        keys.sort_unstable();
        return;
    }
    // The buffer is only ever written before it is read: grow it, never zero it again.
    if buffer.len() < n {
        buffer.resize(n, 0);
    }
    let mut counts = [0u32; 1 << DIGIT];
    let mut shift = 0;
    while shift < bits {
        counts.fill(0);
        for &k in &keys[..n] {
            counts[((k >> shift) & MASK) as usize] += 1;
        }
        if counts.iter().any(|&c| c as usize == n) {
            shift += DIGIT;
            continue;
        }
        let mut running = 0u32;
        for c in &mut counts {
            let here = *c;
            *c = running;
            running += here;
        }
        for &k in &keys[..n] {
            let slot = &mut counts[((k >> shift) & MASK) as usize];
            buffer[*slot as usize] = k;
            *slot += 1;
        }
        std::mem::swap(keys, buffer);
        shift += DIGIT;
    }
    keys.truncate(n);
}

/// The sorted union of two sorted, distinct key lists, into `out` (cleared first).
fn merge_distinct(a: &[u64], b: &[u64], out: &mut Vec<u64>) {
    out.clear();
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out.push(x.min(y));
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

/// The exact pair test on sorted, distinct candidate keys, appending conflicts in key order.
fn test_candidates(ctx: &Context<'_>, keys: &[u64], out: &mut Vec<TrackConflict>) {
    let mask = (1u64 << ctx.index_bits) - 1;
    for &key in keys {
        let (i, j) = ((key >> ctx.index_bits) as usize, (key & mask) as usize);
        let (a, b) = (&ctx.aircraft[i], &ctx.aircraft[j]);
        if let Some((tcpa_s, dcpa_m, tin_s, tout_s)) = pair_prefiltered(a, b, may_conflict) {
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
