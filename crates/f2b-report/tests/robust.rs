//! No digest makes f2b-report panic: extreme counts and dates, odd text,
//! and random digests of the right shape all render, with every mark counted.

use proptest::prelude::*;
use serde_json::{json, Value};

use f2b_report::calendar::format_day;
use f2b_report::digest::Digest;

fn render(digest: &Value, top: usize) -> String {
    let d = Digest::parse("t.json", digest.to_string().as_bytes()).unwrap();
    f2b_report::render(&d, "t", top).html
}

fn figure<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("<figure id=\"{id}\"")).unwrap();
    let end = page[start..].find("</figure>").unwrap() + start;
    &page[start..end]
}

fn marks(page: &str, id: &str, class: &str) -> usize {
    figure(page, id)
        .matches(&format!("class=\"{class}\""))
        .count()
}

#[test]
fn extreme_counts_dates_and_text_render() {
    let max = u64::MAX;
    let hours: Vec<Vec<u64>> = [max, 0, max, 1, 0, 0, max].map(|v| vec![v; 24]).to_vec();
    let odd = "\u{0}<&>\"'\u{202e}\u{1F600}".repeat(40);
    let digest = json!({
        "digest_version": 1, "reports": max, "attackers": max, "reporters": 0,
        "first": "0000-01-01", "last": "9999-12-31",
        "by_day": [
            {"date": "0000-01-01", "reports": max},
            {"date": "9999-12-31", "reports": max, "attackers": null}
        ],
        "by_month": [{"month": "0000-01", "reports": max}],
        "gaps": [{"from": "0000-01-02", "to": "9999-12-30", "days": -5}],
        "by_country": [{"country": odd, "reports": max}, {"country": null, "reports": max}],
        "by_asn": [{"asn": i64::MIN, "as_name": odd, "reports": max}],
        "by_service": [{"service": "", "reports": 0}],
        "by_reporter_country": [{"reporter_country": odd, "reports": max}],
        "flows": [
            {"country": odd, "reporter_country": null, "reports": max},
            {"country": odd, "reporter_country": null, "reports": max}
        ],
        "by_hour_weekday": hours,
    });
    let page = render(&digest, 1000);
    assert_eq!(marks(&page, "chart-daily", "bar"), 2);
    assert_eq!(marks(&page, "chart-daily", "gap"), 1);
    assert_eq!(marks(&page, "chart-countries", "bar"), 2);
    assert_eq!(marks(&page, "chart-flows", "cell"), 1);
    assert_eq!(marks(&page, "chart-hours", "cell"), 168);
    assert!(!page.contains('\u{0}'));
    assert!(!page.contains("<&>"));
    assert!(!page.contains("NaN") && !page.contains("inf"));
}

/// A random digest of the right shape: `days` distinct day numbers, ranked
/// lists of arbitrary keys, arbitrary counts.
fn digest_strategy() -> impl Strategy<Value = Value> {
    let count = prop_oneof![0u64..20, 0u64..1_000_000, Just(u64::MAX)];
    let key = prop_oneof![
        Just(Value::Null),
        "[A-Z]{2}".prop_map(Value::from),
        any::<String>().prop_map(Value::from)
    ];
    (
        prop::collection::btree_map(-719_528i64..2_932_897, count.clone(), 0..60),
        prop::collection::vec((key.clone(), count.clone()), 0..40),
        prop::collection::vec((key.clone(), key, count.clone()), 0..60),
        prop::option::of(prop::collection::vec(count, 168)),
    )
        .prop_map(|(days, ranked, flows, hours)| {
            let by_day: Vec<Value> = days
                .iter()
                .map(|(&d, &n)| json!({"date": format_day(d), "reports": n}))
                .collect();
            let rows = |k: &str| -> Vec<Value> {
                ranked.iter().map(|(v, n)| json!({k: v, "reports": n})).collect()
            };
            let first = days.keys().next().map(|&d| format_day(d));
            let last = days.keys().next_back().map(|&d| format_day(d));
            let gaps: Vec<Value> = days
                .keys()
                .zip(days.keys().skip(1))
                .filter(|(a, b)| **b - **a > 3)
                .map(|(a, b)| {
                    json!({"from": format_day(a + 1), "to": format_day(b - 1), "days": b - a - 1})
                })
                .collect();
            json!({
                "digest_version": 1, "reports": 7, "attackers": null, "reporters": 3,
                "first": first, "last": last, "by_day": by_day, "by_month": [],
                "gaps": gaps, "by_country": rows("country"), "by_asn": [],
                "by_service": rows("service"), "by_reporter_country": rows("reporter_country"),
                "flows": flows.iter().map(|(a, r, n)| json!({"country": a, "reporter_country": r, "reports": n})).collect::<Vec<_>>(),
                "by_hour_weekday": hours.map(|h| h.chunks(24).map(|c| c.to_vec()).collect::<Vec<_>>()),
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_digests_render_with_every_mark(digest in digest_strategy(), top in 1usize..30) {
        let page = render(&digest, top);
        let days = digest["by_day"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(marks(&page, "chart-daily", "bar"), days);
        prop_assert_eq!(
            marks(&page, "chart-daily", "gap"),
            digest["gaps"].as_array().map_or(0, Vec::len)
        );
        let ranked = digest["by_country"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(marks(&page, "chart-countries", "bar"), ranked.min(top));
        prop_assert_eq!(marks(&page, "chart-services", "bar"), ranked.min(top));
        let hours = if digest["by_hour_weekday"].is_null() { 0 } else { 168 };
        prop_assert_eq!(marks(&page, "chart-hours", "cell"), hours);
        prop_assert!(page.ends_with("</html>\n"));
        prop_assert!(!page.contains("NaN"));
    }
}
