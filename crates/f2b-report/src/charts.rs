//! The charts of the page, one function each, drawn as inline SVG with a
//! table of the same numbers beside them.
//!
//! Every mark a reader can count carries a class (`bar` or `cell`, and `gap`
//! for the shaded gaps of the timeline) and a `<title>` with its numbers, which
//! browsers show on hover; the tests count these classes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::calendar::{
    first_day_of_month, format_day, format_month, month_name, month_of_day, year_of_month,
};
use crate::digest::Digest;
use crate::svg::{
    count_colour, esc, f, gradient, nice_ticks, num, opt_num, percent, text_width, truncate, Scale,
    EMPTY_FILL,
};

/// Weekday names, Monday first, as the rows of `by_hour_weekday`.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The font size of the SVG text, in viewBox units.
const FONT: f64 = 13.0;

/// The viewBox width of the half-width charts: narrow enough that their text
/// stays readable on a phone, where they take the whole width.
const RANKED_WIDTH: f64 = 430.0;

/// One chart of the page.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The id of its `<figure>`, stable for tests and links (`chart-daily`).
    pub id: &'static str,
    /// Its heading.
    pub title: String,
    /// What its marks are: `bars` or `cells` (the `data-kind` attribute).
    pub kind: &'static str,
    /// How many marks it draws (the `data-count` attribute).
    pub count: usize,
    /// Whether it takes the whole width of the page.
    pub wide: bool,
    /// Further `data-` attributes, such as `("gaps", "3")`.
    pub data: Vec<(&'static str, String)>,
    /// A sentence under the heading (HTML, already escaped).
    pub note: String,
    /// The drawing and its table, or why there is nothing to draw.
    pub content: Content,
}

/// What a chart shows.
#[derive(Debug, Clone)]
pub enum Content {
    /// An SVG drawing and the HTML table of its numbers.
    Drawn {
        /// The `<svg>` element.
        svg: String,
        /// The `<table>` element.
        table: String,
    },
    /// Nothing to draw, and the reason (plain text).
    NoData(String),
}

impl Chart {
    fn no_data(id: &'static str, title: &str, kind: &'static str, why: &str) -> Chart {
        Chart {
            id,
            title: title.to_string(),
            kind,
            count: 0,
            wide: false,
            data: Vec::new(),
            note: String::new(),
            content: Content::NoData(why.to_string()),
        }
    }

    /// True when the chart draws something.
    pub fn has_data(&self) -> bool {
        matches!(self.content, Content::Drawn { .. })
    }
}

/// Every chart of the page, in page order; `top` is the number of bars of a
/// ranked chart and of rows and columns of the flows matrix.
pub fn all(digest: &Digest, top: usize) -> Vec<Chart> {
    vec![
        daily(digest),
        countries(digest, top),
        networks(digest, top),
        services(digest, top),
        reporter_countries(digest, top),
        flows(digest, top),
        hours(digest),
    ]
}

// ---------------------------------------------------------------- tables ---

/// A sum of counts that cannot overflow, whatever a digest says.
fn saturating_sum(counts: impl Iterator<Item = u64>) -> u64 {
    counts.fold(0, u64::saturating_add)
}

