//! Sealed sites: answering "does this conflict with a protected site?" without ever saying
//! where the site is, and noticing when someone uses the answers to find it.
//!
//! # Distance bands
//! A check against sealed sites answers only whether the filing conflicts (comes within the
//! protection threshold of one) and, if it does, the smallest band of [`BANDS_M`] that contains
//! the distance: "conflicts with a protected site within 500 m". No identifier, category,
//! coordinate, bearing or exact distance leaves jic. A filing that does not conflict learns
//! nothing but that.
//!
//! # Probing
//! Bands still leak a little: an asker who moves a query point around and watches the answer
//! can close in on a site. Every sealed check is logged with the asker (DESIGN.md §3.6), and
//! [`probing_decision`] looks at one asker's recent history: a check is a **near miss** when it
//! conflicted or came within [`NEAR_MISS_FACTOR`] × the threshold. With more than
//! `report_after` near misses in the sliding window the monitors get a report; with more than
//! `refuse_after` further checks are refused until the window has moved past the oldest.

use jiff::{SignedDuration, Timestamp};

/// The distance bands a conflicting sealed check may reveal, metres, ascending.
pub const BANDS_M: [u32; 5] = [250, 500, 1_000, 2_000, 5_000];

/// A check counts as a near miss up to this multiple of its threshold.
pub const NEAR_MISS_FACTOR: f64 = 2.0;

/// What the asker learns from a sealed check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedAnswer {
    /// True when a sealed site lies within the threshold.
    pub conflict: bool,
    /// For a conflict: the smallest band (metres) containing the distance (the threshold's band
    /// when no smaller one does). `None` without a conflict.
    pub within_m: Option<u32>,
}

impl SealedAnswer {
    /// The answer for the nearest sealed site at `distance_m` against a threshold (effects
    /// radius + protection buffer). A NaN distance answers "no conflict".
    ///
    /// ```
    /// use jic_protect::SealedAnswer;
    /// let a = SealedAnswer::for_distance(320.0, 700.0);
    /// assert_eq!((a.conflict, a.within_m), (true, Some(500)));
    /// assert_eq!(SealedAnswer::for_distance(701.0, 700.0).within_m, None);
    /// ```
    pub fn for_distance(distance_m: f64, threshold_m: f64) -> Self {
        if distance_m.partial_cmp(&threshold_m) == Some(std::cmp::Ordering::Greater)
            || distance_m.is_nan()
        {
            return Self {
                conflict: false,
                within_m: None,
            };
        }
        let band = BANDS_M
            .iter()
            .copied()
            .find(|b| distance_m <= f64::from(*b))
            .unwrap_or_else(|| threshold_m.ceil().min(f64::from(u32::MAX)) as u32);
        Self {
            conflict: true,
            within_m: Some(band),
        }
    }

    /// The sentence the filer sees.
    pub fn message(&self) -> String {
        match self.within_m {
            Some(b) => format!("conflicts with a protected site within {b} m"),
            None => "no conflict with a sealed protected site".to_owned(),
        }
    }
}

/// True when a check at `distance_m` from the nearest sealed site counts as a near miss.
pub fn is_near_miss(distance_m: f64, threshold_m: f64) -> bool {
    distance_m <= threshold_m * NEAR_MISS_FACTOR
}

/// One logged sealed check, as probing detection needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// Who asked.
    pub asker: String,
    /// Receipt time of the check.
    pub at: Timestamp,
    /// Whether it was a near miss ([`is_near_miss`]).
    pub near_miss: bool,
}

/// Thresholds for probing detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbePolicy {
    /// The sliding window.
    pub window: SignedDuration,
    /// Report to the monitors when the asker has more than this many near misses in the window.
    pub report_after: u32,
    /// Refuse further checks when the asker has more than this many near misses in the window.
    pub refuse_after: u32,
}

impl Default for ProbePolicy {
    /// One hour; report after 3 near misses, refuse after 6 (the agreement's defaults).
    fn default() -> Self {
        Self::from_terms(&jic_agreement::Humanitarian::default())
    }
}

impl ProbePolicy {
    /// From the agreement's `[humanitarian]` probing thresholds (`probe_window_min`,
    /// `probe_report_after`, `probe_refuse_after`), their documented defaults where unset.
    pub fn from_terms(h: &jic_agreement::Humanitarian) -> Self {
        Self {
            window: SignedDuration::from_mins(i64::from(h.probe_window_min())),
            report_after: h.probe_report_after(),
            refuse_after: h.probe_refuse_after(),
        }
    }
}

