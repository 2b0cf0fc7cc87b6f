//! From a message to records: the fields of SPEC §1 with their orders of trust.

use std::net::IpAddr;

use f2b_core::output::{push_decimal, push_json_str};
use f2b_core::time::format_rfc3339;
use serde::Serialize;

use crate::bounce::{find_ascii_ci, Layer};
use crate::received::{self, Hop};
use crate::report::{self, Kind, Report};
use crate::service::service_of;
use crate::time::Unix;
use crate::{net, phrases};

/// Why a message yields no record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// Neither a bounce nor a Fail2Ban message.
    NotBounce,
    /// A bounce of something that is not a Fail2Ban report.
    NotFail2Ban,
    /// A jail started/stopped notice, or an unban notice.
    Notice,
    /// A Fail2Ban report whose text names no parseable address.
    NoAddress,
    /// Every report it holds was already written.
    Duplicate,
    /// Not readable as mail (no headers, too large).
    Unreadable,
}

impl Reason {
    /// Every reason, in summary order.
    pub const ALL: [Reason; 6] = [
        Reason::NotBounce,
        Reason::NotFail2Ban,
        Reason::Notice,
        Reason::NoAddress,
        Reason::Duplicate,
        Reason::Unreadable,
    ];

    /// The name used in the summary and in `--rejects`.
    pub fn name(self) -> &'static str {
        match self {
            Reason::NotBounce => "not-bounce",
            Reason::NotFail2Ban => "not-fail2ban",
            Reason::Notice => "notice",
            Reason::NoAddress => "no-address",
            Reason::Duplicate => "duplicate",
            Reason::Unreadable => "unreadable",
        }
    }
}

/// One output record (SPEC §1, written by f2b-extract), in field order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BanRecord {
    /// When the ban was reported, RFC 3339 UTC.
    pub ts: Option<String>,
    /// The banned address; absent for start/stop events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The jail as the report names it.
    pub jail: Option<String>,
    /// Service class of the jail.
    pub service: &'static str,
    /// Failures before the ban.
    pub failures: Option<u32>,
    /// The server that ran Fail2Ban.
    pub reporter_host: Option<String>,
    /// Its public address.
    pub reporter_ip: Option<String>,
    /// Message-Id of the report (or of the bounce).
    pub msgid: Option<String>,
    /// Where the message was read.
    pub src: String,
    /// `ban`, `start` or `stop` with `--events`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<&'static str>,
    /// The action family with `--template`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<&'static str>,
    /// `msgid` is the report's own, not the bounce's (duplicates compare only those).
    #[serde(skip)]
    pub own_msgid: bool,
    /// `ts` comes from the report itself, not from the bounce or envelope.
    #[serde(skip)]
    pub own_ts: bool,
    /// `reporter_host` comes from the report itself (its subject, its copy's
    /// headers), not from what the bounce says of itself (a Reporting-MTA,
    /// banner or sender, which may be a relay's).
    #[serde(skip)]
    pub own_host: bool,
}

impl BanRecord {
    /// Appends the record as one compact JSON object (no line end): the
    /// bytes `serde_json` writes for it (a test holds the two together),
    /// without the serializer's machinery.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"ts\":");
        push_json_opt(out, self.ts.as_deref());
        if let Some(ip) = &self.ip {
            out.extend_from_slice(b",\"ip\":");
            push_json_str(out, ip);
        }
        out.extend_from_slice(b",\"jail\":");
        push_json_opt(out, self.jail.as_deref());
        out.extend_from_slice(b",\"service\":");
        push_json_str(out, self.service);
        out.extend_from_slice(b",\"failures\":");
        match self.failures {
            Some(n) => push_decimal(out, n.into()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"reporter_host\":");
        push_json_opt(out, self.reporter_host.as_deref());
        out.extend_from_slice(b",\"reporter_ip\":");
        push_json_opt(out, self.reporter_ip.as_deref());
        out.extend_from_slice(b",\"msgid\":");
        push_json_opt(out, self.msgid.as_deref());
        out.extend_from_slice(b",\"src\":");
        push_json_str(out, &self.src);
        if let Some(event) = self.event {
            out.extend_from_slice(b",\"event\":");
            push_json_str(out, event);
        }
        if let Some(template) = self.template {
            out.extend_from_slice(b",\"template\":");
            push_json_str(out, template);
        }
        out.push(b'}');
    }
}

