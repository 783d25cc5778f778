//! The replay's final summary, built only from what the server answered: receipts, refusals,
//! the alerts it raised, the live events the watchers saw, and the reads the manifest names.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::replay::{Outcome, ReplayLog, Speed, Status};
use crate::scenario::{Provenance, Scenario, SummaryQuery};

/// Everything the summary prints.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The text, ready to print.
    pub text: String,
    /// Accepted submissions.
    pub accepted: usize,
    /// Refused submissions.
    pub rejected: usize,
    /// Events not sent.
    pub skipped: usize,
}

/// What the summary reads from the server after the replay.
#[derive(Debug, Clone, Default)]
pub struct Reads {
    /// Every alert, as the joint cell sees them (`GET /api/v1/alerts`), if readable.
    pub alerts: Option<Vec<Value>>,
    /// The manifest's queries and their answers.
    pub queries: Vec<(SummaryQuery, Result<Value, String>)>,
}

/// Builds the summary.
pub fn summarize(scenario: &Scenario, log: &ReplayLog, reads: &Reads, speed: Speed) -> Summary {
    let mut out = String::new();
    let meta = &scenario.manifest.scenario;
    let _ = writeln!(out, "{} ({})", meta.title, meta.id);
    let pace = match speed {
        Speed::Max => "at maximum speed".to_owned(),
        Speed::Factor(f) => format!("at {f}× real time"),
    };
    let _ = writeln!(
        out,
        "Replayed {} → {} (UTC{}) in {:.1} s {pace}.",
        scenario.local(scenario.start),
        scenario.local(log.reached),
        meta.utc_offset,
        log.elapsed.as_secs_f64()
    );

    // Counts per kind.
    let mut per_kind: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for o in &log.outcomes {
        let slot = match &o.status {
            Status::Note => continue,
            Status::Accepted(_) => {
                accepted += 1;
                0
            }
            Status::Rejected { .. } => {
                rejected += 1;
                1
            }
            Status::Skipped(_) => {
                skipped += 1;
                2
            }
        };
        per_kind.entry(o.event.kind.as_str()).or_default()[slot] += 1;
    }
    let restricted = log
        .outcomes
        .iter()
        .filter(|o| o.restricted && matches!(o.status, Status::Accepted(_)))
        .count();
    let _ = writeln!(
        out,
        "\nSubmissions: {accepted} accepted ({restricted} of them logged as commitments only), \
         {rejected} refused, {skipped} not sent."
    );
    for (kind, [a, r, s]) in &per_kind {
        let mut line = format!("  {kind:<28} {a:>5} accepted");
        if *r > 0 {
            let _ = write!(line, ", {r} refused");
        }
        if *s > 0 {
            let _ = write!(line, ", {s} skipped");
        }
        let _ = writeln!(out, "{line}");
    }
    if !log.unsupported.is_empty() {
        let kinds: Vec<&str> = log.unsupported.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "  skipped: kind not supported by this server: {}",
            kinds.join(", ")
        );
    }
    let refusals: Vec<&Outcome> = log
        .outcomes
        .iter()
        .filter(|o| matches!(o.status, Status::Rejected { .. }))
        .collect();
    for o in refusals.iter().take(5) {
        if let Status::Rejected { status, detail } = &o.status {
            let _ = writeln!(
                out,
                "  refused {} {} ({}): {status} {}",
                o.event.kind,
                scenario.local(o.event.at),
                o.event.origin,
                clip(detail, 140)
            );
        }
    }
    if refusals.len() > 5 {
        let _ = writeln!(out, "  … and {} more refusals", refusals.len() - 5);
    }

    if let Some(alerts) = &reads.alerts {
        let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for a in alerts {
            let kind = a
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            let acked = a
                .get("acks")
                .and_then(Value::as_array)
                .is_some_and(|x| !x.is_empty());
            let e = by_kind.entry(kind).or_default();
            e.0 += 1;
            e.1 += usize::from(acked);
        }
        let parts: Vec<String> = by_kind
            .iter()
            .map(|(k, (n, acked))| format!("{k} {n} ({acked} acknowledged)"))
            .collect();
        let _ = writeln!(
            out,
            "\nAlerts jic raised: {}.",
            if parts.is_empty() {
                "none".to_owned()
            } else {
                parts.join(", ")
            }
        );
    }

    let _ = writeln!(out, "\nWhat jic flagged, and when (local time):");
    for (i, o) in log
        .outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.event.report)
    {
        // News is attributed to this submission only until the next one was sent (the replay
        // is sequential), or for one second, whichever is longer.
        let next_sent = log.outcomes[i + 1..].iter().find_map(|x| x.sent);
        let who = o.event.cell.as_deref().unwrap_or("—");
        let title = o
            .event
            .title
            .clone()
            .unwrap_or_else(|| o.event.kind.clone());
        let _ = writeln!(out, "  {}  {who}: {title}", scenario.local(o.event.at));
        match &o.status {
            Status::Note => {}
            Status::Accepted(receipt) => {
                let leaf = receipt.get("leaf_index").and_then(Value::as_u64);
                let digest = receipt.get("result").map(digest).unwrap_or_default();
                let mut lines = digest.lines();
                let _ = writeln!(
                    out,
                    "      jic: {} leaf {}{}",
                    o.event.kind,
                    leaf.map_or("?".to_owned(), |l| l.to_string()),
                    lines.next().map(|l| format!(" — {l}")).unwrap_or_default()
                );
                for line in lines {
                    let _ = writeln!(out, "           {line}");
                }
                for line in acknowledgments_of_links(scenario, receipt, log) {
                    let _ = writeln!(out, "           {line}");
                }
                for line in reach(o, log, leaf, next_sent) {
                    let _ = writeln!(out, "      {line}");
                }
            }
            Status::Rejected { status, detail } => {
                let _ = writeln!(
                    out,
                    "      jic refused it ({status}): {}",
                    clip(detail, 200)
                );
            }
            Status::Skipped(why) => {
                let _ = writeln!(out, "      skipped: {why}");
            }
        }
        if let Some(compare) = &o.event.compare {
            let _ = writeln!(out, "      2016: {compare}");
        }
        if let Provenance::Fact { source, confidence } = &o.event.provenance {
            let _ = writeln!(out, "      source: {source} [{confidence}]");
        }
    }

    // The air-safety plane after a suspension of the implementation plane.
    if let Some(suspension) = log
        .outcomes
        .iter()
        .find(|o| o.event.kind.ends_with(".suspend") || o.event.kind.ends_with("suspension"))
    {
        let after: Vec<&Outcome> = log
            .outcomes
            .iter()
            .filter(|o| o.event.at > suspension.event.at && matches!(o.status, Status::Accepted(_)))
            .collect();
        let plans = after
            .iter()
            .filter(|o| o.event.kind.starts_with("air_operation."))
            .count();
        let tracks = after
            .iter()
            .filter(|o| o.event.kind == "tracks.batch")
            .count();
        let conflicts: usize = after
            .iter()
            .filter_map(|o| match &o.status {
                Status::Accepted(r) => r
                    .pointer("/result/conflicts")
                    .and_then(Value::as_array)
                    .map(Vec::len),
                _ => None,
            })
            .sum();
        let state = match &suspension.status {
            Status::Accepted(_) => "accepted",
            Status::Skipped(_) => "not sent (kind not supported by this server)",
            Status::Rejected { .. } => "refused",
            Status::Note => "narrated",
        };
        let _ = writeln!(
            out,
            "\nAfter the suspension ({}, {state}): {plans} flight plans filed and probed ({conflicts} \
             conflicts found), {tracks} track batches ingested — the air-safety plane kept running.",
            scenario.local(suspension.event.at)
        );
    }

    for (q, answer) in &reads.queries {
        let _ = writeln!(out, "\n{}:", q.title);
        match answer {
            Ok(v) => {
                for line in digest(v).lines() {
                    let _ = writeln!(out, "  {}", clip(line, 400));
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  not available: {}", clip(e, 200));
            }
        }
        if let Some(explain) = &q.explain {
            let _ = writeln!(out, "  {explain}");
        }
    }
    Summary {
        text: out,
        accepted,
        rejected,
        skipped,
    }
}

