//! The situation report as one stand-alone HTML page: inline CSS (with print rules), an inline
//! SVG map of the day's incidents and alerts over the Natural Earth outline of Syria, inline SVG
//! charts (14-day violations and calm days; incidents per category), and tables. No scripts,
//! fonts, images or links to fetch: it opens offline, prints on A4, and can be archived as is.
//!
//! The outline is `data/naturalearth/ne_syria_adm0.geojson` (public domain, see its
//! PROVENANCE.md), compiled in. All text from reports is HTML-escaped.

use std::fmt::Write as _;

use crate::classify::Outcome;
use crate::report::{SERIES_DAYS, SituationReport};

const OUTLINE: &str = include_str!("../../../data/naturalearth/ne_syria_adm0.geojson");

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Rings of the outline as `(lon, lat)` lists.
fn outline_rings() -> Vec<Vec<(f64, f64)>> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(OUTLINE) else {
        return Vec::new();
    };
    let mut rings = Vec::new();
    let features = v["features"].as_array().cloned().unwrap_or_default();
    for f in features {
        let g = &f["geometry"];
        let polys: Vec<serde_json::Value> = match g["type"].as_str() {
            Some("Polygon") => vec![g["coordinates"].clone()],
            Some("MultiPolygon") => g["coordinates"].as_array().cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        for p in polys {
            for ring in p.as_array().into_iter().flatten() {
                let pts: Vec<(f64, f64)> = ring
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| Some((c[0].as_f64()?, c[1].as_f64()?)))
                    .collect();
                if pts.len() > 2 {
                    rings.push(pts);
                }
            }
        }
    }
    rings
}

/// An equirectangular projection fitted to a box, scaled by the cosine of its mid-latitude.
struct Projection {
    lon0: f64,
    lat1: f64,
    k: f64,
    kx: f64,
}

impl Projection {
    fn fit(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64, width: f64) -> (Self, f64) {
        let coslat = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let span_x = ((max_lon - min_lon) * coslat).max(1e-6);
        let k = width / span_x;
        let height = (max_lat - min_lat) * k;
        (
            Self {
                lon0: min_lon,
                lat1: max_lat,
                k,
                kx: k * coslat,
            },
            height,
        )
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.kx, (self.lat1 - lat) * self.k)
    }
}

/// An instant as local time at the report's offset, to the minute (`2016-09-19 19:10`).
fn local(r: &SituationReport, t: jiff::Timestamp) -> String {
    match jiff::tz::Offset::from_seconds(r.utc_offset_seconds) {
        Ok(o) => t
            .to_zoned(jiff::tz::TimeZone::fixed(o))
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => t.to_string(),
    }
}

fn outcome_colour(o: Outcome) -> &'static str {
    match o {
        Outcome::Violation => "#c62828",
        Outcome::Permitted => "#2e7d32",
        Outcome::Undetermined => "#f9a825",
    }
}

