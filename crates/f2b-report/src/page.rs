//! The HTML page around the charts: the headline, the layout and its CSS,
//! and the small inline script. Nothing is loaded from anywhere: the page is
//! one file that works offline and without JavaScript.

use std::fmt::Write as _;

use crate::charts::{Chart, Content};
use crate::digest::Digest;
use crate::svg::{esc, num};

/// The page's style: system fonts, a grid of two columns that becomes one on
/// narrow screens, charts that scale with their viewBox.
const CSS: &str = r#"
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de;
  --bar: #1f5f9e; --hot: #d55e00; --gap: #fbe2c0; --gap-ink: #8a4600; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink); line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 1200px; margin: 0 auto; padding: 16px 20px 32px; }
h1 { font-size: 1.6rem; margin: 8px 0 4px; }
h2 { font-size: 1.15rem; margin: 0 0 2px; }
#headline { margin: 0 0 20px; }
#headline .big { font-size: 1.45rem; margin: 4px 0; }
#headline .big strong { font-size: 1.9rem; }
#headline p { margin: 2px 0; color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 20px; }
.wide { grid-column: 1 / -1; }
figure.chart { margin: 0; padding: 14px 14px 10px; border: 1px solid var(--line);
  border-radius: 8px; min-width: 0; }
figcaption p { margin: 0 0 8px; color: var(--muted); font-size: .92rem; }
.scroll { overflow-x: auto; }
svg { display: block; width: 100%; height: auto; margin: 0 auto; }
svg text { font-size: 13px; fill: #2b3138; }
svg .tick { fill: var(--muted); }
svg .axis-title { font-size: 12px; fill: var(--muted); }
svg .gap-label { font-size: 11px; fill: var(--gap-ink); }
svg .grid { stroke: #e4e8ec; stroke-width: 1; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
.bar { fill: var(--bar); }
.bar:hover { fill: var(--hot); }
.cell:hover { stroke: var(--hot); stroke-width: 2; }
.gap { fill: var(--gap); }
.gap-key { display: inline-block; width: .9em; height: .9em; background: var(--gap);
  border: 1px solid var(--gap-ink); vertical-align: -1px; }
.nodata { margin: 24px 0; padding: 24px; text-align: center; color: var(--muted);
  background: #f6f8fa; border-radius: 6px; }
details { margin-top: 8px; font-size: .9rem; }
summary { cursor: pointer; color: var(--bar); }
details > div { overflow-x: auto; max-height: 420px; overflow-y: auto; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { padding: 2px 8px; border-bottom: 1px solid #eaeef2; text-align: left; white-space: nowrap; }
th { position: sticky; top: 0; background: #f6f8fa; }
td.n { text-align: right; }
footer { margin-top: 28px; color: var(--muted); font-size: .85rem; }
#tip { position: fixed; z-index: 10; max-width: 80vw; padding: 4px 8px; border-radius: 4px;
  background: #1b1f24; color: #fff; font-size: .85rem; pointer-events: none; }
@media (max-width: 700px) {
  .page { padding: 10px; }
  .grid { grid-template-columns: 1fr; gap: 14px; }
  figure.chart { padding: 10px 8px 6px; }
  .wide .scroll svg { min-width: 760px; }
  #chart-hours .scroll svg { min-width: 460px; }
}
"#;

/// The inline script: on touch screens, where there is no hover, a tap on a
/// bar or cell shows its numbers. It also marks the page as ready, which the
/// browser check reads.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  var tip = document.getElementById("tip");
  function hide() { tip.hidden = true; }
  document.addEventListener("pointerdown", function (event) {
    var mark = event.target.closest ? event.target.closest(".bar, .cell, .gap") : null;
    var title = mark ? mark.querySelector("title") : null;
    if (!title || event.pointerType === "mouse") { hide(); return; }
    tip.textContent = title.textContent;
    tip.hidden = false;
    var x = Math.min(event.clientX + 10, window.innerWidth - tip.offsetWidth - 4);
    tip.style.left = Math.max(4, x) + "px";
    tip.style.top = (event.clientY + 18) + "px";
  });
  window.addEventListener("scroll", hide, { passive: true });
  document.body.dataset.ready = "1";
})();
"#;

/// The whole page for `digest` with its `charts`, titled `title`.
pub fn render(title: &str, digest: &Digest, charts: &[Chart]) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"f2b-report {}\">\n<title>{}</title>\n\
         <style>{CSS}</style>\n</head>\n<body>\n<div class=\"page\">\n<h1>{}</h1>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        esc(title)
    );
    headline(&mut out, digest);
    out.push_str("<main class=\"grid\">\n");
    for chart in charts {
        figure(&mut out, chart);
    }
    out.push_str("</main>\n<footer>");
    let _ = write!(
        out,
        "Made by f2b-report {} from a digest",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(generator) = &digest.generator {
        let _ = write!(out, " written by {}", esc(generator));
    }
    out.push_str(
        ". Hours and days are UTC. Hover over (or tap) a bar or cell for its numbers; \
         every chart has a table of them.</footer>\n</div>\n\
         <div id=\"tip\" role=\"status\" hidden></div>\n",
    );
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// The headline: "N reports from M hosts", who reported them, and when.
fn headline(out: &mut String, d: &Digest) {
    let mut attrs = format!(r#" data-reports="{}""#, d.reports);
    for (key, value) in [("attackers", d.attackers), ("reporters", d.reporters)] {
        if let Some(v) = value {
            let _ = write!(attrs, r#" data-{key}="{v}""#);
        }
    }
    let _ = write!(out, r#"<section id="headline"{attrs}>"#);
    let reports = format!(
        "<strong>{}</strong> report{}",
        num(d.reports),
        if d.reports == 1 { "" } else { "s" }
    );
    match d.attackers {
        Some(a) => {
            let _ = write!(
                out,
                r#"<p class="big">{reports} from <strong>{}</strong> host{}</p>"#,
                num(a),
                if a == 1 { "" } else { "s" }
            );
        }
        None => {
            let _ = write!(out, r#"<p class="big">{reports}</p>"#);
        }
    }
    let mut line = String::new();
    if let Some(r) = d.reporters {
        let _ = write!(
            line,
            "sent by {} reporting server{}",
            num(r),
            if r == 1 { "" } else { "s" }
        );
    }
    if let (Some(first), Some(last)) = (&d.first, &d.last) {
        if !line.is_empty() {
            line.push_str(", ");
        }
        let _ = write!(line, "from {} to {}", esc(first), esc(last));
    }
    if let Some(initial) = line.chars().next() {
        // "From … to …" when it is all there is to say.
        let rest = &line[initial.len_utf8()..];
        let _ = write!(out, "<p>{}{rest}.</p>", initial.to_uppercase());
    }
    if d.attackers.is_none() && d.reports > 0 {
        out.push_str("<p>The attacking hosts are not in this dataset.</p>");
    }
    if let Some(dated) = d.dated.filter(|x| x.month > 0 || x.undated > 0) {
        let _ = write!(
            out,
            "<p>{} dated to the day, {} only to the month, {} undated.</p>",
            num(dated.day),
            num(dated.month),
            num(dated.undated)
        );
    }
    out.push_str("</section>\n");
}

/// One chart as a `<figure>` with its id and data attributes.
fn figure(out: &mut String, chart: &Chart) {
    let mut class = String::from("chart");
    if chart.wide {
        class.push_str(" wide");
    }
    if !chart.has_data() {
        class.push_str(" empty");
    }
    let _ = write!(
        out,
        r#"<figure id="{}" class="{class}" data-kind="{}" data-count="{}""#,
        chart.id, chart.kind, chart.count
    );
    for (key, value) in &chart.data {
        let _ = write!(out, r#" data-{key}="{}""#, esc(value));
    }
    let _ = write!(out, ">\n<figcaption><h2>{}</h2>", esc(&chart.title));
    if !chart.note.is_empty() {
        let _ = write!(out, "<p>{}</p>", chart.note);
    }
    out.push_str("</figcaption>\n");
    match &chart.content {
        Content::Drawn { svg, table } => {
            let _ = write!(
                out,
                "<div class=\"scroll\">{svg}</div>\n<details><summary>Table</summary><div>{table}</div></details>\n"
            );
        }
        Content::NoData(why) => {
            let _ = write!(out, r#"<p class="nodata">No data. {}</p>"#, esc(why));
        }
    }
    out.push_str("</figure>\n");
}
