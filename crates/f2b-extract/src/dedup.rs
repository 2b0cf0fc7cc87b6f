//! Duplicates: the same report seen twice is written once.
//!
//! Two kinds of repetition occur. A message delivered twice repeats its
//! reports exactly: those are recognised by a hash of (ip, jail,
//! reporter_host, event, msgid, ts). A delay warning precedes the final
//! failure of the same report: warnings are held back, and a held report is
//! dropped when a final failure carries the same (ip, jail, reporter_host)
//! with no conflicting msgid or ts — or the same (ip, jail) when either
//! names the server only by what the bounce says of itself (a relay may have
//! written the warning, which quotes the subject alone, and the server the
//! failure); reports of warnings whose failure never came are written at the
//! end (or when too many are held).
//!
//! Memory is bounded: the exact-duplicate set keeps two generations of at most
//! [`GENERATION`] hashes each, so duplicates further apart than that are not
//! recognised; at most [`MAX_HELD`] warnings are held. The hashes are 64-bit
//! SipHash, so two different reports are taken for one only if their hashes
//! collide (about one chance in 2^64 per pair).

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use crate::record::BanRecord;

/// Hashes kept per generation of the exact-duplicate set.
pub const GENERATION: usize = 4_000_000;

/// Warnings held back at most.
pub const MAX_HELD: usize = 200_000;

/// A warning's record held back, with the message it came from.
#[derive(Debug)]
struct Held {
    message: usize,
    record: Option<BanRecord>,
    /// The record's hashes.
    key: Key,
    /// Read as context (see [`Dedup::hold`]): never written.
    context: bool,
}

/// The keys of the sets below are hashes already: they are used as they are
/// rather than hashed a second time.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Keys = BuildHasherDefault<KeyHasher>;

/// Decides which records are duplicates.
#[derive(Debug, Default)]
pub struct Dedup {
    current: HashSet<u64, Keys>,
    previous: HashSet<u64, Keys>,
    held: VecDeque<Held>,
    /// Index of the first entry of `held` in the sequence of all held entries.
    held_base: usize,
    by_report: HashMap<u64, Vec<usize>, Keys>,
    /// The same entries by [`Key::loose`].
    by_loose: HashMap<u64, Vec<usize>, Keys>,
    /// Records still held, per warning message.
    open_per_message: HashMap<usize, usize>,
    /// Where a record's key fields are put together to be hashed.
    scratch: Vec<u8>,
}

/// The hashes of a record's report and of the exact report.
#[derive(Debug, Clone, Copy)]
struct Key {
    /// Of (ip, jail, reporter_host, event): the same report, told again.
    report: u64,
    /// Of (ip, jail, event): the same report, when a reporter_host is not
    /// the report's own.
    loose: u64,
    /// Of those and (msgid, ts): the same report from the same message.
    exact: u64,
}

impl Key {
    /// Both hashes in one pass: SipHash (std's, with its fixed keys) over the
    /// fields, each as a presence byte, its length and its bytes, so that
    /// different fields never make the same bytes; `scratch` holds them.
    fn of(r: &BanRecord, scratch: &mut Vec<u8>) -> Key {
        fn put(scratch: &mut Vec<u8>, field: Option<&str>) {
            match field {
                None => scratch.push(0),
                Some(text) => {
                    scratch.push(1);
                    scratch.extend_from_slice(&(text.len() as u64).to_le_bytes());
                    scratch.extend_from_slice(text.as_bytes());
                }
            }
        }
        scratch.clear();
        put(scratch, r.ip.as_deref());
        put(scratch, r.jail.as_deref());
        put(scratch, r.event);
        let host = scratch.len();
        put(scratch, r.reporter_host.as_deref());
        let split = scratch.len();
        put(scratch, r.msgid.as_deref());
        put(scratch, r.ts.as_deref());
        let mut h = DefaultHasher::new();
        h.write(&scratch[..host]);
        let loose = h.finish();
        h.write(&scratch[host..split]);
        let report = h.finish();
        h.write(&scratch[split..]);
        Key {
            report,
            loose,
            exact: h.finish(),
        }
    }
}

/// What became of a warning message's records when they were released or dropped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Released {
    /// Records to write now, in order.
    pub records: Vec<BanRecord>,
    /// Warning messages all of whose records turned out to be duplicates.
    pub duplicate_messages: usize,
    /// Warning messages that are released with at least one record.
    pub messages_with_records: usize,
}