/// An HTML table: a header row and rows of cells; `numeric[i]` right-aligns
/// column `i`. Cells are plain text and escaped here.
fn table(headers: &[&str], numeric: &[bool], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in headers {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if numeric.get(i).copied().unwrap_or(false) {
                let _ = write!(out, r#"<td class="n">{}</td>"#, esc(cell));
            } else {
                let _ = write!(out, "<td>{}</td>", esc(cell));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// The opening of a chart's `<svg>`, sized by its viewBox.
fn svg_open(width: f64, height: f64, label: &str) -> String {
    format!(
        r#"<svg viewBox="0 0 {} {}" role="img" aria-label="{}" style="max-width:{}px">"#,
        f(width),
        f(height),
        esc(label),
        f(width * 1.3)
    )
}

// ------------------------------------------------------------- timeline ---

/// A tick of a time axis: where (in the axis unit) and its label.
struct Tick {
    at: i64,
    label: String,
}

/// Month steps tried for ticks, finest first: months, then years.
const MONTH_STEPS: [i64; 16] = [
    1, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12_000, 24_000, 60_000, 120_000,
];

/// The most labelled ticks on a time axis.
const MAX_TICKS: i64 = 12;

/// Month numbers in `lo..=hi` that are multiples of the first step giving
/// at most [`MAX_TICKS`] ticks, with that step.
fn month_marks(lo: i64, hi: i64) -> (Vec<i64>, i64) {
    for step in MONTH_STEPS {
        let first = lo + (step - lo.rem_euclid(step)) % step;
        let count = if first > hi {
            0
        } else {
            (hi - first) / step + 1
        };
        if count <= MAX_TICKS {
            return ((0..count).map(|k| first + k * step).collect(), step);
        }
    }
    (Vec::new(), 1)
}

fn month_label(month: i64, step: i64, first: bool) -> String {
    if step >= 12 {
        year_of_month(month).to_string()
    } else if first || month.rem_euclid(12) == 0 {
        format!("{} {}", month_name(month), year_of_month(month))
    } else {
        month_name(month).to_string()
    }
}

/// Labelled ticks and unlabelled minor ticks of a day axis over `d0..=d1`.
fn day_ticks(d0: i64, d1: i64) -> (Vec<Tick>, Vec<i64>) {
    let span = d1 - d0 + 1;
    let day_label = |d: i64, first: bool| {
        let m = month_of_day(d);
        let (_, _, day) = f2b_core::time::civil_from_days(d);
        if first {
            format!("{} {day} {}", month_name(m), year_of_month(m))
        } else {
            format!("{} {day}", month_name(m))
        }
    };
    for step in [1, 7] {
        let count = (span + step - 1) / step;
        if count <= MAX_TICKS {
            let ticks = (0..count)
                .map(|k| d0 + k * step)
                .enumerate()
                .map(|(i, d)| Tick {
                    at: d,
                    label: day_label(d, i == 0),
                })
                .collect();
            return (ticks, Vec::new());
        }
    }
    // Months whose first day is on the axis.
    let lo = month_of_day(d0) + i64::from(first_day_of_month(month_of_day(d0)) != d0);
    let hi = month_of_day(d1);
    let (marks, step) = month_marks(lo, hi);
    let ticks = marks
        .iter()
        .enumerate()
        .map(|(i, &m)| Tick {
            at: first_day_of_month(m),
            label: month_label(m, step, i == 0),
        })
        .collect();
    let minor = if step > 1 && hi - lo < 120 {
        (lo..=hi)
            .filter(|m| m % step != 0)
            .map(first_day_of_month)
            .collect()
    } else {
        Vec::new()
    };
    (ticks, minor)
}

/// Labelled and minor ticks of a month axis over `m0..=m1`.
fn month_ticks(m0: i64, m1: i64) -> (Vec<Tick>, Vec<i64>) {
    let (marks, step) = month_marks(m0, m1);
    let ticks = marks
        .iter()
        .enumerate()
        .map(|(i, &m)| Tick {
            at: m,
            label: month_label(m, step, i == 0),
        })
        .collect();
    let minor = if step > 1 && m1 - m0 < 120 {
        (m0..=m1).filter(|m| m % step != 0).collect()
    } else {
        Vec::new()
    };
    (ticks, minor)
}

/// One bar of the timeline: its position (in axis units), count and hover text.
struct TimeBar {
    at: i64,
    reports: u64,
    tip: String,
}

/// Reports per day over the whole period, gaps shaded; per month when the
/// data is dated to the month only.
pub fn daily(digest: &Digest) -> Chart {
    const ID: &str = "chart-daily";
    let title = "Reports per day";
    let (bars, span, per, ticks, minor) =
        if let Some((d0, d1)) = digest.day_span().filter(|_| !digest.by_day.is_empty()) {
            let bars: Vec<TimeBar> = digest
                .by_day
                .iter()
                .map(|r| TimeBar {
                    at: r.day,
                    reports: r.reports,
                    tip: format!(
                        "{}: {} reports, {} attackers, {} reporters",
                        r.date,
                        num(r.reports),
                        opt_num(r.attackers),
                        opt_num(r.reporters)
                    ),
                })
                .collect();
            let (ticks, minor) = day_ticks(d0, d1);
            (bars, (d0, d1), "day", ticks, minor)
        } else if let (Some(m0), Some(m1)) = (
            digest.by_month.iter().map(|r| r.index).min(),
            digest.by_month.iter().map(|r| r.index).max(),
        ) {
            let bars: Vec<TimeBar> = digest
                .by_month
                .iter()
                .map(|r| TimeBar {
                    at: r.index,
                    reports: r.reports,
                    tip: format!(
                        "{}: {} reports, {} attackers, {} reporters",
                        r.month,
                        num(r.reports),
                        opt_num(r.attackers),
                        opt_num(r.reporters)
                    ),
                })
                .collect();
            let (ticks, minor) = month_ticks(m0, m1);
            (bars, (m0, m1), "month", ticks, minor)
        } else {
            return Chart {
                wide: true,
                ..Chart::no_data(ID, title, "bars", "No report in this digest has a date.")
            };
        };
    let by_month = per == "month";
    let title = if by_month { "Reports per month" } else { title };

    let (width, height) = (1000.0, 300.0);
    let (left, right, top, bottom) = (62.0, 14.0, 26.0, 44.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let units = (span.1 - span.0 + 1) as f64;
    let x = |at: i64| left + (at - span.0) as f64 / units * plot_w;
    let unit_w = plot_w / units;
    let max = bars.iter().map(|b| b.reports).max().unwrap_or(0);
    let yticks = nice_ticks(max, 5);
    let y_max = yticks.last().copied().unwrap_or(1).max(1) as f64;
    let y = |v: u64| top + plot_h - v as f64 / y_max * plot_h;

    let mut svg = svg_open(width, height, title);
    let _ = write!(svg, "<title>{}</title>", esc(title));
    // Grid and y axis.
    for &t in &yticks {
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{}" x2="{}" y1="{yy}" y2="{yy}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            f(left),
            f(left + plot_w),
            f(left - 6.0),
            f(y(t) + 4.0),
            num(t),
            yy = f(y(t)),
        );
    }
    let _ = write!(
        svg,
        r#"<text class="axis-title" transform="translate(14 {}) rotate(-90)" text-anchor="middle">reports per {per}</text>"#,
        f(top + plot_h / 2.0)
    );
    // Gaps, behind the bars.
    let mut gap_count = 0;
    if !by_month {
        for gap in &digest.gaps {
            let from = gap.from_day.max(span.0);
            let to = gap.to_day.min(span.1);
            if to < from {
                continue;
            }
            gap_count += 1;
            let (gx, gw) = (x(from), (to - from + 1) as f64 * unit_w);
            let _ = write!(
                svg,
                r#"<rect class="gap" x="{}" y="{}" width="{}" height="{}"><title>No reports from {} to {} ({} days)</title></rect>"#,
                f(gx),
                f(top),
                f(gw.max(1.0)),
                f(plot_h),
                esc(&gap.from),
                esc(&gap.to),
                gap.days
            );
            if gw >= 24.0 {
                let _ = write!(
                    svg,
                    r#"<text class="gap-label" x="{}" y="{}" text-anchor="middle">{} d</text>"#,
                    f(gx + gw / 2.0),
                    f(top - 6.0),
                    gap.days
                );
            }
        }
    }
    // Bars: at least a pixel wide so that single days stay visible.
    let bar_w = (unit_w * if unit_w > 4.0 { 0.8 } else { 1.0 }).max(1.0);
    let inset = ((unit_w - bar_w) / 2.0).max(0.0);
    for bar in &bars {
        let top_y = y(bar.reports);
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>"#,
            f(x(bar.at) + inset),
            f(top_y),
            f(bar_w),
            f((top + plot_h - top_y).max(0.5)),
            esc(&bar.tip)
        );
    }
    // X axis.
    let base = top + plot_h;
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{}" x2="{}" y1="{b}" y2="{b}"/>"#,
        f(left),
        f(left + plot_w),
        b = f(base)
    );
    for &m in &minor {
        if (span.0..=span.1).contains(&m) {
            let _ = write!(
                svg,
                r#"<line class="axis" x1="{xx}" x2="{xx}" y1="{}" y2="{}"/>"#,
                f(base),
                f(base + 3.0),
                xx = f(x(m))
            );
        }
    }
    for tick in &ticks {
        let _ = write!(
            svg,
            r#"<line class="axis" x1="{xx}" x2="{xx}" y1="{}" y2="{}"/><text class="tick" x="{xx}" y="{}" text-anchor="middle">{}</text>"#,
            f(base),
            f(base + 7.0),
            f(base + 20.0),
            esc(&tick.label),
            xx = f(x(tick.at))
        );
    }
    let _ = write!(
        svg,
        r#"<text class="axis-title" x="{}" y="{}" text-anchor="middle">{} (UTC)</text></svg>"#,
        f(left + plot_w / 2.0),
        f(height - 4.0),
        if by_month { "month" } else { "date" }
    );

    // The table: per month, then the gaps.
    let mut days_in: BTreeMap<i64, u64> = BTreeMap::new();
    for row in &digest.by_day {
        *days_in.entry(month_of_day(row.day)).or_default() += 1;
    }
    let month_rows: Vec<Vec<String>> = digest
        .by_month
        .iter()
        .map(|r| {
            vec![
                r.month.clone(),
                num(r.reports),
                num(days_in.get(&r.index).copied().unwrap_or(0)),
                opt_num(r.attackers),
                opt_num(r.reporters),
            ]
        })
        .collect();
    let mut tables = table(
        &[
            "month",
            "reports",
            "days with reports",
            "attackers",
            "reporters",
        ],
        &[false, true, true, true, true],
        &month_rows,
    );
    if !digest.gaps.is_empty() {
        let gap_rows: Vec<Vec<String>> = digest
            .gaps
            .iter()
            .map(|g| vec![g.from.clone(), g.to.clone(), g.days.to_string()])
            .collect();
        tables.push_str(&table(
            &["gap from", "to", "days without reports"],
            &[false, false, true],
            &gap_rows,
        ));
    }

    let total = saturating_sum(bars.iter().map(|b| b.reports));
    let mut note = if by_month {
        format!(
            "{} reports in {} months with reports, {} … {}; the dates of this dataset \
             are generalised to the month.",
            num(total),
            num(bars.len() as u64),
            esc(&format_month(span.0)),
            esc(&format_month(span.1)),
        )
    } else {
        format!(
            "{} reports on {} of the {} days from {} to {}.",
            num(total),
            num(bars.len() as u64),
            num(units as u64),
            esc(&format_day(span.0)),
            esc(&format_day(span.1)),
        )
    };
    if gap_count > 0 {
        let longest = digest
            .gaps
            .iter()
            .max_by_key(|g| (g.days, Reverse(g.from_day)));
        let _ = write!(
            note,
            r#" <span class="gap-key"></span> Shaded: {gap_count} gap{} of 3 or more days without reports"#,
            if gap_count == 1 { "" } else { "s" }
        );
        if let Some(g) = longest {
            let _ = write!(
                note,
                " (longest {} days, {} to {})",
                g.days,
                esc(&g.from),
                esc(&g.to)
            );
        }
        note.push('.');
    }
    if let Some(dated) = digest.dated.filter(|d| !by_month && d.month > 0) {
        let _ = write!(
            note,
            " {} reports dated only to the month are not in this chart.",
            num(dated.month)
        );
    }
    Chart {
        id: ID,
        title: title.to_string(),
        kind: "bars",
        count: bars.len(),
        wide: true,
        data: vec![("gaps", gap_count.to_string()), ("unit", per.to_string())],
        note,
        content: Content::Drawn { svg, table: tables },
    }
}

// --------------------------------------------------------- ranked bars ---

/// One bar of a ranked chart.
struct Ranked {
    /// Label beside the bar (may be shortened).
    label: String,
    /// Full name, for the hover text.
    name: String,
    /// Reports.
    value: u64,
    /// The row of the table.
    cells: Vec<String>,
}

/// What a ranked chart needs besides its rows.
struct RankedSpec<'a> {
    id: &'static str,
    title: &'a str,
    /// Plural of what is ranked, for the note (`countries`).
    noun: &'a str,
    headers: &'a [&'a str],
    numeric: &'a [bool],
    /// Why there is no data when the section is empty.
    empty: &'a str,
    /// The `--top` the digest's lists were cut to, if any.
    cut: Option<u64>,
}

