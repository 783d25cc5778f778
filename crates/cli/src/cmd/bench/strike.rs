//! `jic bench strike`: the strike notice check against a synthetic theatre (DESIGN §6: 100,000
//! protected sites and 10,000 zone polygons, p99 ≤ 100 µs), with a brute-force scan of the
//! sites measured in the same run as the baseline.

use std::process::ExitCode;
use std::time::Instant;

use jic_protect::strike::{StrikeContext, StrikeParams, evaluate};
use jic_protect::synthetic::{self, Seeded};

use crate::exit::{self, fail};

/// Arguments of `jic bench strike`.
///
/// Builds an agreement with `--zones` zone polygons and `--sites` protected sites over Syria's
/// bounding box, then times `--notices` strike checks one by one (after a warm-up pass) and
/// prints p50, p99 and max; then times the site part alone by scanning every site, for
/// `--baseline` notices, and prints the ratio of the medians.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Seed of the synthetic theatre.
    #[arg(long, default_value_t = 2016)]
    seed: u64,
    /// Protected sites.
    #[arg(long, default_value_t = 100_000)]
    sites: usize,
    /// Zone polygons in the agreement.
    #[arg(long, default_value_t = 10_000)]
    zones: usize,
    /// Strike notices checked.
    #[arg(long, default_value_t = 10_000)]
    notices: usize,
    /// Notices for the brute-force baseline.
    #[arg(long, default_value_t = 200)]
    baseline: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[allow(clippy::print_stdout, reason = "the command's output")]
#[allow(
    clippy::needless_pass_by_value,
    reason = "clap hands the arguments over by value"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.notices == 0 {
        return Err(fail(exit::BAD_INPUT, "--notices must be at least 1"));
    }
    let built = Instant::now();
    let agreement = synthetic::agreement(args.zones)
        .map_err(|e| fail(exit::INTERNAL, format!("synthetic agreement: {e}")))?;
    let mut rng = Seeded::new(args.seed);
    let sites = synthetic::sites(args.sites, &mut rng);
    let (notices, ops) = synthetic::notices(args.notices, &mut rng);
    println!(
        "strike check: {} sites, {} zone polygons, {} notices, seed {} (theatre built in {:.1} s)",
        args.sites,
        args.zones,
        args.notices,
        args.seed,
        built.elapsed().as_secs_f64()
    );
    let mut conflicts = 0usize;
    let pass = |count: &mut usize| -> anyhow::Result<Vec<f64>> {
        let mut micros = Vec::with_capacity(notices.len());
        for (notice, op) in notices.iter().zip(&ops) {
            let ctx = StrikeContext {
                agreement: &agreement,
                phase: Some("jic"),
                sites: &sites,
                notifications: &[],
                air_operations: std::slice::from_ref(op),
                params: StrikeParams::default(),
            };
            let start = Instant::now();
            let a = evaluate(notice, &ctx).map_err(|e| fail(exit::INTERNAL, e.to_string()))?;
            micros.push(start.elapsed().as_secs_f64() * 1e6);
            *count += usize::from(a.verdict == jic_protect::StrikeVerdict::Conflict);
        }
        micros.sort_by(f64::total_cmp);
        Ok(micros)
    };
    pass(&mut 0)?;
    let micros = pass(&mut conflicts)?;
    let (p50, p99) = (percentile(&micros, 0.5), percentile(&micros, 0.99));
    let max = micros.last().copied().unwrap_or(f64::NAN);
    println!(
        "production (R-tree):   p50 {p50:.1} µs   p99 {p99:.1} µs   max {max:.1} µs   ({conflicts} conflicts)"
    );
    let mut brute: Vec<f64> = notices
        .iter()
        .take(args.baseline.max(1))
        .map(|n| {
            let place = n.area.place();
            let start = Instant::now();
            let found = sites
                .near_brute_force(&place, 1_600.0, n.window_start, n.window_end)
                .count();
            std::hint::black_box(found);
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    brute.sort_by(f64::total_cmp);
    let b50 = percentile(&brute, 0.5);
    println!("baseline (site scan):  p50 {b50:.1} µs (sites only)");
    println!(
        "ratio: {:.0}× (baseline p50 / production p50); target p99 ≤ 100 µs: {}",
        b50 / p50,
        if p99 <= 100.0 { "met" } else { "NOT met" }
    );
    Ok(exit::ok())
}