impl Dedup {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Filters the records of a final (non-warning) message: returns those to
    /// write. Held warnings it settles are dropped; the `src` of each warning
    /// message that thereby became a duplicate is added to `settled`.
    pub fn admit(&mut self, records: Vec<BanRecord>, settled: &mut Vec<String>) -> Vec<BanRecord> {
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let key = Key::of(&record, &mut self.scratch);
            self.settle_held(&record, key, settled);
            if self.first_time(key) {
                out.push(record);
            }
        }
        out
    }

    /// Holds the records of a warning message (numbered `message`), except
    /// those already written or already held; returns how many are held.
    /// A `context` message (mail beyond a shard's own, read only to settle
    /// duplicates at its edges) is held like any other but never written.
    pub fn hold(&mut self, message: usize, records: Vec<BanRecord>, context: bool) -> usize {
        let mut held = 0;
        for record in records {
            let key = Key::of(&record, &mut self.scratch);
            if self.seen(key) || self.same_host_match(&record, key).is_some() {
                continue;
            }
            let index = self.held_base + self.held.len();
            self.by_report.entry(key.report).or_default().push(index);
            self.by_loose.entry(key.loose).or_default().push(index);
            self.held.push_back(Held {
                message,
                record: Some(record),
                key,
                context,
            });
            held += 1;
        }
        if held > 0 {
            self.open_per_message.insert(message, held);
        }
        held
    }

    /// Releases held warnings beyond the limit (or all with `all`), oldest first.
    pub fn release(&mut self, all: bool) -> Released {
        let mut released = Released::default();
        let mut messages_seen = HashSet::new();
        while !self.held.is_empty() && (all || self.held.len() > MAX_HELD) {
            let Some(entry) = self.held.pop_front() else {
                break;
            };
            let index = self.held_base;
            self.held_base += 1;
            if let Some(record) = entry.record {
                let key = entry.key;
                self.unindex(key, index);
                self.first_time(key);
                if !entry.context {
                    released.records.push(record);
                    if messages_seen.insert(entry.message) {
                        released.messages_with_records += 1;
                    }
                }
                if let Some(open) = self.open_per_message.get_mut(&entry.message) {
                    *open -= 1;
                    if *open == 0 {
                        self.open_per_message.remove(&entry.message);
                    }
                }
            }
        }
        released
    }

    /// True (and remembered) when this exact report was not written before.
    fn first_time(&mut self, key: Key) -> bool {
        let h = key.exact;
        if self.previous.contains(&h) || !self.current.insert(h) {
            return false;
        }
        if self.current.len() >= GENERATION {
            self.previous = std::mem::take(&mut self.current);
        }
        true
    }

    fn seen(&self, key: Key) -> bool {
        self.current.contains(&key.exact) || self.previous.contains(&key.exact)
    }

    /// The held record of entry `i`, if still held.
    fn held_record(&self, i: usize) -> Option<&BanRecord> {
        self.held
            .get(i.checked_sub(self.held_base)?)
            .and_then(|h| h.record.as_ref())
    }

    /// The oldest held entry of the same report as `record` (of key `key`)
    /// from the same reporter_host.
    fn same_host_match(&self, record: &BanRecord, key: Key) -> Option<usize> {
        let list = self.by_report.get(&key.report)?;
        list.iter()
            .copied()
            .find(|&i| self.held_record(i).is_some_and(|h| compatible(h, record)))
    }

    /// The oldest held entry of the same address and jail as `record`, from
    /// another reporter_host, where either host is not the report's own;
    /// with `host`, only one from that host.
    fn loose_match(
        &self,
        record: &BanRecord,
        key: Key,
        host: Option<&Option<String>>,
    ) -> Option<usize> {
        let list = self.by_loose.get(&key.loose)?;
        list.iter().copied().find(|&i| {
            self.held_record(i).is_some_and(|h| {
                !(h.own_host && record.own_host)
                    && h.reporter_host != record.reporter_host
                    && host.is_none_or(|host| h.own_host && h.reporter_host == *host)
                    && compatible(h, record)
            })
        })
    }

    /// Takes held entry `index`, of key `key`, out of the indexes.
    fn unindex(&mut self, key: Key, index: usize) {
        for (map, k) in [
            (&mut self.by_report, key.report),
            (&mut self.by_loose, key.loose),
        ] {
            if let Some(list) = map.get_mut(&k) {
                list.retain(|&i| i != index);
                if list.is_empty() {
                    map.remove(&k);
                }
            }
        }
    }

    /// Drops held warnings that `record` (a final failure) settles, adding the
    /// `src` of warning messages that have no record left to `emptied`
    /// (context messages are not named: they are not the run's own).
    fn settle_held(&mut self, record: &BanRecord, key: Key, emptied: &mut Vec<String>) {
        // The warnings from the same host. Else those of one other report:
        // a final failure is of one report, and several servers may ban one
        // address. That is one warning naming no host of its own; or, for a
        // failure naming none, the warnings of the one server of the oldest.
        let mut settled_same_host = false;
        let mut other: Option<Option<String>> = None;
        loop {
            let index = if let Some(i) = self.same_host_match(record, key) {
                settled_same_host = true;
                i
            } else if settled_same_host {
                break;
            } else if let Some(host) = &other {
                match self.loose_match(record, key, Some(host)) {
                    Some(i) if !record.own_host && host.is_some() => i,
                    _ => break,
                }
            } else {
                let Some(i) = self.loose_match(record, key, None) else {
                    break;
                };
                other = Some(
                    self.held_record(i)
                        .filter(|h| h.own_host)
                        .and_then(|h| h.reporter_host.clone()),
                );
                i
            };
            let Some(entry) = self.held.get_mut(index - self.held_base) else {
                break;
            };
            let src = entry.record.take().map(|r| r.src).unwrap_or_default();
            let (message, context, held_key) = (entry.message, entry.context, entry.key);
            self.unindex(held_key, index);
            if let Some(open) = self.open_per_message.get_mut(&message) {
                *open -= 1;
                if *open == 0 {
                    self.open_per_message.remove(&message);
                    if !context {
                        emptied.push(src);
                    }
                }
            }
        }
    }
}