fn map_svg(r: &SituationReport) -> String {
    let rings = outline_rings();
    let (mut min_lon, mut min_lat, mut max_lon, mut max_lat) =
        (35.5_f64, 32.2_f64, 42.5_f64, 37.5_f64);
    for ring in &rings {
        for &(x, y) in ring {
            min_lon = min_lon.min(x);
            max_lon = max_lon.max(x);
            min_lat = min_lat.min(y);
            max_lat = max_lat.max(y);
        }
    }
    let points = r
        .incidents
        .iter()
        .map(|i| (i.lon, i.lat))
        .chain(r.alerts.iter().filter_map(|a| Some((a.lon?, a.lat?))));
    for (x, y) in points {
        if x.is_finite() && y.is_finite() {
            min_lon = min_lon.min(x - 0.2);
            max_lon = max_lon.max(x + 0.2);
            min_lat = min_lat.min(y - 0.2);
            max_lat = max_lat.max(y + 0.2);
        }
    }
    let width = 640.0;
    let (proj, height) = Projection::fit(min_lon, min_lat, max_lon, max_lat, width);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg id="map" class="map" role="img" aria-label="Map of the day's incidents and alerts" viewBox="0 0 {width:.0} {height:.0}"><title>Incidents and alerts, {}</title><rect width="100%" height="100%" fill="#eef3f7"/>"##,
        r.day
    );
    for ring in &rings {
        let d: Vec<String> = ring
            .iter()
            .map(|&(x, y)| {
                let (px, py) = proj.xy(x, y);
                format!("{px:.1},{py:.1}")
            })
            .collect();
        let _ = write!(
            s,
            r##"<polygon class="outline" points="{}" fill="#fbfaf5" stroke="#555" stroke-width="1"/>"##,
            d.join(" ")
        );
    }
    for i in &r.incidents {
        let (x, y) = proj.xy(i.lon, i.lat);
        let ur = (i.uncertainty_m / 1000.0 / 111.0 * proj.k).max(0.0);
        if ur > 5.0 {
            let _ = write!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{ur:.1}" fill="{c}" fill-opacity="0.15" stroke="{c}" stroke-dasharray="3 2"/>"#,
                c = outcome_colour(i.outcome)
            );
        }
        let _ = write!(
            s,
            r##"<circle class="incident" data-id="{id}" cx="{x:.1}" cy="{y:.1}" r="5" fill="{c}" stroke="#000" stroke-width="0.8"><title>{id}: {cat}, {out}</title></circle>"##,
            id = escape(&i.id),
            cat = i.category,
            out = i.outcome,
            c = outcome_colour(i.outcome)
        );
    }
    for a in &r.alerts {
        let (Some(lat), Some(lon)) = (a.lat, a.lon) else {
            continue;
        };
        let (x, y) = proj.xy(lon, lat);
        let _ = write!(
            s,
            r##"<polygon class="alert" points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="#6a1b9a" stroke="#000" stroke-width="0.8"><title>{}: {}</title></polygon>"##,
            x,
            y - 7.0,
            x - 6.0,
            y + 5.0,
            x + 6.0,
            y + 5.0,
            escape(&a.id),
            escape(&a.summary)
        );
    }
    // Legend.
    let ly = height - 58.0;
    let _ = write!(
        s,
        r##"<g class="legend" font-size="11"><rect x="8" y="{ly:.0}" width="150" height="52" fill="#fff" fill-opacity="0.85" stroke="#999"/>"##
    );
    for (k, (label, colour)) in [
        ("violation", outcome_colour(Outcome::Violation)),
        ("permitted", outcome_colour(Outcome::Permitted)),
        ("undetermined", outcome_colour(Outcome::Undetermined)),
    ]
    .iter()
    .enumerate()
    {
        let y = ly + 12.0 + 13.0 * k as f64;
        let _ = write!(
            s,
            r#"<circle cx="20" cy="{y:.0}" r="4" fill="{colour}"/><text x="30" y="{:.0}">{label}</text>"#,
            y + 4.0
        );
    }
    let _ = write!(
        s,
        r##"<polygon points="94,{a:.0} 89,{b:.0} 99,{b:.0}" fill="#6a1b9a"/><text x="104" y="{c:.0}">alert</text></g></svg>"##,
        a = ly + 7.0,
        b = ly + 16.0,
        c = ly + 16.0
    );
    s
}