/// A JSON string, or `null`.
fn push_json_opt(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => push_json_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// What one message gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Ban records (and event records with `--events`).
    Records {
        /// The records, in report order.
        records: Vec<BanRecord>,
        /// The message is a delay warning (DSN `Action: delayed` and the like).
        delayed: bool,
    },
    /// No record, for this reason.
    Skipped(Reason, &'static str),
}

/// Options that change which fields are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fields {
    /// Write `event` and emit start/stop notices as records.
    pub events: bool,
    /// Write `template`.
    pub template: bool,
}

/// Turns one read message into its outcome: the records of every report it
/// returns (a bounce may return several messages: a digest of bounces, an
/// NDR with two copies); the first report's reason to skip when none has one.
pub fn records_of(root: &Layer, src: &str, envelope: Option<Unix>, fields: Fields) -> Outcome {
    let found = find_reports(root);
    if found.is_empty() {
        return if is_bounce(root) {
            Outcome::Skipped(
                Reason::NotFail2Ban,
                "a bounce of mail that is not a Fail2Ban report",
            )
        } else {
            Outcome::Skipped(Reason::NotBounce, "neither a bounce nor a Fail2Ban report")
        };
    }
    let mut first_skip = None;
    let mut all: Option<(Vec<BanRecord>, bool)> = None;
    for (path, report) in found {
        match report_records(root, &path, report, src, envelope, fields) {
            Outcome::Records { records, delayed } => match &mut all {
                Some((all, _)) => all.extend(records),
                None => all = Some((records, delayed)),
            },
            skipped => {
                first_skip.get_or_insert(skipped);
            }
        }
    }
    match (all, first_skip) {
        (Some((records, delayed)), _) => Outcome::Records { records, delayed },
        (None, Some(skipped)) => skipped,
        (None, None) => Outcome::Skipped(Reason::NotFail2Ban, "no report"),
    }
}