/// A horizontal bar chart of the first `top` rows.
fn ranked(spec: RankedSpec<'_>, rows: Vec<Ranked>, all_reports: u64, top: usize) -> Chart {
    if rows.is_empty() {
        return Chart::no_data(spec.id, spec.title, "bars", spec.empty);
    }
    let listed = rows.len();
    let rows: Vec<Ranked> = rows.into_iter().take(top).collect();
    let n = rows.len();
    let max = rows.iter().map(|r| r.value).max().unwrap_or(0);
    let ticks = nice_ticks(max, 4);
    let x_max = ticks.last().copied().unwrap_or(1).max(1) as f64;

    let (row_h, bar_h) = (24.0, 16.0);
    let width = RANKED_WIDTH;
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label, FONT))
        .fold(0.0, f64::max)
        .clamp(24.0, 220.0)
        + 10.0;
    let count_w = text_width(&num(max), FONT) + 10.0;
    let (left, right, top_m, bottom) = (
        label_w,
        count_w.max(text_width(&num(x_max as u64), FONT) / 2.0 + 4.0),
        6.0,
        40.0,
    );
    let plot_w = width - left - right;
    let height = top_m + n as f64 * row_h + bottom;
    let x = |v: u64| left + v as f64 / x_max * plot_w;
    let base = top_m + n as f64 * row_h;

    let mut svg = svg_open(width, height, spec.title);
    let _ = write!(svg, "<title>{}</title>", esc(spec.title));
    for &t in &ticks {
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{xx}" x2="{xx}" y1="{}" y2="{}"/><text class="tick" x="{xx}" y="{}" text-anchor="middle">{}</text>"#,
            f(top_m),
            f(base + 4.0),
            f(base + 17.0),
            num(t),
            xx = f(x(t))
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y0 = top_m + i as f64 * row_h;
        let tip = format!(
            "{}: {} reports ({} of all)",
            row.name,
            num(row.value),
            percent(row.value, all_reports)
        );
        let bar_w = if row.value > 0 {
            (x(row.value) - left).max(1.0)
        } else {
            0.0
        };
        let _ = write!(
            svg,
            r#"<text class="label" x="{}" y="{}" text-anchor="end">{}<title>{}</title></text><rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect><text class="value" x="{}" y="{}">{}</text>"#,
            f(left - 6.0),
            f(y0 + row_h / 2.0 + 4.5),
            esc(&row.label),
            esc(&row.name),
            f(left),
            f(y0 + (row_h - bar_h) / 2.0),
            f(bar_w),
            f(bar_h),
            esc(&tip),
            f(left + bar_w + 4.0),
            f(y0 + row_h / 2.0 + 4.5),
            num(row.value)
        );
    }
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{l}" x2="{l}" y1="{}" y2="{}"/><text class="axis-title" x="{}" y="{}" text-anchor="middle">reports</text></svg>"#,
        f(top_m),
        f(base),
        f(left + plot_w / 2.0),
        f(height - 4.0),
        l = f(left)
    );

    let shown = saturating_sum(rows.iter().map(|r| r.value));
    // A cut digest does not say how many there are.
    let of = match spec.cut {
        Some(cut) => format!(
            "the {} {} the digest keeps (it was cut with f2b-agg --top {})",
            num(listed as u64),
            esc(spec.noun),
            num(cut)
        ),
        None => format!("{} {} by reports", num(listed as u64), esc(spec.noun)),
    };
    let note = format!(
        "The top {} of {of}: {} of all {} reports.",
        num(n as u64),
        percent(shown, all_reports),
        num(all_reports)
    );
    let table_rows: Vec<Vec<String>> = rows.into_iter().map(|r| r.cells).collect();
    Chart {
        id: spec.id,
        title: spec.title.to_string(),
        kind: "bars",
        count: n,
        wide: false,
        data: Vec::new(),
        note,
        content: Content::Drawn {
            svg,
            table: table(spec.headers, spec.numeric, &table_rows),
        },
    }
}

