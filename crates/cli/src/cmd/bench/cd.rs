//! `jic bench cd`: the production conflict detectors against their all-pairs references, on
//! seeded synthetic traffic, measured in the same run.

use anyhow::Context as _;
use jic_deconflict::grid::Detector;
use jic_deconflict::plan::{PlanMinima, plan_conflicts, plan_conflicts_all_pairs};
use jic_deconflict::track::{Minima, MinimaSet, TrackState, detect_all_pairs};
use jic_sim::traffic::{TrafficMode, flight_plans, track_states};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Arguments of `jic bench cd`.
///
/// For each size N, generates N aircraft (the Syria theatre box up to 20,000 aircraft,
/// world-wide above, unless `--mode` says otherwise), then times one full detection cycle of the
/// production detector (median of several runs of one `Detector`, whose buffers are reused as in
/// a surveillance loop) and of the all-pairs reference, checks that
/// both give the same answer and prints the ratio. The reference is run only up to
/// `--reference-max`; above it its time is extrapolated as t(n)·(N/n)², labelled as such.
/// Then the same for 4D plans (`--plans` plans × `--legs` legs).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Seed of the synthetic traffic.
    #[arg(long, default_value_t = 2016)]
    seed: u64,
    /// Comma-separated numbers of aircraft.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    sizes: Vec<usize>,
    /// Where the traffic flies: theatre (Syria box), global, or auto (theatre up to 20,000).
    #[arg(long, value_enum, default_value_t = Mode::Auto)]
    mode: Mode,
    /// Largest N for which the all-pairs reference actually runs.
    #[arg(long, default_value_t = 20_000)]
    reference_max: usize,
    /// Number of flight plans for the plan probe (0 skips it).
    #[arg(long, default_value_t = 2000)]
    plans: usize,
    /// Legs per flight plan.
    #[arg(long, default_value_t = 20)]
    legs: usize,
    /// Also write the traffic of the first size as a `jic deconflict tracks` input file.
    #[arg(long, value_name = "FILE")]
    write_states: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    Auto,
    Theatre,
    Global,
}

/// Median wall time of `f` over a few runs (at least 3, more while under half a second).
fn median_time<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let started = Instant::now();
    let mut last;
    loop {
        let t = Instant::now();
        last = f();
        times.push(t.elapsed());
        if times.len() >= 3 && (started.elapsed() > Duration::from_millis(500) || times.len() >= 21)
        {
            break;
        }
    }
    times.sort();
    (times[times.len() / 2], last)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "every `jic bench` subcommand takes its arguments by value"
)]
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let minima = MinimaSet::Uniform(Minima::default());
    println!(
        "track conflict detection (5 nm, 1000 ft, 300 s), seed {}",
        args.seed
    );
    println!(
        "{:>8}  {:>8}  {:>10}  {:>14}  {:>16}  {:>9}  note",
        "N", "mode", "conflicts", "production ms", "reference ms", "ratio"
    );
    for &n in &args.sizes {
        let mode = match args.mode {
            Mode::Theatre => TrafficMode::Theatre,
            Mode::Global => TrafficMode::Global,
            Mode::Auto if n <= 20_000 => TrafficMode::Theatre,
            Mode::Auto => TrafficMode::Global,
        };
        let states = track_states(mode, n, args.seed);
        if let Some(path) = args
            .write_states
            .as_ref()
            .filter(|_| Some(&n) == args.sizes.first())
        {
            let mut text = String::from("id,lat,lon,alt_ft,gs_kt,trk_deg,vs_fpm\n");
            for (k, s) in states.iter().enumerate() {
                text.push_str(&format!(
                    "AC{k:06},{},{},{},{},{},{}\n",
                    s.lat_deg, s.lon_deg, s.alt_ft, s.gs_kt, s.trk_deg, s.vs_fpm
                ));
            }
            std::fs::write(path, text).map_err(|e| {
                crate::exit::fail(
                    crate::exit::IO_FAILED,
                    format!("cannot write {}: {e}", path.display()),
                )
            })?;
        }
        // One detector for all runs, as a surveillance loop keeps one: buffers are reused.
        let mut detector = Detector::default();
        let (fast, found) = median_time(|| detector.detect(&states, &minima));
        let found = found.context("production detector")?;
        let (reference, note) = if n <= args.reference_max {
            let t = Instant::now();
            let expected = detect_all_pairs(&states, &minima).context("reference detector")?;
            let elapsed = t.elapsed();
            if expected != found {
                return Err(crate::exit::fail(
                    crate::exit::INTERNAL,
                    format!("N={n}: production and reference disagree"),
                ));
            }
            (elapsed, "measured; same answer".to_owned())
        } else {
            let sample: Vec<TrackState> = states[..args.reference_max.max(2)].to_vec();
            let t = Instant::now();
            detect_all_pairs(&sample, &minima).context("reference detector")?;
            let scale = (n as f64 / sample.len() as f64).powi(2);
            (
                t.elapsed().mul_f64(scale),
                format!("EXTRAPOLATED from N={} × (N/n)²", sample.len()),
            )
        };
        let mode_name = if mode == TrafficMode::Theatre {
            "theatre"
        } else {
            "global"
        };
        println!(
            "{n:>8}  {mode_name:>8}  {:>10}  {:>14.3}  {:>16.1}  {:>8.0}×  {note}",
            found.len(),
            ms(fast),
            ms(reference),
            reference.as_secs_f64() / fast.as_secs_f64()
        );
    }

    if args.plans > 0 {
        let plans = flight_plans(args.plans, args.legs, 1_474_070_400.0, args.seed);
        let minima = PlanMinima::default();
        let (fast, found) = median_time(|| plan_conflicts(&plans, &minima));
        let found = found.context("plan probe")?;
        // The all-pairs plan reference is O(P²·L²): run it on a prefix and scale by (P/p)².
        let sample_len = args.plans.min(400);
        let sample = &plans[..sample_len];
        let t = Instant::now();
        let expected = plan_conflicts_all_pairs(sample, &minima).context("plan reference")?;
        let reference = t.elapsed();
        let check = plan_conflicts(sample, &minima).context("plan probe")?;
        if expected != check {
            return Err(crate::exit::fail(
                crate::exit::INTERNAL,
                "plan probe and reference disagree",
            ));
        }
        let scale = (args.plans as f64 / sample_len as f64).powi(2);
        let note = if sample_len == args.plans {
            "measured; same answer".to_owned()
        } else {
            format!("EXTRAPOLATED from {sample_len} plans × (P/p)²; same answer on those")
        };
        println!();
        println!(
            "4D plan probe: {} plans × {} legs, {} conflicting pairs",
            args.plans,
            args.legs,
            found.len()
        );
        println!(
            "  production {:.3} ms, all-pairs reference {:.1} ms ({note}), ratio {:.0}×",
            ms(fast),
            ms(reference.mul_f64(scale)),
            reference.as_secs_f64() * scale / fast.as_secs_f64()
        );
    }
    Ok(crate::exit::ok())
}