/// The outcome of one report of a message, found at the end of `path`.
fn report_records(
    root: &Layer,
    path: &[&Layer],
    report: Report,
    src: &str,
    envelope: Option<Unix>,
    fields: Fields,
) -> Outcome {
    let copy = path[path.len() - 1];
    let carrier = path.len().checked_sub(2).map(|i| path[i]);
    // A message whose own subject quotes the report's ("Undeliverable:
    // [Fail2Ban] …", "Re: [Fail2Ban] …") is read as the copy, but its
    // headers are its own, not the report's.
    let quoting = path.len() == 1 && subject_quotes_a_report(root);
    if (quoting && !is_bounce(root)) || (path.len() > 1 && is_reply(root)) {
        return Outcome::Skipped(
            Reason::NotBounce,
            "a reply to a Fail2Ban report (or an auto-reply, a forward), not a bounce of one",
        );
    }
    if report.kind == Kind::Unbanned {
        return Outcome::Skipped(Reason::Notice, "an unban notice");
    }
    let is_notice = matches!(report.kind, Kind::Started | Kind::Stopped);
    if is_notice && !fields.events {
        return Outcome::Skipped(Reason::Notice, "a jail started/stopped notice");
    }
    if !is_notice && report.bans.is_empty() {
        return Outcome::Skipped(
            Reason::NoAddress,
            "a Fail2Ban report that names no readable address",
        );
    }

    let (message_ts, own_ts) = report_time(path, envelope);
    let hint = copy.headers.date.and_then(|d| d.offset());
    // The copy's own first hop: where the report was submitted; or, when
    // the server handed it straight to a relay (msmtp, nullmailer), the
    // name the server gave itself there.
    let own_mta = copy
        .headers
        .received
        .last()
        .filter(|_| !quoting)
        .and_then(|r| {
            let hop = Hop::new(r);
            hop.public_sender().or_else(|| hop.by_host())
        });
    let (reporter_host, own_host) =
        reporter_host(&report, copy, own_mta.as_deref(), carrier, quoting);
    let reporter_ip = reporter_ip(path, own_mta.as_deref(), reporter_host.as_deref());
    let own_msgid = copy.headers.message_id.is_some();
    let msgid = copy
        .headers
        .message_id
        .as_deref()
        .or_else(|| carrier.and_then(|c| c.headers.message_id.as_deref()))
        .map(str::to_string);
    let service = report.jail.as_deref().map_or("other", service_of);
    let template = if fields.template {
        report::template(copy, report.kind)
    } else {
        None
    };
    let message_ts_text = message_ts.map(format_rfc3339);
    let base = BanRecord {
        ts: None,
        ip: None,
        jail: report.jail.clone(),
        service,
        failures: None,
        reporter_host,
        reporter_ip: reporter_ip.map(net::ip_text),
        msgid,
        src: src.to_string(),
        event: None,
        template,
        own_msgid,
        own_ts,
        own_host,
    };
    let records = if is_notice {
        let event = if report.kind == Kind::Started {
            "start"
        } else {
            "stop"
        };
        vec![BanRecord {
            ts: message_ts_text,
            event: Some(event),
            ..base
        }]
    } else {
        // The fields all bans share are moved into the last record, cloned for the others.
        let last = report.bans.len() - 1;
        let mut base = Some(base);
        report
            .bans
            .iter()
            .enumerate()
            .filter_map(|(i, ban)| {
                let shared = if i == last { base.take() } else { base.clone() }?;
                let line_ts = ban.when.and_then(|w| w.to_utc_near(hint, message_ts));
                let ts = match line_ts {
                    Some(t) => Some(format_rfc3339(t)),
                    None => message_ts_text.clone(),
                };
                Some(BanRecord {
                    ts,
                    own_ts: own_ts || line_ts.is_some(),
                    ip: Some(net::ip_text(ban.ip)),
                    failures: ban.failures,
                    event: fields.events.then_some("ban"),
                    ..shared
                })
            })
            .collect()
    };
    let delayed =
        carrier.is_some_and(is_delay_warning) || (carrier.is_none() && is_delay_warning(copy));
    Outcome::Records { records, delayed }
}

/// The Fail2Ban messages of a message, each with the path to it: in each
/// branch of copies the deepest layer that is one, in order; the message
/// itself when no copy is.
fn find_reports<'l, 'a>(root: &'l Layer<'a>) -> Vec<(Vec<&'l Layer<'a>>, Report)> {
    let mut found = Vec::new();
    for copy in &root.copies {
        for (mut path, report) in find_reports(copy) {
            path.insert(0, root);
            found.push((path, report));
        }
    }
    if found.is_empty() {
        found.extend(report::recognize(root).map(|r| (vec![root], r)));
    }
    found
}

/// `ts` of the message: the report's `Date:`; else its earliest `Received:`
/// date; else the `Date:` of the nearest enclosing bounce; else the envelope.
/// The flag tells whether the time came from the report itself.
fn report_time(path: &[&Layer], envelope: Option<Unix>) -> (Option<Unix>, bool) {
    let copy = path[path.len() - 1];
    let own = copy.headers.date.map(|d| d.to_utc_lenient()).or_else(|| {
        copy.headers
            .received
            .iter()
            .filter_map(|r| received::date(r).map(|d| d.to_utc_lenient()))
            .min()
    });
    if own.is_some() {
        return (own, true);
    }
    let outer = path
        .iter()
        .rev()
        .skip(1)
        .find_map(|l| l.headers.date.map(|d| d.to_utc_lenient()));
    (outer.or(envelope), false)
}