/// A key of a ranked list, or "unknown" when the reports do not know it.
fn known(key: Option<&str>) -> String {
    key.unwrap_or("unknown").to_string()
}

/// One row of a chart ranking keys by reports: rank, key, reports, share, and
/// a distinct count (attackers or reporters).
fn keyed_rows<'a>(
    rows: impl Iterator<Item = (Option<&'a str>, u64, Option<u64>)>,
    all: u64,
) -> Vec<Ranked> {
    rows.enumerate()
        .map(|(i, (key, reports, distinct))| {
            let key = known(key);
            Ranked {
                label: truncate(&key, 24),
                name: key.clone(),
                value: reports,
                cells: vec![
                    (i + 1).to_string(),
                    key,
                    num(reports),
                    percent(reports, all),
                    opt_num(distinct),
                ],
            }
        })
        .collect()
}

/// Top attacker countries.
pub fn countries(digest: &Digest, top: usize) -> Chart {
    let all = digest.reports;
    let rows = digest
        .by_country
        .iter()
        .map(|r| (r.country.as_deref(), r.reports, r.attackers));
    ranked(
        RankedSpec {
            id: "chart-countries",
            title: "Top attacker countries",
            noun: "countries",
            headers: &["#", "country", "reports", "share", "attackers"],
            numeric: &[true, false, true, true, true],
            empty: "No report in this digest has the attacker's country.",
            cut: digest.cut,
        },
        keyed_rows(rows, all),
        all,
        top,
    )
}