/// Same report: no conflicting message id or time.
fn compatible(a: &BanRecord, b: &BanRecord) -> bool {
    let agree = |x: Option<&str>, y: Option<&str>| match (x, y) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    fn msgid(r: &BanRecord) -> Option<&str> {
        r.msgid.as_deref().filter(|_| r.own_msgid)
    }
    fn ts(r: &BanRecord) -> Option<&str> {
        r.ts.as_deref().filter(|_| r.own_ts)
    }
    agree(msgid(a), msgid(b)) && agree(ts(a), ts(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(ip: &str, msgid: Option<&str>, ts: Option<&str>) -> BanRecord {
        BanRecord {
            ts: ts.map(String::from),
            ip: Some(ip.into()),
            jail: Some("SSH".into()),
            service: "ssh",
            failures: None,
            reporter_host: Some("h.example.org".into()),
            reporter_ip: None,
            msgid: msgid.map(String::from),
            src: "x".into(),
            event: None,
            template: None,
            own_msgid: msgid.is_some(),
            own_host: true,
            own_ts: ts.is_some(),
        }
    }

    #[test]
    fn exact_repeats_are_written_once_but_rebans_are_not_repeats() {
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        let a = rec("192.0.2.1", Some("<a@h>"), Some("2011-01-01T00:00:00Z"));
        let reban = rec("192.0.2.1", Some("<b@h>"), Some("2011-01-02T00:00:00Z"));
        assert_eq!(d.admit(vec![a.clone()], &mut settled).len(), 1);
        assert_eq!(d.admit(vec![a], &mut settled).len(), 0);
        assert_eq!(d.admit(vec![reban], &mut settled).len(), 1);
    }

    #[test]
    fn warning_settled_by_its_final_failure_is_a_duplicate() {
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        assert_eq!(
            d.hold(
                7,
                vec![rec("192.0.2.1", None, Some("2011-01-01T00:00:00Z"))],
                false
            ),
            1
        );
        let out = d.admit(
            vec![rec(
                "192.0.2.1",
                Some("<a@h>"),
                Some("2011-01-01T00:00:00Z"),
            )],
            &mut settled,
        );
        assert_eq!((out.len(), settled), (1, vec!["x".to_string()]));
        assert_eq!(d.release(true), Released::default());
    }

    #[test]
    fn a_warning_naming_only_its_relay_is_settled_by_the_servers_failure() {
        let relay = |mut r: BanRecord| {
            r.reporter_host = Some("smtp.isp.example.net".into());
            r.own_host = false;
            r
        };
        let server = |host: &str| {
            let mut r = rec("192.0.2.1", Some("<a@h>"), None);
            r.reporter_host = Some(host.into());
            r
        };
        // The relay's warning quotes the subject alone; the server's
        // failure has the copy.
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        d.hold(1, vec![relay(rec("192.0.2.1", None, None))], false);
        let out = d.admit(vec![server("web1.example.org")], &mut settled);
        assert_eq!((out.len(), settled.len()), (1, 1));
        assert_eq!(d.release(true), Released::default());
        // The other way round: a full warning, the failure quoting the subject.
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        d.hold(1, vec![server("web1.example.org")], false);
        let out = d.admit(vec![relay(rec("192.0.2.1", None, None))], &mut settled);
        assert_eq!((out.len(), settled.len()), (1, 1));
        // Two servers of their own names are two reports; so are other
        // addresses, and a conflicting message id.
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        d.hold(1, vec![server("web1.example.org")], false);
        d.hold(2, vec![relay(rec("192.0.2.9", None, None))], false);
        d.hold(3, vec![relay(rec("192.0.2.1", Some("<b@h>"), None))], false);
        let out = d.admit(vec![server("web2.example.org")], &mut settled);
        assert_eq!((out.len(), settled.len()), (1, 0));
        assert_eq!(d.release(true).records.len(), 3);
        // Two servers banned the address; a relay's failure quoting the
        // subject alone is one report: it settles the warnings of one
        // server (the oldest's), not both.
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        d.hold(1, vec![server("web1.example.org")], false);
        d.hold(2, vec![server("web2.example.org")], false);
        d.hold(3, vec![server("web1.example.org")], false);
        let out = d.admit(vec![relay(rec("192.0.2.1", None, None))], &mut settled);
        assert_eq!(out.len(), 1);
        let released = d.release(true);
        assert_eq!(
            released
                .records
                .iter()
                .map(|r| r.reporter_host.as_deref())
                .collect::<Vec<_>>(),
            [Some("web2.example.org")]
        );
        // And a server's failure settles one warning naming no host, not two.
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        d.hold(1, vec![relay(rec("192.0.2.1", None, None))], false);
        let mut other_relay = relay(rec("192.0.2.1", None, None));
        other_relay.reporter_host = Some("mx.other-isp.example.com".into());
        d.hold(2, vec![other_relay], false);
        d.admit(vec![server("web1.example.org")], &mut settled);
        assert_eq!(d.release(true).records.len(), 1);
        // A server's own warning after a relay's is held beside it, not
        // taken for it.
        let mut d = Dedup::new();
        assert_eq!(
            d.hold(1, vec![relay(rec("192.0.2.1", None, None))], false),
            1
        );
        assert_eq!(d.hold(2, vec![server("web2.example.org")], false), 1);
        assert_eq!(d.release(true).records.len(), 2);
    }

    #[test]
    fn warning_without_failure_is_released_at_the_end() {
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        d.hold(3, vec![rec("192.0.2.1", Some("<a@h>"), None)], false);
        d.hold(4, vec![rec("192.0.2.1", Some("<a@h>"), None)], false);
        d.admit(
            vec![rec("192.0.2.1", Some("<other@h>"), None)],
            &mut settled,
        );
        assert!(settled.is_empty());
        let released = d.release(true);
        assert_eq!(
            (released.records.len(), released.messages_with_records),
            (1, 1)
        );
    }

    #[test]
    fn context_warnings_settle_and_are_settled_but_are_never_written() {
        let mut d = Dedup::new();
        let mut settled = Vec::new();
        // A shard's own warning, settled by a failure read as context after it.
        d.hold(1, vec![rec("192.0.2.1", None, None)], false);
        // A context warning (read before the shard) that its failure settles.
        d.hold(2, vec![rec("192.0.2.2", None, None)], true);
        d.admit(vec![rec("192.0.2.2", Some("<b@h>"), None)], &mut settled);
        assert!(settled.is_empty(), "a context warning is not the run's own");
        d.admit(vec![rec("192.0.2.1", Some("<a@h>"), None)], &mut settled);
        assert_eq!(settled, ["x"]);
        // A context warning never settled is not written at the end either.
        d.hold(3, vec![rec("192.0.2.3", None, None)], true);
        assert_eq!(d.release(true), Released::default());
    }
}