fn series_svg(r: &SituationReport) -> String {
    let threshold = r.calm_day.as_ref().map(|d| d.threshold).unwrap_or_default();
    let max = r
        .series
        .iter()
        .map(|d| d.verified_violations)
        .max()
        .unwrap_or(0)
        .max(threshold + 1)
        .max(1);
    let (w, h, left, bottom) = (640.0, 200.0, 36.0, 34.0);
    let plot_h = h - bottom - 10.0;
    let bw = (w - left - 10.0) / SERIES_DAYS as f64;
    let mut s = format!(
        r##"<svg id="series-chart" class="chart" role="img" aria-label="Verified violations and calm days over 14 days" viewBox="0 0 {w:.0} {h:.0}"><title>Verified violations per day and calm days</title>"##
    );
    for (k, d) in r.series.iter().enumerate() {
        let x = left + bw * k as f64;
        let bg = match d.calm {
            Some(true) => "#c8e6c9",
            Some(false) => "#ffcdd2",
            None => "#eeeeee",
        };
        let _ = write!(
            s,
            r#"<rect class="day-bg" x="{x:.1}" y="10" width="{bw:.1}" height="{plot_h:.1}" fill="{bg}"/>"#
        );
        let bh = plot_h * f64::from(d.verified_violations) / f64::from(max);
        let _ = write!(
            s,
            r##"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="#b71c1c"><title>{}: {} verified violation(s), {} incident(s), {}</title></rect>"##,
            x + bw * 0.2,
            10.0 + plot_h - bh,
            bw * 0.6,
            d.date,
            d.verified_violations,
            d.incidents,
            match d.calm {
                Some(true) => "calm",
                Some(false) => "not calm",
                None => "not judged",
            }
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{:02}/{:02}</text>"#,
            x + bw / 2.0,
            h - bottom + 14.0,
            d.date.day(),
            d.date.month()
        );
        if d.calm == Some(true) {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#1b5e20">calm</text>"##,
                x + bw / 2.0,
                h - bottom + 27.0
            );
        }
    }
    let ty = 10.0 + plot_h - plot_h * f64::from(threshold) / f64::from(max);
    let _ = write!(
        s,
        r##"<line x1="{left}" x2="{:.0}" y1="{ty:.1}" y2="{ty:.1}" stroke="#000" stroke-dasharray="4 3"/><text x="{:.0}" y="{:.1}" font-size="10" text-anchor="end">calm ≤ {threshold}</text>"##,
        w - 10.0,
        w - 12.0,
        ty - 3.0
    );
    let _ = write!(
        s,
        r##"<line x1="{left}" x2="{left}" y1="10" y2="{:.1}" stroke="#333"/><text x="{:.0}" y="18" font-size="10" text-anchor="end">{max}</text><text x="{:.0}" y="{:.1}" font-size="10" text-anchor="end">0</text></svg>"##,
        10.0 + plot_h,
        left - 4.0,
        left - 4.0,
        10.0 + plot_h
    );
    s
}