/// Top attacking networks (autonomous systems) with their names.
pub fn networks(digest: &Digest, top: usize) -> Chart {
    let all = digest.reports;
    let rows = digest
        .by_asn
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let asn = r
                .asn
                .map_or_else(|| "unknown".to_string(), |a| format!("AS{a}"));
            let name = r.as_name.clone().unwrap_or_default();
            let full = if name.is_empty() {
                asn.clone()
            } else {
                format!("{asn} {name}")
            };
            Ranked {
                label: truncate(&full, 24),
                name: full,
                value: r.reports,
                cells: vec![
                    (i + 1).to_string(),
                    asn,
                    name,
                    r.as_country.clone().unwrap_or_default(),
                    num(r.reports),
                    percent(r.reports, all),
                    opt_num(r.attackers),
                ],
            }
        })
        .collect();
    ranked(
        RankedSpec {
            id: "chart-asn",
            title: "Top attacking networks (AS)",
            noun: "networks",
            headers: &[
                "#",
                "AS",
                "name",
                "country",
                "reports",
                "share",
                "attackers",
            ],
            numeric: &[true, false, false, false, true, true, true],
            empty: "No report in this digest has the attacker's network (AS number).",
            cut: digest.cut,
        },
        rows,
        all,
        top,
    )
}

/// Services attacked.
pub fn services(digest: &Digest, top: usize) -> Chart {
    let all = digest.reports;
    let rows = digest
        .by_service
        .iter()
        .map(|r| (r.service.as_deref(), r.reports, r.attackers));
    ranked(
        RankedSpec {
            id: "chart-services",
            title: "Services attacked",
            noun: "services",
            headers: &["#", "service", "reports", "share", "attackers"],
            numeric: &[true, false, true, true, true],
            empty: "No report in this digest names the service attacked.",
            cut: digest.cut,
        },
        keyed_rows(rows, all),
        all,
        top,
    )
}