/// The server that ran Fail2Ban: the subject's `from HOST`; the copy's
/// innermost `Received: by HOST`; the copy's Message-Id domain (neither when
/// the copy is a bounce `quoting` the report's subject in its own); only
/// then what the bounce says of itself (Reporting-MTA, banner, MAILER-DAEMON
/// address), since a relay may have written the bounce. A server that calls itself
/// `localhost.localdomain` is reported as such: that is what it said.
fn reporter_host(
    report: &Report,
    copy: &Layer,
    own_mta: Option<&str>,
    carrier: Option<&Layer>,
    quoting: bool,
) -> (Option<String>, bool) {
    let bounce = carrier.unwrap_or(copy);
    let forward = is_forward(bounce);
    // In order of trust; each source is looked at only when those before it
    // say nothing. The first three are the report's own.
    let sources: [&dyn Fn() -> Option<String>; 7] = [
        &|| report.host.clone(),
        &|| own_mta.map(str::to_string),
        &|| {
            let id = copy.headers.message_id.as_deref().filter(|_| !quoting);
            id.and_then(id_domain)
        },
        &|| bounce.dsn.as_ref().and_then(|d| d.reporting_mta.clone()),
        &|| banner_host(bounce),
        // A person's forward (`Fwd: Undeliverable: …`) names the forwarder,
        // not the server, by its sender and its own hops.
        &|| {
            let own = report::is_report(bounce) || forward;
            (!own)
                .then(|| bounce.headers.from.as_deref().and_then(address_domain))
                .flatten()
        },
        &|| {
            (!forward)
                .then(|| bounce.headers.received.last())
                .flatten()
                .and_then(|r| Hop::new(r).by_host())
        },
    ];
    sources
        .iter()
        .enumerate()
        .find_map(|(i, source)| Some((source()?, i < 3)))
        .map_or((None, false), |(host, own)| (Some(host), own))
}

/// The server's public address: the `from` address of the `Received:` header
/// written by the first machine outside the server. Headers are walked from
/// the oldest (the copy's innermost) outwards; loopback and reserved addresses
/// (the server talking to itself, sanitised samples) and mailbox fetches are
/// passed over. The first public address is the answer — unless a machine
/// other than the server first saw it at a private (LAN) address: then its
/// public address is unknown, and a later hop's address would be the relay's.
/// Of each header only what decides this is read.
fn reporter_ip(
    path: &[&Layer],
    own_mta: Option<&str>,
    reporter_host: Option<&str>,
) -> Option<IpAddr> {
    // The names the server goes by: the reporter host and its own MTA's
    // name; a machine named within the reporter's domain (an Exchange
    // gateway `smtp.acme.example.com` of `acme.example.com`) is on its side.
    let names = || [reporter_host, own_mta].into_iter().flatten();
    let is_server = |by: Option<&str>| {
        by.is_some_and(|by| names().any(|name| same_host(by, name) || within(by, name)))
    };
    // A hop from the server under the very name it goes by, to a machine
    // whose name only starts like it: two machines (`from mail (… [10.0.0.5])
    // by mail.hoster.example.net`), though an unqualified name and a
    // qualified one otherwise count as one.
    let exactly = |name: &str| names().any(|n| n.eq_ignore_ascii_case(name));
    let received_by_server = |hop: &Hop| {
        let by = hop.by_host();
        is_server(by.as_deref())
            && !(by.as_deref().is_some_and(|b| !exactly(b))
                && hop.from_name().is_some_and(|f| exactly(&f)))
    };
    let mut hops = path
        .iter()
        .rev()
        .filter(|l| !is_forward(l))
        .flat_map(|l| l.headers.received.iter().rev())
        .map(|r| Hop::new(r));
    hops.find_map(|hop| {
        let ip = hop.from_ip()?;
        let answer = match net::scope(ip) {
            net::Scope::Public => Some(ip),
            net::Scope::Private if !received_by_server(&hop) => None,
            net::Scope::Private | net::Scope::Reserved => return None,
        };
        // A mailbox fetch is passed over like the server's own hops.
        (!hop.fetch()).then_some(answer)
    })
    .flatten()
}