fn category_svg(r: &SituationReport) -> String {
    let rows = r.by_category.len().max(1);
    let (w, row_h, label_w) = (640.0, 22.0, 190.0);
    let h = row_h * rows as f64 + 10.0;
    let max = r
        .by_category
        .iter()
        .map(|c| c.incidents)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = format!(
        r##"<svg id="category-chart" class="chart" role="img" aria-label="Incidents per category" viewBox="0 0 {w:.0} {h:.0}"><title>Incidents per category</title>"##
    );
    if r.by_category.is_empty() {
        s.push_str(
            r#"<text x="10" y="20" font-size="12">No incidents recorded for this day.</text>"#,
        );
    }
    for (k, c) in r.by_category.iter().enumerate() {
        let y = 5.0 + row_h * k as f64;
        let full = (w - label_w - 150.0) * f64::from(c.incidents) / f64::from(max);
        let viol = (w - label_w - 150.0) * f64::from(c.violations) / f64::from(max);
        let _ = write!(
            s,
            r##"<text x="{:.0}" y="{:.1}" font-size="11" text-anchor="end">{}</text><rect class="bar" x="{label_w}" y="{y:.1}" width="{full:.1}" height="{:.1}" fill="#90a4ae"/><rect x="{label_w}" y="{y:.1}" width="{viol:.1}" height="{:.1}" fill="#c62828"/><text x="{:.1}" y="{:.1}" font-size="11">{} ({} violation(s))</text>"##,
            label_w - 6.0,
            y + 14.0,
            c.category,
            row_h - 6.0,
            row_h - 6.0,
            label_w + full + 4.0,
            y + 14.0,
            c.incidents,
            c.violations
        );
    }
    s.push_str("</svg>");
    s
}

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 60rem; color: #1a1a1a; line-height: 1.4; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 1.6rem; }
.meta { color: #444; font-size: 0.9rem; }
.verdict { padding: 0.5rem 0.8rem; border-left: 4px solid #888; background: #f6f6f6; }
.verdict.calm { border-color: #2e7d32; } .verdict.not-calm { border-color: #c62828; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; }
.outcome-violation { color: #b71c1c; font-weight: 600; }
.outcome-permitted { color: #1b5e20; }
.outcome-undetermined { color: #8d6e00; }
svg { width: 100%; height: auto; display: block; }
code { font-size: 0.85em; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section, figure, table, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .map { max-height: 120mm; }
}
"#;

/// Renders the report as a complete, self-contained HTML document.
pub fn render_html(r: &SituationReport) -> String {
    let mut h = String::with_capacity(32 * 1024);
    let title = format!("Situation report {} — {}", r.day, r.agreement.title);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(
        h,
        "<header><h1>Daily situation report — {}</h1><p class=\"meta\">{} (<code>{}</code>, agreement hash <code>{}</code>)<br>Day: {} to {} (UTC{}) · Phase in force: <strong>{}</strong> · Generated {}<br>",
        r.day,
        escape(&r.agreement.title),
        escape(&r.agreement.id),
        escape(&r.agreement.hash),
        r.day_start,
        r.day_end,
        escape(&r.utc_offset),
        escape(r.phase.as_deref().unwrap_or("none")),
        r.generated_at
    );
    match &r.checkpoint {
        Some(c) => {
            let _ = write!(
                h,
                "Based on log checkpoint <code>{}</code>, tree size {}, root <code>{}</code>.",
                escape(&c.origin),
                c.size,
                escape(&c.root_hash)
            );
        }
        None => h.push_str("Not tied to a log checkpoint."),
    }
    h.push_str("</p></header>");

    // Calm-day verdict.
    h.push_str("<section id=\"calm\"><h2>Calm day</h2>");
    match &r.calm_day {
        Some(d) => {
            let _ = write!(
                h,
                "<p class=\"verdict {}\">{}</p>",
                if d.calm { "calm" } else { "not-calm" },
                escape(&d.explanation)
            );
        }
        None => h.push_str(
            "<p class=\"verdict\">Not judged: the day is not complete, or no phase had started.</p>",
        ),
    }
    for t in &r.transitions {
        let _ = write!(
            h,
            "<p class=\"verdict calm\">{}</p>",
            escape(&t.explanation)
        );
    }
    h.push_str("</section>");

    h.push_str("<section id=\"map-section\"><h2>Map of the day</h2><figure>");
    h.push_str(&map_svg(r));
    h.push_str("<figcaption class=\"meta\">Natural Earth outline (public domain). Dashed circles: location uncertainty. Triangles: alerts.</figcaption></figure></section>");

    h.push_str("<section id=\"series\"><h2>Last 14 days</h2><figure>");
    h.push_str(&series_svg(r));
    h.push_str("<figcaption class=\"meta\">Bars: verified violations. Background: green calm, red not calm, grey not judged. Dashed line: the calm-day threshold.</figcaption></figure></section>");

    h.push_str("<section id=\"counts\"><h2>Counts</h2><figure>");
    h.push_str(&category_svg(r));
    h.push_str("</figure><table id=\"by-party\"><thead><tr><th>Party / group</th><th>Incidents alleged</th><th>Violations</th><th>Verified violations</th></tr></thead><tbody>");
    if r.by_party.is_empty() {
        h.push_str("<tr><td colspan=\"4\">No incidents.</td></tr>");
    }
    for p in &r.by_party {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&p.party),
            p.incidents,
            p.violations,
            p.verified_violations
        );
    }
    h.push_str("</tbody></table></section>");

    let _ = write!(
        h,
        "<section id=\"incidents\"><h2>Incidents</h2><table><thead><tr><th>Id</th><th>Time (UTC{})</th><th>Category</th><th>Alleged actor</th><th>Place</th><th>Killed</th><th>Status</th><th>Classification</th></tr></thead><tbody>",
        escape(&r.utc_offset)
    );
    if r.incidents.is_empty() {
        h.push_str("<tr><td colspan=\"8\">No incidents recorded for this day.</td></tr>");
    }
    for i in &r.incidents {
        let killed = match i.killed {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a}–{b}"),
            (Some(a), None) => format!("≥{a}"),
            (None, Some(b)) => format!("≤{b}"),
            (None, None) => "—".to_owned(),
        };
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}<small>{:.4}, {:.4} ±{:.0}&nbsp;m</small></td><td class=\"num\">{}</td><td>{}</td><td><span class=\"outcome-{}\">{}</span>{}<br><small>{}</small></td></tr>",
            escape(&i.id),
            local(r, i.at),
            i.category,
            escape(&i.actor),
            i.place
                .as_deref()
                .map(|p| format!("{}<br>", escape(p)))
                .unwrap_or_default(),
            i.lat,
            i.lon,
            i.uncertainty_m,
            killed,
            i.status,
            i.outcome,
            i.outcome,
            if i.rules.is_empty() {
                String::new()
            } else {
                format!(" ({})", escape(&i.rules.join(", ")))
            },
            escape(&i.summary)
        );
    }
    h.push_str("</tbody></table></section>");

    if !r.rules_cited.is_empty() {
        h.push_str("<section id=\"rules\"><h2>Rules cited</h2><table><thead><tr><th>Rule</th><th>Clause</th><th>Verdict</th><th>Text</th></tr></thead><tbody>");
        for c in &r.rules_cited {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&c.rule),
                escape(&c.clause),
                escape(&c.verdict),
                escape(&c.text)
            );
        }
        h.push_str("</tbody></table></section>");
    }

    h.push_str("<section id=\"alerts\"><h2>Alerts</h2>");
    if r.alerts.is_empty() {
        h.push_str("<p>No alerts.</p>");
    } else {
        h.push_str("<table><thead><tr><th>Id</th><th>Time</th><th>Kind</th><th>Summary</th></tr></thead><tbody>");
        for a in &r.alerts {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.id),
                local(r, a.at),
                escape(&a.kind),
                escape(&a.summary)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");

    h.push_str(
        "<section id=\"notifications\"><h2>Humanitarian notifications and acknowledgments</h2>",
    );
    if r.notifications.is_empty() {
        h.push_str("<p>No notifications made or awaiting acknowledgment.</p>");
    } else {
        h.push_str("<table><thead><tr><th>Notification</th><th>Notified</th><th>Deadline</th><th>On time</th><th>Late</th><th>Overdue</th><th>Pending</th></tr></thead><tbody>");
        for n in &r.notifications {
            let late: Vec<String> = n
                .late
                .iter()
                .map(|a| format!("{} ({})", escape(&a.party), local(r, a.at)))
                .collect();
            let _ = write!(
                h,
                "<tr><td>{} <code>{}</code><br>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"outcome-violation\">{}</td><td>{}</td></tr>",
                escape(&n.notification.kind),
                escape(&n.notification.id),
                escape(&n.notification.name),
                local(r, n.notification.notified_at),
                local(r, n.notification.deadline),
                escape(&n.on_time.join(", ")),
                late.join(", "),
                escape(&n.overdue.join(", ")),
                escape(&n.pending.join(", "))
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section><footer class=\"meta\"><p>Produced by jic from the transparency log. Anyone holding the log up to the checkpoint above can recompute every figure with <code>jic phase</code> and <code>jic report</code>.</p></footer></body></html>\n");
    h
}