/// Reports by the country of the reporting server.
pub fn reporter_countries(digest: &Digest, top: usize) -> Chart {
    let all = digest.reports;
    let rows = digest
        .by_reporter_country
        .iter()
        .map(|r| (r.reporter_country.as_deref(), r.reports, r.reporters));
    ranked(
        RankedSpec {
            id: "chart-reporters",
            title: "Reports by reporter country",
            noun: "reporter countries",
            headers: &["#", "reporter country", "reports", "share", "reporters"],
            numeric: &[true, false, true, true, true],
            empty: "No report in this digest has the reporting server's country.",
            cut: digest.cut,
        },
        keyed_rows(rows, all),
        all,
        top,
    )
}

// -------------------------------------------------------------- matrices ---

/// The legend of a colour scale under a matrix: an empty swatch, then the
/// gradient from 1 to `max`.
fn legend(svg: &mut String, id: &str, x: f64, y: f64, max: u64) {
    let grad = format!("{id}-scale");
    let _ = write!(
        svg,
        r##"<defs>{}</defs><rect x="{}" y="{}" width="14" height="12" fill="{EMPTY_FILL}" stroke="#c8c8c8"/><text class="tick" x="{}" y="{}">0</text><rect x="{}" y="{}" width="140" height="12" fill="url(#{grad})"/><text class="tick" x="{}" y="{}" text-anchor="end">1</text><text class="tick" x="{}" y="{}">{} reports</text>"##,
        gradient(&grad),
        f(x),
        f(y),
        f(x + 18.0),
        f(y + 11.0),
        f(x + 56.0),
        f(y),
        f(x + 52.0),
        f(y + 11.0),
        f(x + 200.0),
        f(y + 11.0),
        num(max)
    );
}

/// A cell's place and size in a matrix.
#[derive(Clone, Copy)]
struct Place {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

/// Writes one matrix cell, with a one-unit margin to its neighbours.
fn cell(svg: &mut String, at: Place, value: u64, max: u64, scale: Scale, tip: &str) {
    let fill = count_colour(value, max, scale);
    let stroke = if value == 0 {
        r##" stroke="#c0c0c0""##
    } else {
        ""
    };
    let _ = write!(
        svg,
        r#"<rect class="cell" x="{}" y="{}" width="{}" height="{}" fill="{fill}"{stroke}><title>{}</title></rect>"#,
        f(at.x + 1.0),
        f(at.y + 1.0),
        f(at.width - 2.0),
        f(at.height - 2.0),
        esc(tip)
    );
}

/// Country keys ranked by their reports in `flows`, the first `top`.
fn ranked_keys<'a>(
    keys: impl Iterator<Item = (Option<&'a str>, u64)>,
    top: usize,
) -> Vec<Option<&'a str>> {
    let mut totals: HashMap<Option<&str>, u64> = HashMap::new();
    for (key, n) in keys {
        let t = totals.entry(key).or_default();
        *t = t.saturating_add(n);
    }
    let mut keys: Vec<(Option<&str>, u64)> = totals.into_iter().collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    keys.into_iter().take(top).map(|(k, _)| k).collect()
}

