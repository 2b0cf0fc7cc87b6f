//! The digest of the fixtures, computed again by a plain, independent method
//! (string keys, ordered maps, naive date arithmetic) and compared section
//! by section with what f2b-agg writes.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use common::{fixture, json_of};

type Rec = Map<String, Value>;
type Key = Option<String>;
/// (country, asn, as_name) of an address, with its reports.
type Places = BTreeMap<(Key, Option<i64>, Key), u64>;

fn s(r: &Rec, k: &str) -> Option<String> {
    r.get(k).and_then(Value::as_str).map(str::to_string)
}

fn int(r: &Rec, k: &str) -> Option<i64> {
    r.get(k).and_then(Value::as_i64)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_days(y: i64, m: i64) -> i64 {
    [
        31,
        if is_leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][(m - 1) as usize]
}

/// Days since 1970-01-01, counted one year and one month at a time.
fn days(y: i64, m: i64, d: i64) -> i64 {
    let mut n = 0;
    for yy in 1970..y {
        n += if is_leap(yy) { 366 } else { 365 };
    }
    for mm in 1..m {
        n += month_days(y, mm);
    }
    n + d - 1
}

fn date_of(mut n: i64) -> String {
    let mut y = 1970;
    loop {
        let len = if is_leap(y) { 366 } else { 365 };
        if n < len {
            break;
        }
        n -= len;
        y += 1;
    }
    let mut m = 1;
    while n >= month_days(y, m) {
        n -= month_days(y, m);
        m += 1;
    }
    format!("{y:04}-{m:02}-{:02}", n + 1)
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn valid_date(t: &str) -> Option<(i64, i64, i64)> {
    let p: Vec<&str> = t.split('-').collect();
    if t.len() != 10 || p.len() != 3 {
        return None;
    }
    let (y, m, d) = (num(p[0])?, num(p[1])?, num(p[2])?);
    ((1..=12).contains(&m) && d >= 1 && d <= month_days(y, m)).then_some((y, m, d))
}

/// (UTC day number, UTC hour, seconds since the epoch) of an RFC 3339 `ts`.
fn parse_ts(t: &str) -> Option<(i64, i64, f64)> {
    let (date, rest) = (t.get(..10)?, t.get(11..)?);
    let (y, m, d) = valid_date(date)?;
    let (hms, offset) = if let Some(x) = rest.strip_suffix('Z') {
        (x, 0)
    } else {
        let i = rest.rfind(['+', '-'])?;
        let (h, mi) = rest[i + 1..].split_once(':')?;
        let o = num(h)? * 3600 + num(mi)? * 60;
        (&rest[..i], if &rest[i..=i] == "-" { -o } else { o })
    };
    let (hms, frac) = hms.split_once('.').map_or((hms, "0"), |(a, b)| (a, b));
    let p: Vec<&str> = hms.split(':').collect();
    let secs = num(p[0])? * 3600 + num(p[1])? * 60 + num(p[2])? - offset;
    let epoch = days(y, m, d) * 86400 + secs;
    let day = epoch.div_euclid(86400);
    let frac: f64 = format!("0.{frac}").parse().ok()?;
    Some((day, epoch.rem_euclid(86400) / 3600, epoch as f64 + frac))
}

/// Sorted by reports, descending, then key.
fn ranked<K: Ord + Clone>(m: &BTreeMap<K, (u64, BTreeSet<String>)>) -> Vec<(K, u64, u64)> {
    let mut v: Vec<(K, u64, u64)> = m
        .iter()
        .map(|(k, (n, set))| (k.clone(), *n, set.len() as u64))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

fn add<K: Ord>(m: &mut BTreeMap<K, (u64, BTreeSet<String>)>, k: K, member: &Option<String>) {
    let e = m.entry(k).or_default();
    e.0 += 1;
    if let Some(x) = member {
        e.1.insert(x.clone());
    }
}

/// The digest as docs/digest.md describes it.
fn expected(text: &str) -> Value {
    let records: Vec<Rec> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("fixture lines are JSON objects"))
        .collect();
    let mut notices: BTreeMap<String, u64> = BTreeMap::new();
    let mut reports = Vec::new();
    for r in &records {
        match s(r, "event") {
            Some(e) if e != "ban" => *notices.entry(e).or_default() += 1,
            _ => reports.push(r),
        }
    }
    let attacker = |r: &Rec| {
        s(r, "ip")
            .map(|ip| format!("ip {ip}"))
            .or_else(|| s(r, "attacker_id").map(|id| format!("id {id}")))
    };
    let reporter = |r: &Rec| {
        s(r, "reporter_host")
            .or_else(|| s(r, "reporter_ip"))
            .or_else(|| s(r, "reporter_id"))
    };
    let all_attackers: BTreeSet<String> = reports.iter().filter_map(|r| attacker(r)).collect();
    let all_reporters: BTreeSet<String> = reports.iter().filter_map(|r| reporter(r)).collect();
    let has_att = !all_attackers.is_empty();
    let has_rep = !all_reporters.is_empty();
    let opt = |known: bool, n: u64| if known { json!(n) } else { Value::Null };

    // When.
    let mut by_day: BTreeMap<i64, (u64, BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let mut by_month: BTreeMap<String, (u64, BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let (mut n_day, mut n_month, mut n_none) = (0u64, 0u64, 0u64);
    let mut first_ts: Option<(f64, String)> = None;
    let mut last_ts: Option<(f64, String)> = None;
    let mut hours = [[0u64; 25]; 8];
    let mut attacker_days: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for r in &reports {
        let ts = s(r, "ts").and_then(|t| parse_ts(&t).map(|p| (p, t)));
        let (day, month, hour) = match &ts {
            Some(((day, hour, at), text)) => {
                if first_ts.as_ref().is_none_or(|f| *at < f.0) {
                    first_ts = Some((*at, text.clone()));
                }
                if last_ts.as_ref().is_none_or(|l| *at > l.0) {
                    last_ts = Some((*at, text.clone()));
                }
                (Some(*day), None, Some(*hour))
            }
            None => {
                let date = s(r, "date").unwrap_or_default();
                let hour = int(r, "hour").filter(|h| (0..24).contains(h));
                match valid_date(&date) {
                    Some((y, m, d)) => (Some(days(y, m, d)), None, hour),
                    None => {
                        let month_ok = date.len() == 7
                            && date.as_bytes()[4] == b'-'
                            && num(&date[..4]).is_some()
                            && num(&date[5..]).is_some_and(|m| (1..=12).contains(&m));
                        (None, month_ok.then_some(date), hour)
                    }
                }
            }
        };
        let a = attacker(r);
        let rp = reporter(r);
        let month = month.or_else(|| day.map(|d| date_of(d)[..7].to_string()));
        match day {
            Some(d) => {
                n_day += 1;
                let e = by_day.entry(d).or_default();
                e.0 += 1;
                e.1.extend(a.clone());
                e.2.extend(rp.clone());
                if let Some(a) = &a {
                    attacker_days.entry(a.clone()).or_default().insert(d);
                }
            }
            None if month.is_some() => n_month += 1,
            None => n_none += 1,
        }
        if let Some(m) = month {
            let e = by_month.entry(m).or_default();
            e.0 += 1;
            e.1.extend(a.clone());
            e.2.extend(rp.clone());
        }
        // 1970-01-01 was a Thursday; Monday is 0.
        let wd = day.map_or(7, |d| (d + 3).rem_euclid(7) as usize);
        hours[wd][hour.map_or(24, |h| h as usize)] += 1;
    }
    let day_list: Vec<i64> = by_day.keys().copied().collect();
    let gaps: Vec<Value> = day_list
        .windows(2)
        .filter(|w| w[1] - w[0] > 3)
        .map(|w| json!({"from": date_of(w[0] + 1), "to": date_of(w[1] - 1), "days": w[1] - w[0] - 1}))
        .collect();

    // Where, on what.
    let mut country = BTreeMap::new();
    let mut region = BTreeMap::new();
    let mut city = BTreeMap::new();
    let mut asn = BTreeMap::new();
    let mut as_names: BTreeMap<Option<i64>, BTreeMap<(Key, Key), u64>> = BTreeMap::new();
    let mut service = BTreeMap::new();
    let mut jail = BTreeMap::new();
    let mut reporter_country = BTreeMap::new();
    let mut flows: BTreeMap<(Option<String>, Option<String>), u64> = BTreeMap::new();
    let mut failures: BTreeMap<i64, u64> = BTreeMap::new();
    let mut per_ip: BTreeMap<String, (u64, Places)> = BTreeMap::new();
    for r in &reports {
        let a = attacker(r);
        let (c, rg, ci) = (s(r, "country"), s(r, "region"), s(r, "city"));
        add(&mut country, c.clone(), &a);
        add(&mut region, (c.clone(), rg.clone()), &a);
        add(&mut city, (c.clone(), rg.clone(), ci.clone()), &a);
        add(&mut asn, int(r, "asn"), &a);
        *as_names
            .entry(int(r, "asn"))
            .or_default()
            .entry((s(r, "as_name"), s(r, "as_country")))
            .or_default() += 1;
        add(&mut service, s(r, "service"), &a);
        add(&mut jail, s(r, "jail"), &a);
        add(
            &mut reporter_country,
            s(r, "reporter_country"),
            &reporter(r),
        );
        *flows
            .entry((c.clone(), s(r, "reporter_country")))
            .or_default() += 1;
        if let Some(f) = int(r, "failures") {
            *failures.entry(f).or_default() += 1;
        }
        if let Some(ip) = s(r, "ip") {
            let e = per_ip.entry(ip).or_default();
            e.0 += 1;
            *e.1.entry((c, int(r, "asn"), s(r, "as_name"))).or_default() += 1;
        }
    }
    let known = |f: &str| {
        reports
            .iter()
            .any(|r| r.get(f).is_some_and(Value::is_string))
    };
    let section = |f: &str, rows: Vec<Value>| if known(f) { rows } else { Vec::new() };
    let key_str = |k: &Option<String>| json!(k);

    let by_country = section(
        "country",
        ranked(&country)
            .into_iter()
            .map(|(k, n, a)| json!({"country": key_str(&k), "reports": n, "attackers": opt(has_att, a)}))
            .collect(),
    );
    let by_region = section(
        "region",
        ranked(&region)
            .into_iter()
            .map(|((c, r), n, a)| json!({"country": c, "region": r, "reports": n, "attackers": opt(has_att, a)}))
            .collect(),
    );
    let by_city = section(
        "city",
        ranked(&city)
            .into_iter()
            .map(|((c, r, ci), n, a)| {
                json!({"country": c, "region": r, "city": ci, "reports": n, "attackers": opt(has_att, a)})
            })
            .collect(),
    );
    let by_asn: Vec<Value> = if reports.iter().any(|r| int(r, "asn").is_some()) {
        ranked(&asn)
            .into_iter()
            .map(|(k, n, a)| {
                let names = &as_names[&k];
                let best = names
                    .iter()
                    .max_by(|x, y| {
                        x.1.cmp(y.1).then_with(|| {
                            let key = |n: &(Option<String>, Option<String>)| {
                                (n.0.is_none(), n.0.clone(), n.1.is_none(), n.1.clone())
                            };
                            key(y.0).cmp(&key(x.0))
                        })
                    })
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
                json!({"asn": k, "as_name": best.0, "as_country": best.1, "reports": n, "attackers": opt(has_att, a)})
            })
            .collect()
    } else {
        Vec::new()
    };
    let by_service = section(
        "service",
        ranked(&service)
            .into_iter()
            .map(|(k, n, a)| json!({"service": k, "reports": n, "attackers": opt(has_att, a)}))
            .collect(),
    );
    let by_jail = section(
        "jail",
        ranked(&jail)
            .into_iter()
            .map(|(k, n, a)| json!({"jail": k, "reports": n, "attackers": opt(has_att, a)}))
            .collect(),
    );
    let by_reporter_country = section(
        "reporter_country",
        ranked(&reporter_country)
            .into_iter()
            .map(|(k, n, rr)| json!({"reporter_country": k, "reports": n, "reporters": opt(has_rep, rr)}))
            .collect(),
    );
    let both = reports
        .iter()
        .any(|r| s(r, "country").is_some() && s(r, "reporter_country").is_some());
    let mut flow_rows: Vec<(&(Key, Key), &u64)> = flows.iter().collect();
    flow_rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let flows: Vec<Value> = if both {
        flow_rows
            .into_iter()
            .map(|((c, rc), n)| json!({"country": c, "reporter_country": rc, "reports": n}))
            .collect()
    } else {
        Vec::new()
    };

    let hour_total = |h: usize| (0..8).map(|w| hours[w][h]).sum::<u64>();
    let by_hour: Vec<Value> = if (0..24).any(|h| hour_total(h) > 0) {
        (0..24)
            .map(|h| json!({"hour": h, "reports": hour_total(h)}))
            .collect()
    } else {
        Vec::new()
    };
    let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let by_weekday: Vec<Value> = if (0..7).any(|w| hours[w].iter().sum::<u64>() > 0) {
        (0..7)
            .map(|w| json!({"weekday": names[w], "reports": hours[w].iter().sum::<u64>()}))
            .collect()
    } else {
        Vec::new()
    };
    let matrix: Vec<Vec<u64>> = (0..7).map(|w| hours[w][..24].to_vec()).collect();
    let by_hour_weekday = if matrix.iter().flatten().any(|&n| n > 0) {
        json!(matrix)
    } else {
        Value::Null
    };

    let mut top: Vec<(&String, &(u64, Places))> = per_ip.iter().collect();
    top.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(b.0)));
    let top_attackers: Vec<Value> = top
        .into_iter()
        .take(100)
        .map(|(ip, (n, places))| {
            let place_key = |p: &(Option<String>, Option<i64>, Option<String>)| {
                (p.0.is_none(), p.0.clone(), p.1.is_none(), p.1, p.2.clone())
            };
            let best = places
                .iter()
                .max_by(|x, y| {
                    x.1.cmp(y.1)
                        .then_with(|| place_key(y.0).cmp(&place_key(x.0)))
                })
                .map(|(k, _)| k.clone())
                .unwrap_or_default();
            let d = attacker_days
                .get(&format!("ip {ip}"))
                .cloned()
                .unwrap_or_default();
            json!({
                "ip": ip, "reports": n, "days": d.len(),
                "first": d.first().map(|&x| date_of(x)), "last": d.last().map(|&x| date_of(x)),
                "country": best.0, "asn": best.1, "as_name": best.2,
            })
        })
        .collect();

    json!({
        "digest_version": 1,
        "generator": concat!("f2b-agg ", env!("CARGO_PKG_VERSION")),
        "records": records.len(),
        "reports": reports.len(),
        "notices": notices,
        "attackers": if has_att { json!(all_attackers.len()) } else { Value::Null },
        "reporters": if has_rep { json!(all_reporters.len()) } else { Value::Null },
        "first": day_list.first().map(|&d| date_of(d)),
        "last": day_list.last().map(|&d| date_of(d)),
        "first_ts": first_ts.map(|f| f.1),
        "last_ts": last_ts.map(|l| l.1),
        "dated": {"day": n_day, "month": n_month, "undated": n_none},
        "by_day": by_day.iter().map(|(d, (n, a, r))| json!({
            "date": date_of(*d), "reports": n,
            "attackers": opt(has_att, a.len() as u64), "reporters": opt(has_rep, r.len() as u64),
        })).collect::<Vec<_>>(),
        "by_month": by_month.iter().map(|(m, (n, a, r))| json!({
            "month": m, "reports": n,
            "attackers": opt(has_att, a.len() as u64), "reporters": opt(has_rep, r.len() as u64),
        })).collect::<Vec<_>>(),
        "gaps": gaps,
        "by_country": by_country,
        "by_region": by_region,
        "by_city": by_city,
        "by_asn": by_asn,
        "by_service": by_service,
        "by_jail": by_jail,
        "by_reporter_country": by_reporter_country,
        "flows": flows,
        "by_hour": by_hour,
        "by_weekday": by_weekday,
        "by_hour_weekday": by_hour_weekday,
        "failures": failures.iter().map(|(f, n)| json!({"failures": f, "reports": n})).collect::<Vec<_>>(),
        "top_attackers": top_attackers,
    })
}

fn compare(fixture_name: &str) {
    let path = fixture(fixture_name);
    let text = std::fs::read_to_string(&path).unwrap();
    let want = expected(&text);
    let got = json_of(&["-q", path.to_str().unwrap()]);
    let (want, got) = (want.as_object().unwrap(), got.as_object().unwrap());
    // Same sections, in the documented order.
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (section, value) in want {
        assert_eq!(&got[section], value, "section {section} of {fixture_name}");
    }
}

#[test]
fn digest_of_full_records_matches_an_independent_computation() {
    compare("full.ndjson");
}

#[test]
fn digest_of_anonymized_records_matches_an_independent_computation() {
    compare("anon.ndjson");
}

#[test]
fn the_fixtures_exercise_every_section() {
    let full = json_of(&["-q", fixture("full.ndjson").to_str().unwrap()]);
    for section in [
        "by_day",
        "gaps",
        "by_country",
        "by_region",
        "by_city",
        "by_asn",
        "by_service",
        "by_jail",
        "by_reporter_country",
        "flows",
        "by_hour",
        "by_weekday",
        "failures",
        "top_attackers",
    ] {
        assert!(
            !full[section].as_array().unwrap().is_empty(),
            "{section} is empty"
        );
    }
    assert!(full["notices"]["start"].as_u64() == Some(2));
    assert!(full["dated"]["month"].as_u64() == Some(1));
    let anon = json_of(&["-q", fixture("anon.ndjson").to_str().unwrap()]);
    assert_eq!(anon["top_attackers"], json!([]), "no ip, no top_attackers");
    assert!(
        anon["attackers"].as_u64().unwrap() > 0,
        "attacker_id counts attackers"
    );
    assert!(anon["dated"]["month"].as_u64().unwrap() > 0);
}