/// How fast the news of a submission reached the other watched members' live feeds.
fn reach(
    o: &Outcome,
    log: &ReplayLog,
    leaf: Option<u64>,
    next_sent: Option<Instant>,
) -> Vec<String> {
    let (Some(sent), Some(leaf)) = (o.sent, leaf) else {
        return Vec::new();
    };
    let window_end = next_sent.map_or(sent + Duration::from_secs(1), |n| {
        n.max(sent + Duration::from_secs(1))
    });
    // What the news is about: the notice, notification or incident the submission names.
    // What the news is about: the notice, notification or incident the submission names, or
    // for a track batch its aircraft (a conflict alert names them).
    let mut references: Vec<String> = ["notice", "notification", "incident", "id"]
        .iter()
        .find_map(|k| o.event.payload.get(*k).and_then(Value::as_str))
        .map(|r| vec![format!("\"{r}\"")])
        .unwrap_or_default();
    if o.event.kind == "tracks.batch" {
        let states = o.event.payload.get("states").and_then(Value::as_array);
        references.extend(
            states
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("id").and_then(Value::as_str))
                .map(|id| format!("\"{id}\"")),
        );
    }
    let mut firsts: BTreeMap<&str, (Duration, String)> = BTreeMap::new();
    for s in &log.seen {
        if Some(s.member.as_str()) == o.event.cell.as_deref()
            || s.arrived < sent
            || s.arrived > window_end
        {
            continue;
        }
        let text = s.data.to_string();
        let hit = s.data.get("leaf_index").and_then(Value::as_u64) == Some(leaf)
            || references.iter().any(|r| text.contains(r.as_str()));
        if hit {
            let what = match s.data.get("kind").and_then(Value::as_str) {
                Some(kind) if s.topic == "alert" => format!("{kind} alert"),
                _ => format!("{} event", s.topic),
            };
            firsts
                .entry(s.member.as_str())
                .or_insert((s.arrived - sent, what));
        }
    }
    firsts
        .into_iter()
        .map(|(m, (d, what))| {
            format!(
                "{what} reached the {m} cell's live feed {:.1} ms after it was sent",
                d.as_secs_f64() * 1000.0
            )
        })
        .collect()
}