/// Who attacks whom: attacker country (rows) × reporter country (columns).
pub fn flows(digest: &Digest, top: usize) -> Chart {
    const ID: &str = "chart-flows";
    let title = "Who attacks whom";
    if digest.flows.is_empty() {
        return Chart::no_data(
            ID,
            title,
            "cells",
            "No report in this digest has both the attacker's and the reporter's country.",
        );
    }
    let rows = ranked_keys(
        digest
            .flows
            .iter()
            .map(|r| (r.country.as_deref(), r.reports)),
        top,
    );
    let cols = ranked_keys(
        digest
            .flows
            .iter()
            .map(|r| (r.reporter_country.as_deref(), r.reports)),
        top,
    );
    let mut value: HashMap<(Option<&str>, Option<&str>), u64> = HashMap::new();
    for r in &digest.flows {
        let v = value
            .entry((r.country.as_deref(), r.reporter_country.as_deref()))
            .or_default();
        *v = v.saturating_add(r.reports);
    }
    let at = |a: Option<&str>, r: Option<&str>| value.get(&(a, r)).copied().unwrap_or(0);
    let max = rows
        .iter()
        .flat_map(|&a| cols.iter().map(move |&r| (a, r)))
        .map(|(a, r)| at(a, r))
        .max()
        .unwrap_or(0);
    let short = |k: Option<&str>| k.map_or_else(|| "?".to_string(), |k| truncate(k, 4));
    let long = |k: Option<&str>| k.unwrap_or("unknown").to_string();

    let size = 26.0;
    let label_w = rows
        .iter()
        .map(|&k| text_width(&short(k), FONT))
        .fold(0.0, f64::max)
        + 10.0;
    let left = 24.0 + label_w;
    let top_m = 48.0;
    let grid_w = cols.len() as f64 * size;
    let grid_h = rows.len() as f64 * size;
    // As wide as the ranked charts, so that their text has the same size.
    let width = (left + grid_w + 12.0).max(RANKED_WIDTH);
    let height = top_m + grid_h + 44.0;

    let mut svg = svg_open(width, height, title);
    let _ = write!(svg, "<title>{}</title>", esc(title));
    let _ = write!(
        svg,
        r#"<text class="axis-title" x="{}" y="14" text-anchor="middle">reporter country →</text><text class="axis-title" transform="translate(14 {}) rotate(-90)" text-anchor="middle">← attacker country</text>"#,
        f(left + grid_w / 2.0),
        f(top_m + grid_h / 2.0)
    );
    for (j, &r) in cols.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}<title>{}</title></text>"#,
            f(left + (j as f64 + 0.5) * size),
            f(top_m - 8.0),
            esc(&short(r)),
            esc(&long(r))
        );
    }
    for (i, &a) in rows.iter().enumerate() {
        let y0 = top_m + i as f64 * size;
        let _ = write!(
            svg,
            r#"<text class="tick" x="{}" y="{}" text-anchor="end">{}<title>{}</title></text>"#,
            f(left - 6.0),
            f(y0 + size / 2.0 + 4.5),
            esc(&short(a)),
            esc(&long(a))
        );
        for (j, &r) in cols.iter().enumerate() {
            let v = at(a, r);
            let tip = format!("{} → {}: {} reports", long(a), long(r), num(v));
            let at = Place {
                x: left + j as f64 * size,
                y: y0,
                width: size,
                height: size,
            };
            cell(&mut svg, at, v, max, Scale::Sqrt, &tip);
        }
    }
    legend(&mut svg, ID, left, top_m + grid_h + 16.0, max);
    svg.push_str("</svg>");

    let mut headers = vec!["attacker \\ reporter".to_string()];
    headers.extend(cols.iter().map(|&r| long(r)));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut numeric = vec![false];
    numeric.extend(cols.iter().map(|_| true));
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|&a| {
            let mut row = vec![long(a)];
            row.extend(cols.iter().map(|&r| num(at(a, r))));
            row
        })
        .collect();

    let total = saturating_sum(digest.flows.iter().map(|r| r.reports));
    let shown = saturating_sum(
        rows.iter()
            .flat_map(|&a| cols.iter().map(move |&r| (a, r)))
            .map(|(a, r)| at(a, r)),
    );
    let mut note = format!(
        "Reports by attacker country (rows) and reporter country (columns): the top {} \
         attacker and {} reporter countries; darker is more, grey is none. These cells \
         hold {} of the {} reports with both countries.",
        num(rows.len() as u64),
        num(cols.len() as u64),
        percent(shown, total),
        num(total)
    );
    if let Some(cut) = digest.cut {
        let _ = write!(
            note,
            " The digest was cut with f2b-agg --top {}: these are the reports of the \
             flows it keeps, not of all.",
            num(cut)
        );
    }
    if rows.contains(&None) || cols.contains(&None) {
        note.push_str(" “?” is an unknown country.");
    }
    Chart {
        id: ID,
        title: title.to_string(),
        kind: "cells",
        count: rows.len() * cols.len(),
        wide: false,
        data: vec![
            ("rows", rows.len().to_string()),
            ("cols", cols.len().to_string()),
        ],
        note,
        content: Content::Drawn {
            svg,
            table: table(&header_refs, &numeric, &table_rows),
        },
    }
}

