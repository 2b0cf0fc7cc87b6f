//! Property: however records are split into shards, merging the shards'
//! partials gives exactly the digest (and the partial) of one run; and
//! records added in batches give the state of records added one by one.

use f2b_agg::digest::Options;
use f2b_agg::fields::values;
use f2b_agg::partial::Partial;
use f2b_agg::state::State;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn state_of(lines: &[String]) -> State {
    let mut s = State::new();
    for l in lines {
        s.add(&values(l.as_bytes()).expect("generated records are valid"));
    }
    s.settle();
    s
}

fn digest_text(s: &State, top: Option<usize>) -> String {
    serde_json::to_string(&s.digest(Options { top })).unwrap()
}

fn partial_text(s: &State) -> String {
    serde_json::to_string(&Partial::of(s)).unwrap()
}

/// A field drawn from a few values, or null, or absent.
fn field(values: &'static [&'static str]) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        6 => proptest::sample::select(values).prop_map(|v| Some(json!(v))),
    ]
}

fn int_field(values: &'static [i64]) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        6 => proptest::sample::select(values).prop_map(|v| Some(json!(v))),
    ]
}

fn record() -> impl Strategy<Value = String> {
    let when = prop_oneof![
        3 => (0u32..40, 0u32..24).prop_map(|(d, h)| ("ts", format!("2011-02-{:02}T{h:02}:05:00Z", d % 28 + 1))),
        1 => (0u32..40).prop_map(|d| ("date", format!("2011-03-{:02}", d % 31 + 1))),
        1 => (1u32..13).prop_map(|m| ("date", format!("2012-{m:02}"))),
        1 => Just(("ts", "garbage".to_string())),
    ];
    (
        (
            field(&["192.0.2.1", "192.0.2.2", "2001:db8::1", "198.51.100.3"]),
            field(&["a1", "a2", "a3"]),
            field(&["h1.example", "h2.example"]),
            field(&["203.0.113.1", "203.0.113.2"]),
            field(&["r1", "r2"]),
            field(&["CN", "BR", "US"]),
            field(&["North", "South"]),
            field(&["Springfield", "Shelbyville"]),
        ),
        (
            int_field(&[4134, 3320, 7922]),
            field(&["CHINANET", "DTAG", "COMCAST"]),
            field(&["ssh", "smtp", "web"]),
            field(&["sshd", "ssh-iptables", "sasl"]),
            field(&["DE", "FR"]),
            int_field(&[3, 5, 10, 300, -1]),
            int_field(&[0, 7, 23, 30]),
            prop_oneof![6 => Just(None), 1 => Just(Some(json!("start"))), 1 => Just(Some(json!("ban")))],
        ),
        when,
    )
        .prop_map(|((ip, aid, host, rip, rid, c, r, ci), (asn, an, s, j, rc, f, h, ev), (wk, wv))| {
            let mut m = Map::new();
            m.insert(wk.into(), json!(wv));
            let named = [
                ("ip", ip), ("attacker_id", aid), ("reporter_host", host), ("reporter_ip", rip),
                ("reporter_id", rid), ("country", c), ("region", r), ("city", ci), ("asn", asn),
                ("as_name", an), ("service", s), ("jail", j), ("reporter_country", rc),
                ("failures", f), ("hour", h), ("event", ev),
            ];
            for (k, v) in named {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            Value::Object(m).to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_split_merges_to_the_digest_of_one_run(
        lines in proptest::collection::vec(record(), 0..120),
        cuts in proptest::collection::vec(0usize..120, 0..5),
        top in proptest::option::of(1usize..4),
    ) {
        let whole = state_of(&lines);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(lines.len())).collect();
        cuts.sort_unstable();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(lines.len());
        let mut merged = State::new();
        for w in bounds.windows(2) {
            let shard = state_of(&lines[w[0]..w[1]]);
            let partial: Partial = serde_json::from_str(&partial_text(&shard)).unwrap();
            partial.merge_into(&mut merged).unwrap();
        }
        merged.settle();
        prop_assert_eq!(digest_text(&merged, top), digest_text(&whole, top));
        prop_assert_eq!(partial_text(&merged), partial_text(&whole));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn records_added_in_batches_give_the_state_of_one_by_one(
        lines in proptest::collection::vec(record(), 0..120),
        sizes in proptest::collection::vec(1usize..40, 1..8),
    ) {
        let one_by_one = state_of(&lines);
        let values: Vec<_> = lines
            .iter()
            .map(|l| values(l.as_bytes()).expect("generated records are valid"))
            .collect();
        let mut batched = State::new();
        let mut rest = &values[..];
        for n in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (batch, after) = rest.split_at((*n).min(rest.len()));
            batched.add_batch(batch);
            rest = after;
        }
        batched.settle();
        prop_assert_eq!(batched.records, one_by_one.records);
        prop_assert_eq!(partial_text(&batched), partial_text(&one_by_one));
        prop_assert_eq!(digest_text(&batched, None), digest_text(&one_by_one, None));
    }
}