/// True when host `by` is named within domain `name` (`smtp.acme.example.com`
/// within `acme.example.com`).
fn within(by: &str, name: &str) -> bool {
    name.contains('.')
        && by.len() > name.len() + 1
        && by.as_bytes()[by.len() - name.len() - 1] == b'.'
        && by[by.len() - name.len()..].eq_ignore_ascii_case(name)
}

/// Two names of one machine: equal, or one is the other's unqualified form
/// (`voyager` and `voyager.example.de`).
fn same_host(a: &str, b: &str) -> bool {
    let first = |h: &str| h.split('.').next().unwrap_or(h).to_ascii_lowercase();
    a.eq_ignore_ascii_case(b) || ((!a.contains('.') || !b.contains('.')) && first(a) == first(b))
}

/// The domain of a Message-Id such as `<2011...@web1.example.org>`.
fn id_domain(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<');
    let id = id.split('>').next()?;
    net::host_name(id.rsplit_once('@')?.1)
}

/// The domain of the address in a `From:` header.
fn address_domain(from: &str) -> Option<String> {
    let addr = match (from.find('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from.split_whitespace().find(|w| w.contains('@'))?,
    };
    net::host_name(addr.rsplit_once('@')?.1)
}

/// The host an MTA names in its banner text.
fn banner_host(bounce: &Layer) -> Option<String> {
    const BANNERS: &[&str] = &[
        "this is the mail system at host ",
        "this is the qmail-send program at ",
        "delivery status notification from ",
        "this is the mail delivery agent at ",
        "on the queue on ",
        "mail transport agent at ",
    ];
    for text in &bounce.texts {
        for banner in BANNERS {
            if let Some(i) = find_ascii_ci(text, banner) {
                let rest = &text[i + banner.len()..];
                let word = rest.split_whitespace().next()?;
                let word = word.trim_end_matches(['.', ',', ':']);
                if let Some(host) = net::host_name(word) {
                    return Some(host);
                }
            }
        }
    }
    None
}

/// True when the message's subject has the `[Fail2Ban]` tag after
/// something else (`Re: `, `Undeliverable: `, `Out of Office AutoReply: `):
/// a message about a report rather than the report.
fn subject_quotes_a_report(layer: &Layer) -> bool {
    report::before_tag(layer.headers.subject.as_deref()).is_some_and(|b| !b.trim().is_empty())
}

/// True when the message is a reply, an auto-reply or a forward of a
/// report (its subject quotes the report's after `Re:`, `AW:`, `Out of
/// Office`, `Abwesenheitsnotiz:`, `Automatic reply:`, `Fwd:` …) and nothing
/// says it is a bounce (no DSN, not from a mailer daemon).
fn is_reply(root: &Layer) -> bool {
    const MARKS: [&str; 29] = [
        "re:",
        "aw:",
        "antw:",
        "sv:",
        "vs:",
        "odp:",
        "r:",
        "rif:",
        "ref:",
        "res:",
        "auto",
        "out of office",
        "abwesen",
        "vacation",
        "réponse automatique",
        "respuesta automática",
        "risposta automatica",
        "resposta automática",
        "ответ:",
        "отв:",
        "автоответ",
        "автоматический ответ",
        "回复",
        "自动回复",
        "自動応答",
        "odpowiedź automatyczna",
        "doorst:",
        "ynt:",
        "답장",
    ];
    let Some(before) = report::before_tag(root.headers.subject.as_deref()) else {
        return false;
    };
    let before = before.trim_start().to_lowercase();
    if root.dsn.is_some() || from_a_mailer(root) {
        return false;
    }
    if MARKS.iter().any(|m| before.starts_with(m)) {
        return true;
    }
    // A forward of the report is about it; "FW: Undeliverable: [Fail2Ban] …"
    // forwards a bounce, which tells of the server as the bounce itself does.
    forward_marked(&before)
        && !(FAILURE_SUBJECTS.iter().any(|w| before.contains(w))
            || LOCAL_BOUNCE_SUBJECTS.any(&before))
}

/// True when `subject` starts with a forward's mark (ASCII case ignored).
fn forward_marked(subject: &str) -> bool {
    FORWARD_MARKS.iter().any(|m| {
        subject
            .as_bytes()
            .get(..m.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(m.as_bytes()))
    })
}

/// How a person's forward's subject starts, in the languages of mail programs.
const FORWARD_MARKS: [&str; 15] = [
    "fw:", "fwd:", "[fwd:", "wg:", "tr:", "enc:", "i:", "vl:", "pd:", "rv:", "转发", "轉寄",
    "転送", "전달", "fw：",
];

/// True when a layer is a person's forward (`Fwd:`, `FW:`, `WG:`,
/// `[Fwd: …]`, `转发:` … and no DSN, not from a mail system): its own
/// `Received:` lines are the forwarder's path, not the server's.
fn is_forward(layer: &Layer) -> bool {
    // Asked for every layer of every record: no lower-cased copy (the marks'
    // letters are ASCII; the others compare as they are).
    let subject = layer.headers.subject.as_deref().map(str::trim_start);
    subject.is_some_and(forward_marked) && layer.dsn.is_none() && !from_a_mailer(layer)
}

/// True when the message's sender is a mail system (MAILER-DAEMON,
/// postmaster, "Mail Delivery System").
fn from_a_mailer(root: &Layer) -> bool {
    let from = lower(root.headers.from.as_deref());
    [
        "mailer-daemon",
        "postmaster",
        "mail delivery",
        "mail-daemon",
    ]
    .iter()
    .any(|w| from.contains(w))
}

/// A header's value in lower case (`""` when absent): Unicode's when it
/// is not ASCII (`Не доставлено`, `Échec`).
fn lower(value: Option<&str>) -> String {
    let value = value.unwrap_or("");
    if value.is_ascii() {
        value.to_ascii_lowercase()
    } else {
        value.to_lowercase()
    }
}

/// Words of English subjects of non-delivery reports (ASCII lower case).
const FAILURE_SUBJECTS: [&str; 7] = [
    "undeliver",
    "returned mail",
    "delivery status",
    "failure notice",
    "delivery fail",
    "nondeliverable",
    "returned to sender",
];

/// Signs that a message is a bounce (of anything).
fn is_bounce(root: &Layer) -> bool {
    let subject = lower(root.headers.subject.as_deref());
    root.dsn.is_some()
        || !root.copies.is_empty()
        || from_a_mailer(root)
        || FAILURE_SUBJECTS
            .iter()
            .chain(&[
                "not be delivered",
                "delivery problem",
                "mail delivery",
                "delayed",
                "could not send",
            ])
            .any(|w| subject.contains(w))
        || LOCAL_BOUNCE_SUBJECTS.any(&subject)
        || LOCAL_DELAY_SUBJECTS.any(&subject)
}

phrases!(
    LOCAL_BOUNCE_SUBJECTS,
    [
        // Other languages' subjects of non-delivery reports (those of delay
        // warnings are [`LOCAL_DELAY_SUBJECTS`]).
        "unzustellbar",
        "nicht zugestellt",
        "zustellfehler",
        "non remis",
        "non distribu",
        "échec de la distribution",
        "no se puede entregar",
        "no entregado",
        "não entregue",
        "impossibile recapitare",
        "non consegnat",
        "onbestelbaar",
        "niet bezorgd",
        "niedostarczaln",
        "недоставля",
        "не доставлен",
        "nedoručiteln",
        "退信",
        "未送达",
        "無法傳遞",
        "配信不能",
        "반송",
    ]
);

phrases!(
    DELAY_TEXT,
    [
        "has not yet been delivered",
        "only a notification about a delay",
        "will continue trying",
        "will be retried",
        "still being retried",
    ]
);

phrases!(
    LOCAL_DELAY_TEXT,
    [
        // [`DELAY_TEXT`] in the translated templates of Exim, MDaemon,
        // Exchange...: "not yet delivered", which no final failure says
        // (not "will try again", which one may deny).
        "noch nicht zugestellt",
        "zustellversuche werden noch",
        "n'a pas encore été",
        "pas encore reçu",
        "tentatives de distribution continueront",
        "non è stato ancora",
        "non è ancora stato",
        "aún no se ha entregado",
        "todavía no se ha entregado",
        "ainda não foi entregue",
        "nog niet afgeleverd",
        "nog niet bezorgd",
        "nie została jeszcze dostarczona",
        "еще не доставлено",
        "ещё не доставлено",
        "尚未投递",
        "まだ配信されていません",
    ]
);

/// At most the first `n` bytes of `text`, cut at a character boundary.
fn prefix(text: &str, n: usize) -> &str {
    let mut end = n.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A delay warning rather than a final failure.
fn is_delay_warning(bounce: &Layer) -> bool {
    if let Some(dsn) = &bounce.dsn {
        if dsn.delayed || dsn.failed {
            return dsn.delayed && !dsn.failed;
        }
    }
    let subject = lower(bounce.headers.subject.as_deref());
    if [
        "delayed",
        "delay",
        "warning: could not send",
        "still being retried",
        "not yet been delivered",
    ]
    .iter()
    .any(|w| subject.contains(w))
    {
        return true;
    }
    // A subject in English says the MTA's words are too: the words and
    // phrases of other languages are not looked for (they cost a third of
    // this test).
    let english = FAILURE_SUBJECTS
        .iter()
        .chain(&["returning message"])
        .any(|w| subject.contains(w));
    if !english && LOCAL_DELAY_SUBJECTS.any(&subject) {
        return true;
    }
    // The MTA's own words come first; the copy after them need not be read.
    bounce.texts.iter().any(|t| {
        let head = prefix(t, 4096);
        DELAY_TEXT.any(head) || (!english && LOCAL_DELAY_TEXT.any(head))
    })
}

phrases!(
    LOCAL_DELAY_SUBJECTS,
    [
        "verzögert",
        "verzoegert",
        "vorübergehend",
        "retard",
        "ritardat",
        "retrasad",
        "atrasad",
        "vertraagd",
        "opóźni",
        "задерж",
        "延迟",
        "遅延",
        "지연",
    ]
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A bounce without a DSN or copy, with this subject and text.
    fn bounce<'a>(subject: &str, text: &'a str) -> Layer<'a> {
        Layer {
            headers: crate::bounce::Headers {
                subject: Some(subject.to_string().into()),
                ..Default::default()
            },
            texts: vec![std::borrow::Cow::Borrowed(text)],
            has_body: true,
            ..Layer::default()
        }
    }

    #[test]
    fn bounces_and_delays_are_told_in_other_languages_in_any_case() {
        for subject in [
            "Не доставлено: [Fail2Ban] ssh: banned 192.0.2.1",
            "не доставлено: [Fail2Ban] ssh: banned 192.0.2.1",
            "Unzustellbar: [Fail2Ban] ssh: banned 192.0.2.1",
            "ÉCHEC DE LA DISTRIBUTION : [Fail2Ban] ssh: banned 192.0.2.1",
        ] {
            assert!(is_bounce(&bounce(subject, "")), "{subject}");
        }
        assert!(!is_bounce(&bounce("[Fail2Ban] ssh: banned 192.0.2.1", "")));
        assert!(is_delay_warning(&bounce("Задержка доставки", "")));
        assert!(is_delay_warning(&bounce(
            "Avviso",
            "Il messaggio non è stato ancora recapitato."
        )));
        // A final failure that says no more attempts will be made.
        assert!(!is_delay_warning(&bounce(
            "Messaggio non consegnato",
            "Non verranno effettuati altri tentativi. Der Server wird es nicht erneut versuchen."
        )));
        // An English bounce's subject: its text is not searched for other
        // languages' phrases.
        assert!(!is_delay_warning(&bounce(
            "Undelivered Mail Returned to Sender",
            "quoted: il messaggio non è stato ancora recapitato"
        )));
    }

    #[test]
    fn hosts_within_a_domain_are_on_its_side() {
        assert!(within("smtp.acme.example.com", "acme.example.com"));
        assert!(within("SMTP.Acme.Example.com", "acme.example.COM"));
        assert!(!within("smtpacme.example.com", "acme.example.com"));
        assert!(!within("acme.example.com", "acme.example.com"));
        assert!(!within("smtp.example.com", "acme.example.com"));
        assert!(
            !within("mail.voyager", "voyager"),
            "a bare name is no domain"
        );
        assert!(same_host("voyager", "voyager.example.de"));
    }

    fn record(text: &str) -> BanRecord {
        BanRecord {
            ts: Some(text.into()),
            ip: Some(text.into()),
            jail: Some(text.into()),
            service: "ssh",
            failures: Some(u32::MAX),
            reporter_host: Some(text.into()),
            reporter_ip: Some(text.into()),
            msgid: Some(text.into()),
            src: text.into(),
            event: Some("ban"),
            template: Some("sendmail-whois"),
            own_msgid: true,
            own_ts: false,
            own_host: true,
        }
    }

    fn same_as_serde_json(record: &BanRecord) {
        let mut ours = Vec::new();
        record.write_json(&mut ours);
        let theirs = serde_json::to_vec(record).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
    }

    /// The escaping itself is f2b-core's `push_json_str`, tested there
    /// against serde_json character by character; here, that the record
    /// writer uses it for its strings.
    #[test]
    fn json_strings_are_escaped_as_serde_json_escapes_them() {
        for text in ["plain", "q\"b\\s", "c\u{1}\n\t\u{7f}", "é\u{2028}😀", ""] {
            same_as_serde_json(&record(text));
        }
        same_as_serde_json(&record(&format!(
            "{}\"{}\u{1}",
            "a".repeat(17),
            "b".repeat(40)
        )));
    }

    #[test]
    fn absent_fields_are_null_or_left_out_as_serde_json_does() {
        let none = BanRecord {
            ts: None,
            ip: None,
            jail: None,
            service: "other",
            failures: None,
            reporter_host: None,
            reporter_ip: None,
            msgid: None,
            src: "a.mbox:0".into(),
            event: None,
            template: None,
            own_msgid: false,
            own_ts: false,
            own_host: false,
        };
        same_as_serde_json(&none);
        same_as_serde_json(&BanRecord {
            failures: Some(0),
            event: Some("start"),
            ..none
        });
    }

    proptest! {
        #[test]
        fn any_record_is_written_as_serde_json_writes_it(
            texts in proptest::collection::vec(proptest::option::of(any::<String>()), 6),
            src in any::<String>(),
            failures in proptest::option::of(any::<u32>()),
            event in proptest::option::of(Just("ban")),
            template in proptest::option::of(Just("mail")),
        ) {
            let record = BanRecord {
                ts: texts[0].clone(),
                ip: texts[1].clone(),
                jail: texts[2].clone(),
                service: "web",
                failures,
                reporter_host: texts[3].clone(),
                reporter_ip: texts[4].clone(),
                msgid: texts[5].clone(),
                src,
                event,
                template,
                own_msgid: false,
                own_ts: false,
                own_host: false,
            };
            let mut ours = Vec::new();
            record.write_json(&mut ours);
            prop_assert_eq!(ours, serde_json::to_vec(&record).unwrap());
        }
    }
}