/// For an incident linked to notified sites or movements: who had acknowledged each, when,
/// from the server's receipts of the signed acknowledgments (so "we didn't know" is checkable).
fn acknowledgments_of_links(scenario: &Scenario, receipt: &Value, log: &ReplayLog) -> Vec<String> {
    let links = receipt
        .pointer("/result/classification/links")
        .and_then(Value::as_array);
    let mut lines = Vec::new();
    for id in links
        .into_iter()
        .flatten()
        .filter_map(|l| l.get("id").and_then(Value::as_str))
    {
        let acks: Vec<String> = log
            .outcomes
            .iter()
            .filter_map(|o| match &o.status {
                Status::Accepted(r)
                    if o.event.kind == "humanitarian.ack"
                        && o.event.payload.get("notification").and_then(Value::as_str)
                            == Some(id) =>
                {
                    let when = r
                        .get("received")
                        .and_then(Value::as_str)
                        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                        .map_or_else(|| "?".to_owned(), |t| scenario.local(t));
                    let leaf = r
                        .get("leaf_index")
                        .and_then(Value::as_u64)
                        .unwrap_or_default();
                    Some(format!(
                        "{} at {when} (leaf {leaf})",
                        o.event.cell.as_deref().unwrap_or("?")
                    ))
                }
                _ => None,
            })
            .collect();
        if !acks.is_empty() {
            lines.push(format!("{id} was acknowledged by {}", acks.join(", ")));
        }
    }
    lines
}

/// A short, readable rendering of a server answer.
pub fn digest(v: &Value) -> String {
    // Plan conflicts found on filing: who with, when separation is first lost, how close.
    if let Some(conflicts) = v.get("conflicts").and_then(Value::as_array)
        && !conflicts.is_empty()
    {
        let parts: Vec<String> = conflicts
            .iter()
            .map(|c| {
                let with = c
                    .pointer("/with/party")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                let op = c
                    .pointer("/with/operation")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                let when = c
                    .pointer("/detail/first_loss")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                let nm = c
                    .pointer("/detail/min_horizontal_nm")
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::NAN);
                format!(
                    "conflict with {with} {op}: separation lost from {when}, closest {nm:.1} nm"
                )
            })
            .collect();
        return format!(
            "{} — alert raised to both cells and the JIC",
            parts.join("; ")
        );
    }
    // A phase clock: calm days, the longest run, the phases entered and why.
    if let Some(days) = v.get("days").and_then(Value::as_array)
        && days.iter().all(|d| d.get("calm").is_some())
    {
        return phase_lines(v, days);
    }
    // Incident classification: the outcome, the reasons, and what jic linked nearby.
    if let Some(c) = v.get("classification").filter(|c| c.is_object()) {
        let outcome = c.get("outcome").and_then(Value::as_str).unwrap_or("?");
        let rules: Vec<&str> = c
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| {
                r.get("id")
                    .or_else(|| r.get("rule"))
                    .and_then(Value::as_str)
            })
            .collect();
        let mut lines = vec![if rules.is_empty() {
            format!("classified {outcome}")
        } else {
            format!("classified {outcome} ({})", rules.join(", "))
        }];
        for r in c
            .get("reasons")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            lines.push(clip(r, 220));
        }
        for l in c
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(summary) = l.get("summary").and_then(Value::as_str) {
                lines.push(format!("linked: {}", clip(summary, 260)));
            }
        }
        return lines.join("\n");
    }
    // Strike assessments: the verdict, then each finding with its rule and message.
    if let Some(verdict) = v.get("verdict").and_then(Value::as_str) {
        let mut lines = vec![format!("verdict: {verdict}")];
        for f in v
            .get("findings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("");
            lines.push(format!(
                "[{}] {}: {}",
                field("severity"),
                field("rule"),
                clip(field("message"), 220)
            ));
        }
        return lines.join("\n");
    }
    // Decisions jic took on the submission: the decision's name and its scalar facts.
    if let Some(decisions) = v.get("decisions").and_then(Value::as_array)
        && !decisions.is_empty()
    {
        return decisions
            .iter()
            .map(decision_line)
            .collect::<Vec<_>>()
            .join("\n");
    }
    match v {
        Value::Object(m) if m.is_empty() => String::new(),
        Value::Object(m) => {
            let mut parts = Vec::new();
            for (k, v) in m {
                let s = match v {
                    Value::Array(a) if a.is_empty() => "none".to_owned(),
                    Value::Array(a) if a.len() > 3 => format!("[{} items]", a.len()),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                parts.push(format!("{k}: {}", clip(&s, 160)));
            }
            parts.join("; ")
        }
        Value::Array(a) => format!("{} items", a.len()),
        other => other.to_string(),
    }
}