/// What to do with a new check by an asker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeDecision {
    /// Answer it.
    Allow,
    /// Answer it and report the pattern to the monitors.
    AllowAndReport {
        /// Near misses in the window.
        near_misses: u32,
    },
    /// Refuse it (and report) until `until`.
    Refuse {
        /// Near misses in the window.
        near_misses: u32,
        /// When the oldest counted near miss leaves the window.
        until: Timestamp,
    },
}

/// Decides on a new check by `asker` at `now` from the history of checks (any order; other
/// askers' checks are ignored). Counts near misses in `(now − window, now]`.
///
/// ```
/// use jic_protect::sealed::{probing_decision, CheckRecord, ProbePolicy};
/// use jic_protect::ProbeDecision;
/// let t = |m: i64| jiff::Timestamp::from_second(1_474_300_000 + m * 60).unwrap();
/// let history: Vec<_> = (0..4).map(|i| CheckRecord { asker: "x".into(), at: t(i), near_miss: true }).collect();
/// assert_eq!(probing_decision(&history, "x", t(5), ProbePolicy::default()),
///            ProbeDecision::AllowAndReport { near_misses: 4 });
/// assert_eq!(probing_decision(&history, "y", t(5), ProbePolicy::default()), ProbeDecision::Allow);
/// ```
pub fn probing_decision(
    history: &[CheckRecord],
    asker: &str,
    now: Timestamp,
    policy: ProbePolicy,
) -> ProbeDecision {
    let since = now.checked_sub(policy.window).unwrap_or(now);
    let mut times: Vec<Timestamp> = history
        .iter()
        .filter(|c| c.asker == asker && c.near_miss && since < c.at && c.at <= now)
        .map(|c| c.at)
        .collect();
    times.sort();
    let near_misses = times.len() as u32;
    if near_misses > policy.refuse_after {
        // Checks are allowed again once the count drops to the limit: when the
        // (n − refuse_after)-th oldest leaves the window.
        let idx = (near_misses - policy.refuse_after - 1) as usize;
        let until = times
            .get(idx)
            .and_then(|t| t.checked_add(policy.window).ok())
            .unwrap_or(now);
        ProbeDecision::Refuse { near_misses, until }
    } else if near_misses > policy.report_after {
        ProbeDecision::AllowAndReport { near_misses }
    } else {
        ProbeDecision::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(min: i64) -> Timestamp {
        Timestamp::from_second(1_474_300_000 + min * 60).unwrap()
    }

    #[test]
    fn bands() {
        let cases = [
            (0.0, 700.0, Some(250)),
            (250.0, 700.0, Some(250)),
            (250.1, 700.0, Some(500)),
            (699.0, 700.0, Some(1_000)),
            (700.1, 700.0, None),
            (6_000.0, 8_000.0, Some(8_000)),
            (f64::NAN, 700.0, None),
        ];
        for (d, threshold, want) in cases {
            let a = SealedAnswer::for_distance(d, threshold);
            assert_eq!(a.within_m, want, "{d} vs {threshold}");
            assert_eq!(a.conflict, want.is_some());
        }
    }

    #[test]
    fn refusal_lasts_until_the_window_moves() {
        let policy = ProbePolicy::default();
        let mut history: Vec<_> = (0..7)
            .map(|i| CheckRecord {
                asker: "x".into(),
                at: t(i * 5),
                near_miss: true,
            })
            .collect();
        history.push(CheckRecord {
            asker: "x".into(),
            at: t(36),
            near_miss: false,
        });
        assert_eq!(
            probing_decision(&history, "x", t(40), policy),
            ProbeDecision::Refuse {
                near_misses: 7,
                until: t(60)
            }
        );
        // At 60 min the first near miss (at 0) is out of the window: 6 remain.
        assert_eq!(
            probing_decision(&history, "x", t(60), policy),
            ProbeDecision::AllowAndReport { near_misses: 6 }
        );
    }

    proptest! {
        #[test]
        fn the_answer_never_reveals_more_than_the_band(d in 0.0..10_000.0f64, threshold in 1.0..6_000.0f64) {
            let a = SealedAnswer::for_distance(d, threshold);
            if let Some(b) = a.within_m {
                prop_assert!(d <= f64::from(b));
                prop_assert!(BANDS_M.contains(&b) || f64::from(b) >= threshold);
            }
        }
    }
}