/// Reports by hour of the day (UTC) and weekday.
pub fn hours(digest: &Digest) -> Chart {
    const ID: &str = "chart-hours";
    let title = "Hour of day × weekday";
    let Some(matrix) = digest.by_hour_weekday else {
        return Chart::no_data(
            ID,
            title,
            "cells",
            "No report in this digest has both a day and an hour.",
        );
    };
    let max = matrix.iter().flatten().copied().max().unwrap_or(0);
    let row_total = |w: usize| matrix[w].iter().fold(0u64, |s, &v| s.saturating_add(v));
    // Narrow, tall cells: 24 columns in about the width of the other
    // half-width charts, so that the text has about their size.
    let (cell_w, cell_h) = (17.0, 24.0);
    let (left, top_m) = (44.0, 40.0);
    let grid_w = 24.0 * cell_w;
    let grid_h = 7.0 * cell_h;
    let right = text_width(&num((0..7).map(row_total).max().unwrap_or(0)), FONT)
        .max(text_width("total", FONT))
        + 12.0;
    let width = left + grid_w + right;
    let height = top_m + grid_h + 44.0;

    let mut svg = svg_open(width, height, title);
    let _ = write!(svg, "<title>{}</title>", esc(title));
    let _ = write!(
        svg,
        r#"<text class="axis-title" x="{}" y="14" text-anchor="middle">hour of day (UTC) →</text><text class="tick" x="{}" y="{}" text-anchor="start">total</text>"#,
        f(left + grid_w / 2.0),
        f(left + grid_w + 6.0),
        f(top_m - 8.0)
    );
    for h in (0..24).step_by(2) {
        let _ = write!(
            svg,
            r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{h}</text>"#,
            f(left + (h as f64 + 0.5) * cell_w),
            f(top_m - 8.0)
        );
    }
    for (w, name) in WEEKDAYS.iter().enumerate() {
        let y0 = top_m + w as f64 * cell_h;
        let _ = write!(
            svg,
            r#"<text class="tick" x="{}" y="{}" text-anchor="end">{name}</text>"#,
            f(left - 6.0),
            f(y0 + cell_h / 2.0 + 4.5)
        );
        for (h, &v) in matrix[w].iter().enumerate() {
            let tip = format!("{name} {h:02}:00–{h:02}:59 UTC: {} reports", num(v));
            let at = Place {
                x: left + h as f64 * cell_w,
                y: y0,
                width: cell_w,
                height: cell_h,
            };
            cell(&mut svg, at, v, max, Scale::Linear, &tip);
        }
        let _ = write!(
            svg,
            r#"<text class="value" x="{}" y="{}">{}</text>"#,
            f(left + grid_w + 6.0),
            f(y0 + cell_h / 2.0 + 4.5),
            num(row_total(w))
        );
    }
    legend(&mut svg, ID, left, top_m + grid_h + 16.0, max);
    svg.push_str("</svg>");

    let mut headers = vec!["weekday".to_string()];
    headers.extend((0..24).map(|h| format!("{h:02}")));
    headers.push("total".to_string());
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut numeric = vec![false];
    numeric.extend([true; 25]);
    let table_rows: Vec<Vec<String>> = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(w, name)| {
            let mut row = vec![name.to_string()];
            row.extend(matrix[w].iter().map(|&v| num(v)));
            row.push(num(row_total(w)));
            row
        })
        .collect();
    let total = (0..7).fold(0u64, |s, w| s.saturating_add(row_total(w)));
    let busiest = (0..7)
        .flat_map(|w| (0..24).map(move |h| (w, h)))
        .max_by_key(|&(w, h)| (matrix[w][h], Reverse((w, h))));
    let mut note = format!(
        "{} reports by weekday and UTC hour; darker is more, grey is none.",
        num(total)
    );
    if let Some((w, h)) = busiest.filter(|_| max > 0) {
        let _ = write!(
            note,
            " Busiest: {} {h:02}:00 UTC ({} reports).",
            WEEKDAYS[w],
            num(max)
        );
    }
    Chart {
        id: ID,
        title: title.to_string(),
        kind: "cells",
        count: 7 * 24,
        wide: false,
        data: vec![("rows", "7".to_string()), ("cols", "24".to_string())],
        note,
        content: Content::Drawn {
            svg,
            table: table(&header_refs, &numeric, &table_rows),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_day;

    fn labels(d0: &str, d1: &str) -> Vec<String> {
        let (ticks, _) = day_ticks(parse_day(d0).unwrap(), parse_day(d1).unwrap());
        ticks.into_iter().map(|t| t.label).collect()
    }

    #[test]
    fn time_ticks_suit_the_span() {
        assert_eq!(
            labels("2011-07-01", "2011-07-03"),
            ["Jul 1 2011", "Jul 2", "Jul 3"]
        );
        assert_eq!(
            labels("2011-07-01", "2011-08-10")[..2],
            ["Jul 1 2011", "Jul 8"]
        );
        assert_eq!(
            labels("2010-03-01", "2010-12-31"),
            ["Mar 2010", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        );
        assert_eq!(
            labels("2010-03-05", "2014-06-30"),
            ["Jul 2010", "Jan 2011", "Jul", "Jan 2012", "Jul", "Jan 2013", "Jul", "Jan 2014"]
        );
        assert_eq!(labels("2001-01-01", "2014-06-30")[..2], ["2002", "2004"]);
        // Any span of years stays readable.
        assert!(labels("0000-01-01", "9999-12-31").len() <= 12);
    }

    #[test]
    fn ranked_keys_order_by_reports_then_key() {
        let keys = ranked_keys(
            [(Some("DE"), 5), (None, 5), (Some("CN"), 9), (Some("DE"), 1)].into_iter(),
            2,
        );
        assert_eq!(keys, [Some("CN"), Some("DE")]);
        let keys = ranked_keys([(Some("DE"), 5), (None, 5)].into_iter(), 5);
        assert_eq!(keys, [None, Some("DE")]);
    }
}