/// The phase clock's answer as lines: calm days, longest run, phases entered, the first
/// explanations.
fn phase_lines(v: &Value, days: &[Value]) -> String {
    let calm = |d: &Value| d.get("calm").and_then(Value::as_bool) == Some(true);
    let (mut run, mut longest) = (0, 0);
    for d in days {
        run = if calm(d) { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let mut lines = vec![format!(
        "{} of {} days calm (longest run {longest}); phase now: {}",
        days.iter().filter(|d| calm(d)).count(),
        days.len(),
        v.get("phase_now").and_then(Value::as_str).unwrap_or("none")
    )];
    let entered: Vec<String> = v
        .get("transitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            let field = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("?").to_owned();
            format!("{} at {}", field("phase"), field("at"))
        })
        .collect();
    if !entered.is_empty() {
        lines.push(format!("phases entered: {}", entered.join(", ")));
    }
    for d in days
        .iter()
        .filter(|d| d.get("phase").is_some_and(|p| !p.is_null()))
        .take(3)
    {
        if let Some(e) = d.get("explanation").and_then(Value::as_str) {
            lines.push(clip(e, 200));
        }
    }
    lines.join("\n")
}

/// One decision as `name (key: value; …)`.
fn decision_line(d: &Value) -> String {
    let name = d
        .get("decision")
        .and_then(Value::as_str)
        .unwrap_or("decision");
    let facts: Vec<String> = d
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "decision")
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}: {s}"),
            Value::Array(a) => {
                let items: Vec<String> = a
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                    .collect();
                format!("{k}: {}", items.join(", "))
            }
            other => format!("{k}: {other}"),
        })
        .collect();
    clip(&format!("{name} ({})", facts.join("; ")), 300)
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(n).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn digests_are_short_and_readable() {
        assert_eq!(
            digest(&json!({"status": "filed", "conflicts": []})),
            "conflicts: none; status: filed"
        );
        assert_eq!(
            digest(&json!({"verdict": "clear", "findings": []})),
            "verdict: clear"
        );
        assert_eq!(digest(&json!({"items": [1, 2, 3, 4]})), "items: [4 items]");
        let c = json!({"conflicts": [{"with": {"party": "us", "operation": "OP-1"},
                        "detail": {"first_loss": "2016-09-17T12:42:26Z", "min_horizontal_nm": 3.64}}]});
        assert!(digest(&c).starts_with(
            "conflict with us OP-1: separation lost from 2016-09-17T12:42:26Z, closest 3.6 nm"
        ));
        assert_eq!(digest(&json!({})), "");
        let a = json!({"verdict": "conflict", "findings": [
            {"severity": "conflict", "rule": "no_strikes_in_covered_areas", "message": "inside jabal_tharda"}]});
        assert_eq!(
            digest(&a),
            "verdict: conflict\n[conflict] no_strikes_in_covered_areas: inside jabal_tharda"
        );
        let d = json!({"decisions": [{"decision": "notified", "recipients": ["us", "russia"], "version": 1}]});
        assert_eq!(digest(&d), "notified (recipients: us, russia; version: 1)");
        let p = json!({"phase_now": "extension", "days": [
            {"calm": false, "phase": "recommitment", "explanation": "9 verified violations > 3"},
            {"calm": true, "phase": "extension", "explanation": "2 verified violations ≤ 3"},
            {"calm": true, "phase": "extension", "explanation": "1 verified violation ≤ 3"}],
            "transitions": [{"phase": "recommitment", "at": "2016-09-12T16:00:00Z"}]});
        assert_eq!(
            digest(&p),
            "2 of 3 days calm (longest run 2); phase now: extension\n\
             phases entered: recommitment at 2016-09-12T16:00:00Z\n\
             9 verified violations > 3\n2 verified violations ≤ 3\n1 verified violation ≤ 3"
        );
        assert_eq!(clip("abcdef", 3), "abc…");
    }
}
