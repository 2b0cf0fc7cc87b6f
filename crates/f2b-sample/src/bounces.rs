//! The mail system's side: how a server's MTA stamps the report it is handed
//! ([`submit`]) and how an MTA writes the bounce that returns it
//! ([`write_bounce`]), in the shapes of FORMATS §3: RFC 3464 DSNs (Postfix,
//! Sendmail, Courier, Exchange), qmail's and Exim's plain-text bounces and old
//! Sendmail's "Unsent message follows".

use std::fmt::Write;
use std::net::IpAddr;

use crate::rng::Rng;
use crate::templates::{ReportText, DEST, SENDER};
use crate::time::{self, DateStyle, Ts, Zone, DAY, HOUR};

/// An MTA model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mta {
    /// Postfix: DSN with `message/rfc822` or `text/rfc822-headers`.
    Postfix,
    /// Exim 4: plain text, "------ This is a copy of the message ...".
    Exim,
    /// Sendmail 8: DSN.
    Sendmail,
    /// Old Sendmail (and look-alikes): plain text, "----- Unsent message follows -----".
    SendmailOld,
    /// qmail: "Hi. This is the qmail-send program", "--- Below this line ...".
    Qmail,
    /// Courier: DSN with its own notification text.
    Courier,
    /// Exchange 2003 (relays only): DSN "Delivery Status Notification".
    Exchange,
}

impl Mta {
    /// The name the manifest uses.
    pub fn name(self) -> &'static str {
        match self {
            Mta::Postfix => "postfix",
            Mta::Exim => "exim",
            Mta::Sendmail => "sendmail",
            Mta::SendmailOld => "sendmail-old",
            Mta::Qmail => "qmail",
            Mta::Courier => "courier",
            Mta::Exchange => "exchange",
        }
    }

    /// True when this MTA can return the copy in the given way.
    pub fn supports(self, mode: Mode) -> bool {
        match mode {
            Mode::Full => true,
            Mode::Headers => !matches!(self, Mta::Qmail | Mta::SendmailOld),
            Mode::Truncated { .. } => matches!(self, Mta::Exim | Mta::Qmail | Mta::SendmailOld),
            Mode::Subject => self == Mta::Exim,
        }
    }

    /// True when this MTA sends delay warnings (qmail and old Sendmail setups do not).
    pub fn warns(self) -> bool {
        !matches!(self, Mta::Qmail | Mta::SendmailOld)
    }

    /// How a delay warning returns the copy.
    pub fn warning_mode(self) -> Mode {
        if self == Mta::Exim {
            Mode::Subject
        } else {
            Mode::Headers
        }
    }

    /// When the first delay warning goes out after submission.
    pub fn warning_after(self) -> Ts {
        match self {
            Mta::Exim => 24 * HOUR,
            _ => 4 * HOUR,
        }
    }

    /// When the MTA gives up on a message it could not deliver.
    pub fn gives_up_after(self) -> Ts {
        match self {
            Mta::Exim => 4 * DAY,
            Mta::Qmail => 7 * DAY,
            Mta::Courier => 7 * DAY,
            Mta::Exchange => 2 * DAY,
            _ => 5 * DAY,
        }
    }
}

/// How the bounce returns the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The whole message.
    Full,
    /// The header block only (`text/rfc822-headers`, Exim's "message's headers").
    Headers,
    /// The headers and the first `keep` bytes of the body; `note` says the MTA
    /// says so (Exim) rather than cutting silently.
    Truncated {
        /// Body bytes kept.
        keep: usize,
        /// The configured limit the note names.
        limit: usize,
    },
    /// Only the subject and date, quoted in the text (Exim delay warnings).
    Subject,
}

impl Mode {
    /// The manifest's `copy` value.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Headers => "headers",
            Mode::Truncated { .. } => "truncated",
            Mode::Subject => "subject",
        }
    }
}

/// The machine that stamps a submitted report.
#[derive(Clone, Copy, Debug)]
pub struct Station<'a> {
    /// The MTA's host name.
    pub host: &'a str,
    /// Its zone.
    pub zone: Zone,
    /// Its model.
    pub mta: Mta,
    /// Version text for `Received:` (`4.72`, `8.14.4/8.14.4`); may be empty.
    pub version: &'a str,
}

/// A smarthost the server hands its mail to; it writes the bounce.
#[derive(Clone, Copy, Debug)]
pub struct RelayHop<'a> {
    /// The relay.
    pub station: Station<'a>,
    /// The server's HELO.
    pub client_helo: &'a str,
    /// The server's reverse DNS as the relay sees it, `None` for "unknown".
    pub client_rdns: Option<&'a str>,
    /// The server's address as the relay sees it (public, or private on a LAN).
    pub client_ip: IpAddr,
}

/// A message as an MTA holds it: the header block and the body.
#[derive(Clone, Debug, Default)]
pub struct Copy {
    /// Header lines, each ending in `\n` (folded lines included).
    pub head: String,
    /// The body bytes.
    pub body: Vec<u8>,
    /// Its Message-Id, when it has one.
    pub msgid: Option<String>,
    /// The subject.
    pub subject: String,
    /// The `Date:` as written (for Exim warnings), or empty.
    pub date: String,
    /// The MTA's queue id for it.
    pub queue_id: String,
}

impl Copy {
    /// Header block, blank line, body.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.head.len() + 1 + self.body.len());
        out.extend_from_slice(self.head.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out
    }
}

/// Choices the submission makes that change what the copy shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct SubmitOptions {
    /// Leave out the MTA-added `Date:` (the `Received:` still dates it).
    pub no_date: bool,
    /// Leave out `Message-Id:` (ignored for qmail, whose `Received:` does not
    /// name the host: its Message-ID is what does).
    pub no_msgid: bool,
    /// Content filter on the server (amavis): an extra local hop.
    pub amavis: bool,
    /// The bouncing MTA is Exim, which keeps `Return-path:` in its copy.
    pub return_path: bool,
    /// The server's private address (for its internal hops).
    pub lan_ip: Option<std::net::Ipv4Addr>,
}

const BASE60: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx";
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A Postfix queue id (10–11 upper-case hex digits).
pub fn postfix_qid(rng: &mut Rng) -> String {
    let digits = 10 + rng.below(2) as usize;
    (0..digits)
        .map(|_| b"0123456789ABCDEF"[rng.index(16)] as char)
        .collect()
}

/// A Sendmail 8 queue id: year, month, day, hour, minute, second in base 60,
/// two sequence characters and a process id (`p24LevoF007599`).
pub fn sendmail_qid(ts: Ts, zone: Zone, rng: &mut Rng) -> String {
    let c = zone.local(ts).civil;
    let b = |n: i64| BASE60[n.rem_euclid(60) as usize] as char;
    format!(
        "{}{}{}{}{}{}{}{}{:06}",
        b(c.year - 1900),
        b(i64::from(c.month) - 1),
        b(i64::from(c.day)),
        b(i64::from(c.hour)),
        b(i64::from(c.min)),
        b(i64::from(c.sec)),
        b(rng.below(60) as i64),
        b(rng.below(60) as i64),
        rng.range(1000, 99_999)
    )
}

/// An Exim message id: time, pid, fraction in base 62 (`1PuerT-0001Yi-lG`).
pub fn exim_id(ts: Ts, rng: &mut Rng) -> String {
    let b62 = |mut n: u64, width: usize| {
        let mut s = vec![b'0'; width];
        for i in (0..width).rev() {
            s[i] = BASE62[(n % 62) as usize];
            n /= 62;
        }
        String::from_utf8(s).unwrap_or_default()
    };
    format!(
        "{}-{}-{}",
        b62(ts.max(0) as u64, 6),
        b62(rng.range(100, 60_000) as u64, 6),
        b62(rng.below(3844), 2)
    )
}

fn hex(rng: &mut Rng, digits: usize) -> String {
    (0..digits)
        .map(|_| b"0123456789ABCDEF"[rng.index(16)] as char)
        .collect()
}

fn stamp(ts: Ts, zone: Zone) -> String {
    let c = zone.local(ts).civil;
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    )
}

/// The date style each MTA writes.
fn style(mta: Mta) -> DateStyle {
    match mta {
        Mta::Postfix => DateStyle::SpacePadded,
        Mta::Sendmail | Mta::SendmailOld => DateStyle::Unpadded,
        Mta::Exim => DateStyle::ZeroPadded,
        Mta::Courier | Mta::Exchange | Mta::Qmail => DateStyle::UnpaddedNoComment,
    }
}

/// A date as `station` writes it.
fn date_at(station: &Station<'_>, ts: Ts) -> String {
    if station.mta == Mta::Qmail {
        return time::qmail(ts);
    }
    time::rfc2822(&station.zone.local(ts), style(station.mta))
}

/// The relay's `Received:` for the server's connection.
fn relay_received(hop: &RelayHop<'_>, ts: Ts, rng: &mut Rng) -> String {
    let at = date_at(&hop.station, ts);
    let rdns = hop.client_rdns.unwrap_or("unknown");
    let ip = hop.client_ip;
    let host = hop.station.host;
    let helo = hop.client_helo;
    match hop.station.mta {
        Mta::Exim => format!(
            "Received: from {rdns} ([{ip}] helo={helo})\n\tby {host} with esmtp (Exim {})\n\t(envelope-from <{SENDER}>)\n\tid {}\n\tfor {DEST}; {at}\n",
            hop.station.version,
            exim_id(ts, rng)
        ),
        Mta::Exchange => format!(
            "Received: from {helo} ([{ip}]) by {host} with Microsoft SMTPSVC(6.0.3790.4675);\n\t {at}\n"
        ),
        Mta::Sendmail | Mta::SendmailOld => format!(
            "Received: from {helo} ({rdns} [{ip}])\n\tby {host} ({}) with ESMTP id {}\n\tfor <{DEST}>; {at}\n",
            hop.station.version,
            sendmail_qid(ts, hop.station.zone, rng)
        ),
        _ => format!(
            "Received: from {helo} ({rdns} [{ip}])\n\tby {host} (Postfix) with ESMTP id {}\n\tfor <{DEST}>; {at}\n",
            postfix_qid(rng)
        ),
    }
}

/// Stamps a report the way the server's MTA does when Fail2Ban submits it at
/// `ts`: `Received:` headers (a relay's on top), `Message-Id:`, and `Date:`
/// when the action wrote none.
pub fn submit(
    report: &ReportText,
    server: &Station<'_>,
    ts: Ts,
    relay: Option<&RelayHop<'_>>,
    opts: &SubmitOptions,
    rng: &mut Rng,
) -> Copy {
    let host = server.host;
    let opts = &SubmitOptions {
        no_msgid: opts.no_msgid && server.mta != Mta::Qmail,
        ..*opts
    };
    let mut head = String::with_capacity(1024);
    if opts.return_path {
        head.push_str("Return-path: <fail2ban@mail.com>\n");
    }
    if let Some(hop) = relay {
        head.push_str(&relay_received(hop, ts + rng.range(1, 3), rng));
    }
    let at = date_at(server, ts);
    let date_value = at.clone();
    let mut date_line = (!report.has_date && !opts.no_date).then(|| format!("Date: {at}\n"));
    // The `mail` command writes no From: the MTA adds one for the sender.
    let has_from = report.headers.iter().any(|(name, _)| *name == "From");
    let mut from_line = (!has_from).then(|| format!("From: root <{SENDER}>\n"));
    let lan = opts
        .lan_ip
        .map_or_else(|| "127.0.0.1".to_string(), |a| a.to_string());
    let (queue_id, msgid) = match server.mta {
        Mta::Postfix => {
            let qid = postfix_qid(rng);
            if opts.amavis {
                // The content filter hands the mail back over SMTP: on the
                // loopback, or from a filter box on the server's LAN.
                let client = if rng.chance(0.7) {
                    "localhost (localhost.localdomain [127.0.0.1])".to_string()
                } else {
                    format!("filter.localdomain (unknown [{lan}])")
                };
                let _ = write!(
                    head,
                    "Received: from {client}\n\tby {host} (Postfix) with ESMTP id {}\n\tfor <{DEST}>; {at}\nX-Virus-Scanned: amavisd-new at {host}\n",
                    postfix_qid(rng)
                );
            }
            let _ = write!(
                head,
                "Received: by {host} (Postfix, from userid 0)\n\tid {qid}; {at}\n"
            );
            let msgid = format!("<{}.{qid}@{host}>", stamp(ts, time::zone_named("UTC")));
            (qid, msgid)
        }
        Mta::Exim => {
            let id = exim_id(ts, rng);
            let _ = write!(
                head,
                "Received: from root by {host} with local (Exim {})\n\t(envelope-from <{SENDER}>)\n\tid {id}\n\tfor {DEST}; {at}\n",
                server.version
            );
            let msgid = format!("<E{id}@{host}>");
            (id, msgid)
        }
        Mta::Sendmail | Mta::SendmailOld => {
            let outer = sendmail_qid(ts, server.zone, rng);
            let inner = sendmail_qid(ts, server.zone, rng);
            let _ = write!(
                head,
                "Received: from {host} (localhost [127.0.0.1])\n\tby {host} ({v}) with ESMTP id {outer}\n\tfor <{DEST}>; {at}\nReceived: (from root@localhost)\n\tby {host} ({v}/Submit) id {inner}\n\tfor {DEST}; {at}\n",
                v = server.version
            );
            // Sendmail puts the headers it adds before the submitted ones.
            if let Some(line) = date_line.take() {
                head.push_str(&line);
            }
            if let Some(line) = from_line.take() {
                head.push_str(&line);
            }
            let msgid = format!("<{}.{inner}@{host}>", &stamp(ts, server.zone)[..12]);
            if !opts.no_msgid {
                let _ = writeln!(head, "Message-Id: {msgid}");
            }
            push_report_headers(&mut head, report);
            return Copy {
                head,
                body: report.body.clone(),
                msgid: (!opts.no_msgid).then_some(msgid),
                subject: report.subject.clone(),
                date: report_date(report).unwrap_or(date_value),
                queue_id: outer,
            };
        }
        Mta::Qmail => {
            let pid = rng.range(1000, 30_000);
            let _ = writeln!(head, "Received: (qmail {pid} invoked by uid 0); {at}");
            let msgid = format!(
                "<{}.{pid}.qmail@{host}>",
                stamp(ts, time::zone_named("UTC"))
            );
            (pid.to_string(), msgid)
        }
        Mta::Courier | Mta::Exchange => {
            let id = format!("{}.{}.{}", hex(rng, 8), hex(rng, 8), hex(rng, 8));
            let _ = write!(
                head,
                "Received: from localhost\n  by {host} with local; {at}\n  id {id}\n"
            );
            let msgid = format!("<courier.{}@{host}>", &id[9..]);
            (id, msgid)
        }
    };
    push_report_headers(&mut head, report);
    if !opts.no_msgid {
        let name = if matches!(server.mta, Mta::Qmail | Mta::Courier) {
            "Message-ID"
        } else {
            "Message-Id"
        };
        let _ = writeln!(head, "{name}: {msgid}");
    }
    if let Some(line) = date_line {
        head.push_str(&line);
    }
    if let Some(line) = from_line {
        head.push_str(&line);
    }
    Copy {
        head,
        body: report.body.clone(),
        msgid: (!opts.no_msgid).then_some(msgid),
        subject: report.subject.clone(),
        date: report_date(report).unwrap_or(date_value),
        queue_id,
    }
}

fn report_date(report: &ReportText) -> Option<String> {
    report
        .headers
        .iter()
        .find(|(name, _)| *name == "Date")
        .map(|(_, v)| v.clone())
}

fn push_report_headers(head: &mut String, report: &ReportText) {
    for (name, value) in &report.headers {
        let _ = writeln!(head, "{name}: {value}");
    }
}

/// Why delivery to mail.com failed.
#[derive(Clone, Debug)]
pub struct Reason {
    /// The remote MX.
    pub mx: String,
    /// Its address.
    pub mx_ip: String,
    /// The SMTP reply (`550 Requested action not taken: mailbox unavailable`).
    pub reply: String,
    /// The DSN status (`5.0.0`).
    pub status: &'static str,
}

const MXS: &[(&str, &str)] = &[
    ("mx00.mail.com", "74.208.5.4"),
    ("mx01.mail.com", "74.208.5.3"),
    ("mx00.mail.com", "74.208.5.21"),
];

const REPLIES: &[(&str, &str, f64)] = &[
    (
        "550 Requested action not taken: mailbox unavailable",
        "5.0.0",
        80.0,
    ),
    ("550 5.1.1 <you@mail.com>... User unknown", "5.1.1", 10.0),
    (
        "554 Mail from fail2ban@mail.com rejected for policy reasons.",
        "5.7.1",
        6.0,
    ),
    (
        "552 Requested mail action aborted: exceeded storage allocation",
        "5.2.2",
        4.0,
    ),
];

impl Reason {
    /// A permanent refusal, drawn from the replies mail.com gave.
    pub fn refusal(rng: &mut Rng) -> Reason {
        let (mx, mx_ip) = rng.pick(MXS);
        let total: f64 = REPLIES.iter().map(|r| r.2).sum();
        let mut x = rng.unit() * total;
        let mut pick = REPLIES[0];
        for r in REPLIES {
            if x < r.2 {
                pick = *r;
                break;
            }
            x -= r.2;
        }
        Reason {
            mx: mx.into(),
            mx_ip: mx_ip.into(),
            reply: pick.0.into(),
            status: pick.1,
        }
    }

    /// The mailbox does not exist on the server's own mail store (backscatter).
    pub fn unknown_user(rcpt: &str, mx: &str, mx_ip: &str) -> Reason {
        Reason {
            mx: mx.into(),
            mx_ip: mx_ip.into(),
            reply: format!("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table"),
            status: "5.1.1",
        }
    }

    /// A connection timeout (delay warnings, and the failure after them).
    pub fn timeout(rng: &mut Rng) -> Reason {
        let (mx, mx_ip) = rng.pick(MXS);
        Reason {
            mx: mx.into(),
            mx_ip: mx_ip.into(),
            reply: "Connection timed out".into(),
            status: "4.4.1",
        }
    }

    fn is_timeout(&self) -> bool {
        self.status == "4.4.1"
    }
}

/// Whether the bounce reports a failure or a delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused: the copy comes back at once.
    Failed,
    /// Still trying: a warning.
    Delayed,
    /// Given up after retrying.
    Expired,
}

/// Everything a bounce is written from.
#[derive(Clone, Debug)]
pub struct Bounce<'a> {
    /// The MTA that writes it.
    pub station: Station<'a>,
    /// When the MTA received the original.
    pub received: Ts,
    /// When it writes the bounce.
    pub created: Ts,
    /// Failure or delay.
    pub outcome: Outcome,
    /// The original.
    pub copy: &'a Copy,
    /// How much of it comes back.
    pub mode: Mode,
    /// Why.
    pub reason: Reason,
    /// The recipient that failed.
    pub rcpt: &'a str,
    /// The client that handed the original over (a relay's Received-From-MTA).
    pub client: Option<&'a str>,
}

/// What was written besides the bytes.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// The bounce's own Message-Id, when it has one.
    pub msgid: Option<String>,
}

fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = format!("{indent}{word}");
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    out.push_str(&line);
    out
}

/// Appends the returned original in the given mode (for inline shapes).
fn push_returned(out: &mut Vec<u8>, copy: &Copy, mode: Mode) {
    match mode {
        Mode::Full => {
            out.extend_from_slice(copy.head.as_bytes());
            out.push(b'\n');
            out.extend_from_slice(&copy.body);
        }
        Mode::Headers | Mode::Subject => out.extend_from_slice(copy.head.as_bytes()),
        Mode::Truncated { keep, .. } => {
            out.extend_from_slice(copy.head.as_bytes());
            out.push(b'\n');
            out.extend_from_slice(&copy.body[..keep.min(copy.body.len())]);
        }
    }
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
}

fn put(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
}

/// Writes the bounce (headers and body, without the collecting provider's
/// headers) and returns what the caller needs to know about it.
pub fn write_bounce(b: &Bounce<'_>, rng: &mut Rng, out: &mut Vec<u8>) -> Written {
    match b.station.mta {
        Mta::Postfix => postfix(b, rng, out),
        Mta::Exim => exim(b, rng, out),
        Mta::Sendmail => sendmail_dsn(b, rng, out),
        Mta::SendmailOld => sendmail_old(b, rng, out),
        Mta::Qmail => qmail(b, rng, out),
        Mta::Courier => courier(b, rng, out),
        Mta::Exchange => exchange(b, rng, out),
    }
}

/// The `message/delivery-status` part body.
fn delivery_status(b: &Bounce<'_>, extra_head: &str, diagnostic: &str, action: &str) -> String {
    let rcpt = b.rcpt;
    let st = &b.station;
    let mut s = format!(
        "Reporting-MTA: dns; {}\n{extra_head}Arrival-Date: {}\n\nFinal-Recipient: rfc822; {rcpt}\n",
        st.host,
        date_at(st, b.received)
    );
    if st.mta == Mta::Postfix {
        let _ = writeln!(s, "Original-Recipient: rfc822;{rcpt}");
    }
    let status = if b.outcome == Outcome::Delayed {
        "4.4.1"
    } else {
        b.reason.status
    };
    let _ = write!(
        s,
        "Action: {action}\nStatus: {status}\nRemote-MTA: dns; {}\nDiagnostic-Code: {diagnostic}\n",
        b.reason.mx
    );
    if b.outcome == Outcome::Delayed {
        let _ = writeln!(
            s,
            "Will-Retry-Until: {}",
            date_at(st, b.received + st.mta.gives_up_after())
        );
    }
    s
}

/// A DSN part carrying the original: `message/rfc822` or `text/rfc822-headers`.
fn dsn_original(out: &mut Vec<u8>, b: &Bounce<'_>, boundary: &str, description: bool) {
    let headers_only = matches!(b.mode, Mode::Headers | Mode::Subject);
    if description {
        put(
            out,
            if headers_only {
                "Content-Description: Undelivered Message Headers\n"
            } else {
                "Content-Description: Undelivered Message\n"
            },
        );
    }
    put(
        out,
        if headers_only {
            "Content-Type: text/rfc822-headers\n"
        } else {
            "Content-Type: message/rfc822\n"
        },
    );
    if description && !headers_only {
        put(out, "Content-Transfer-Encoding: 8bit\n");
    }
    out.push(b'\n');
    push_returned(out, b.copy, b.mode);
    let _ = write!(as_string(out), "\n--{boundary}--\n");
}

/// Lets `write!` append to a byte buffer.
fn as_string(out: &mut Vec<u8>) -> ByteWriter<'_> {
    ByteWriter(out)
}

struct ByteWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn postfix(b: &Bounce<'_>, rng: &mut Rng, out: &mut Vec<u8>) -> Written {
    let rcpt = b.rcpt;
    let st = &b.station;
    let host = st.host;
    let qid = postfix_qid(rng);
    let boundary = format!("{qid}.{}/{host}", b.created);
    let at = date_at(st, b.created);
    let delayed = b.outcome == Outcome::Delayed;
    let subject = if delayed {
        "Delayed Mail (still being retried)"
    } else {
        "Undelivered Mail Returned to Sender"
    };
    let msgid = format!(
        "<{}.{qid}@{host}>",
        stamp(b.created, time::zone_named("UTC"))
    );
    let mut w = as_string(out);
    let _ = write!(
        w,
        "Received: by {host} (Postfix)\n\tid {qid}; {at}\nDate: {at}\nFrom: MAILER-DAEMON@{host} (Mail Delivery System)\nSubject: {subject}\nTo: {SENDER}\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{boundary}\"\nContent-Transfer-Encoding: 8bit\nMessage-Id: {msgid}\n\nThis is a MIME-encapsulated message.\n\n--{boundary}\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\nThis is the mail system at host {host}.\n\n"
    );
    let problem = if b.reason.is_timeout() {
        format!(
            "<{rcpt}>: connect to {}[{}]:25: Connection timed out",
            b.reason.mx, b.reason.mx_ip
        )
    } else {
        format!(
            "<{rcpt}>: host {}[{}] said: {} (in reply to RCPT TO command)",
            b.reason.mx, b.reason.mx_ip, b.reason.reply
        )
    };
    if delayed {
        let _ = write!(
            w,
            "####################################################################\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n####################################################################\n\nYour message could not be delivered for more than 4 hour(s).\nIt will be retried until it is 5 day(s) old.\n\n"
        );
    } else {
        let _ = write!(
            w,
            "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\n"
        );
    }
    let _ = write!(
        w,
        "For further assistance, please send mail to postmaster.\n\nIf you do so, please include this problem report. You can\ndelete your own text from the attached returned message.\n\n                   The mail system\n\n{}\n\n--{boundary}\nContent-Description: {}\nContent-Type: message/delivery-status\n\n",
        wrap(&problem, 78, "    "),
        if delayed { "Delayed Mail Report" } else { "Delivery report" }
    );
    let diagnostic = if b.reason.is_timeout() {
        format!(
            "X-Postfix; connect to {}[{}]:25: Connection timed out",
            b.reason.mx, b.reason.mx_ip
        )
    } else {
        format!("smtp; {}", b.reason.reply)
    };
    let ds = delivery_status(
        b,
        &format!(
            "X-Postfix-Queue-ID: {}\nX-Postfix-Sender: rfc822; {SENDER}\n",
            b.copy.queue_id
        ),
        &diagnostic,
        if delayed { "delayed" } else { "failed" },
    );
    let _ = write!(w, "{ds}\n--{boundary}\n");
    dsn_original(out, b, &boundary, true);
    Written { msgid: Some(msgid) }
}

fn sendmail_transcript(b: &Bounce<'_>) -> String {
    let rcpt = b.rcpt;
    let mx = &b.reason.mx;
    match b.outcome {
        Outcome::Delayed => format!(
            "   ----- Transcript of session follows -----\n<{rcpt}>... Deferred: Connection timed out with {mx}.\nWarning: message still undelivered after 4 hours\nWill keep trying until message is 5 days old\n"
        ),
        Outcome::Expired => format!(
            "   ----- The following addresses had permanent fatal errors -----\n<{rcpt}>\n    (reason: Connection timed out)\n\n   ----- Transcript of session follows -----\n<{rcpt}>... Deferred: Connection timed out with {mx}.\nMessage could not be delivered for 5 days\nMessage will be deleted from queue\n"
        ),
        Outcome::Failed => format!(
            "   ----- The following addresses had permanent fatal errors -----\n<{rcpt}>\n    (reason: {reply})\n\n   ----- Transcript of session follows -----\n... while talking to {mx}.:\n>>> RCPT To:<{rcpt}>\n<<< {reply}\n550 5.1.1 <{rcpt}>... User unknown\n",
            reply = b.reason.reply
        ),
    }
}

/// Sendmail's bounce headers up to `To:`, and the bounce's Message-Id.
fn sendmail_head(b: &Bounce<'_>, qid: &str) -> (String, String) {
    let st = &b.station;
    let host = st.host;
    let at = date_at(st, b.created);
    let msgid = format!("<{}.{qid}@{host}>", &stamp(b.created, st.zone)[..12]);
    let head = format!(
        "Received: from localhost (localhost)\n\tby {host} ({}) id {qid};\n\t{at}\nDate: {at}\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@{host}>\nMessage-Id: {msgid}\nTo: <{SENDER}>\n",
        st.version
    );
    (head, msgid)
}

fn sendmail_dsn(b: &Bounce<'_>, rng: &mut Rng, out: &mut Vec<u8>) -> Written {
    let st = &b.station;
    let qid = sendmail_qid(b.created, st.zone, rng);
    let boundary = format!("{qid}.{}/{}", b.created, st.host);
    let delayed = b.outcome == Outcome::Delayed;
    let subject = if delayed {
        "Warning: could not send message for past 4 hours"
    } else {
        "Returned mail: see transcript for details"
    };
    let (head, msgid) = sendmail_head(b, &qid);
    let mut w = as_string(out);
    let _ = write!(
        w,
        "{head}MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{boundary}\"\nSubject: {subject}\nAuto-Submitted: auto-generated ({})\n\nThis is a MIME-encapsulated message\n\n--{boundary}\n\n",
        if delayed { "warning-timeout" } else { "failure" }
    );
    if delayed {
        let _ = write!(
            w,
            "    **********************************************\n    **      THIS IS A WARNING MESSAGE ONLY      **\n    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n    **********************************************\n\n"
        );
    }
    let _ = write!(
        w,
        "The original message was received at {}\nfrom localhost [127.0.0.1]\n\n{}\n--{boundary}\nContent-Type: message/delivery-status\n\n",
        date_at(st, b.received),
        sendmail_transcript(b)
    );
    let diagnostic = if b.reason.is_timeout() {
        "SMTP; 4.4.1 Connection timed out".to_string()
    } else {
        format!("SMTP; {}", b.reason.reply)
    };
    let ds = delivery_status(
        b,
        "Received-From-MTA: DNS; localhost\n",
        &diagnostic,
        if delayed { "delayed" } else { "failed" },
    );
    let _ = write!(
        w,
        "{ds}Last-Attempt-Date: {}\n\n--{boundary}\n",
        date_at(st, b.created)
    );
    dsn_original(out, b, &boundary, false);
    Written { msgid: Some(msgid) }
}

fn sendmail_old(b: &Bounce<'_>, rng: &mut Rng, out: &mut Vec<u8>) -> Written {
    let st = &b.station;
    let qid = sendmail_qid(b.created, st.zone, rng);
    let subject = if b.reason.reply.contains("User unknown") {
        "Returned mail: User unknown"
    } else {
        "Returned mail: see transcript for details"
    };
    let (head, msgid) = sendmail_head(b, &qid);
    let separator = if rng.chance(0.5) {
        "   ----- Unsent message follows -----"
    } else {
        "   ----- Original message follows -----"
    };
    let mut w = as_string(out);
    let _ = write!(
        w,
        "{head}Subject: {subject}\n\nThe original message was received at {}\nfrom localhost [127.0.0.1]\n\n{}\n{separator}\n",
        date_at(st, b.received),
        sendmail_transcript(b)
    );
    push_returned(out, b.copy, b.mode);
    Written { msgid: Some(msgid) }
}

fn exim(b: &Bounce<'_>, rng: &mut Rng, out: &mut Vec<u8>) -> Written {
    let rcpt = b.rcpt;
    let st = &b.station;
    let host = st.host;
    let id = exim_id(b.created, rng);
    let at = date_at(st, b.created);
    let msgid = format!("<E{id}@{host}>");
    let delayed = b.outcome == Outcome::Delayed;
    let mut w = as_string(out);
    let _ = write!(
        w,
        "Received: from Debian-exim by {host} with local (Exim {})\n\tid {id}\n\tfor {SENDER}; {at}\n",
        st.version
    );
    if delayed {
        let _ = write!(
            w,
            "Auto-Submitted: auto-replied\nFrom: Mail Delivery System <Mailer-Daemon@{host}>\nTo: {SENDER}\nSubject: Warning: message {} delayed 24 hours\nMessage-Id: {msgid}\nDate: {at}\n\nThis message was created automatically by mail delivery software.\n\nA message that you sent has not yet been delivered to one or more of its\nrecipients after more than 24 hours on the queue on {host}.\n\nThe message identifier is:     {}\nThe subject of the message is: {}\nThe date of the message is:    {}\n\nThe address to which the message has not yet been delivered is:\n\n  {rcpt}\n    Delay reason: SMTP error from remote mail server after RCPT TO:<{rcpt}>:\n    host {} [{}]: 451 Requested action aborted: local error in processing\n\nNo action is required on your part. Delivery attempts will continue for\nsome time, and this warning may be repeated at intervals if the message\nremains undelivered. Eventually the mail delivery software will give up,\nand when that happens, the message will be returned to you.\n",
            b.copy.queue_id,
            b.copy.queue_id,
            b.copy.subject,
            b.copy.date,
            b.reason.mx,
            b.reason.mx_ip
        );
        return Written { msgid: Some(msgid) };
    }
    let why = if b.outcome == Outcome::Expired {
        "    retry timeout exceeded".to_string()
    } else {
        format!(
            "    SMTP error from remote mail server after RCPT TO:<{rcpt}>:\n    host {} [{}]: {}",
            b.reason.mx, b.reason.mx_ip, b.reason.reply
        )
    };
    let _ = write!(
        w,
        "X-Failed-Recipients: {rcpt}\nAuto-Submitted: auto-replied\nFrom: Mail Delivery System <Mailer-Daemon@{host}>\nTo: {SENDER}\nSubject: Mail delivery failed: returning message to sender\nMessage-Id: {msgid}\nDate: {at}\n\nThis message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  {rcpt}\n{why}\n\n"
    );
    match b.mode {
        Mode::Headers | Mode::Subject => {
            let _ = write!(
                w,
                "------ This is a copy of the message's headers. ------\n\n"
            );
        }
        Mode::Truncated { limit, .. } => {
            let _ = write!(
                w,
                "------ This is a copy of the message, including all the headers.\n------ The body of the message is {} characters long; only the first\n------ {limit} or so are included here.\n\n",
                b.copy.body.len()
            );
        }
        Mode::Full => {
            let _ = write!(
                w,
                "------ This is a copy of the message, including all the headers. ------\n\n"
            );
        }
    }
    push_returned(out, b.copy, b.mode);
    Written { msgid: Some(msgid) }
}

fn qmail(b: &Bounce<'_>, rng: &mut Rng, out: &mut Vec<u8>) -> Written {
    let rcpt = b.rcpt;
    let st = &b.station;
    let host = st.host;
    let at = time::qmail(b.created);
    let mut w = as_string(out);
    let _ = write!(
        w,
        "Received: (qmail {} invoked for bounce); {at}\nDate: {at}\nFrom: MAILER-DAEMON@{host}\nTo: {SENDER}\nSubject: failure notice\n\nHi. This is the qmail-send program at {host}.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<{rcpt}>:\n",
        rng.range(1000, 30_000)
    );
    if b.outcome == Outcome::Expired {
        let _ = writeln!(
            w,
            "I'm not going to try again; this message has been in the queue too long."
        );
    } else {
        let _ = write!(
            w,
            "{ip} does not like recipient.\nRemote host said: {}\nGiving up on {ip}.\n",
            b.reason.reply,
            ip = b.reason.mx_ip
        );
    }
    let _ = write!(w, "\n--- Below this line is a copy of the message.\n\n");
    push_returned(out, b.copy, b.mode);
    Written { msgid: None }
}

fn courier(b: &Bounce<'_>, rng: &mut Rng, out: &mut Vec<u8>) -> Written {
    let rcpt = b.rcpt;
    let st = &b.station;
    let host = st.host;
    let at = date_at(st, b.created);
    let id = format!("{}.{}", hex(rng, 8), hex(rng, 8));
    let msgid = format!("<courier.{id}@{host}>");
    let delayed = b.outcome == Outcome::Delayed;
    let boundary = "=_courier_0";
    let mut w = as_string(out);
    let _ = write!(
        w,
        "Received: from localhost (localhost [127.0.0.1])\n  (ftp://ftp.isi.edu/in-notes/rfc1894.txt)\n  by {host} with dsn; {at}\n  id 00{}.{id}\nFrom: Courier mail server at {host} <@>\nTo: {SENDER}\nSubject: {}\nMime-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n    boundary=\"{boundary}\"\nContent-Transfer-Encoding: 7bit\nMessage-ID: {msgid}\nDate: {at}\n\nThis is a MIME-formatted message.  If you see this text it means that your\nE-mail software does not support MIME-formatted messages.\n\n--{boundary}\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n\nThis is a delivery status notification from {host},\nrunning the Courier mail server, version {}.\n\nThe original message was received on {}\nfrom localhost (localhost [127.0.0.1])\n\n---------------------------------------------------------------------------\n\n",
        hex(rng, 6),
        if delayed {
            "WARNING: delayed mail."
        } else {
            "NOTICE: mail delivery status."
        },
        if st.version.is_empty() { "0.63.0" } else { st.version },
        date_at(st, b.received)
    );
    if delayed {
        let _ = write!(
            w,
            "                        DELAYED DELIVERY NOTICE\n\nYour message to the following recipients has been delayed.  Delivery\nattempts are continuing, but you may want to verify that the recipient\naddress is correct.\n\n<{rcpt}>:\n    {}:\n    Connection timed out\n\n",
            b.reason.mx
        );
    } else {
        let _ = write!(
            w,
            "                           UNDELIVERABLE MAIL\n\nYour message to the following recipients cannot be delivered:\n\n<{rcpt}>:\n    {} [{}]:\n>>> RCPT TO:<{rcpt}>\n<<< {}\n\n",
            b.reason.mx, b.reason.mx_ip, b.reason.reply
        );
    }
    let _ = write!(
        w,
        "---------------------------------------------------------------------------\n\nIf your message was also sent to additional recipients, their delivery\nstatus is not included in this report.  You may or may not receive\nother delivery status notifications for additional recipients.\n\nThe original message follows as a separate attachment.\n\n\n--{boundary}\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: 7bit\n\n"
    );
    let ds = delivery_status(
        b,
        "Received-From-MTA: dns; localhost (localhost [127.0.0.1])\n",
        &format!("smtp; {}", b.reason.reply),
        if delayed { "delayed" } else { "failed" },
    );
    let _ = write!(w, "{ds}\n--{boundary}\n");
    put(out, "Content-Transfer-Encoding: 7bit\n");
    dsn_original(out, b, boundary, false);
    Written { msgid: Some(msgid) }
}

fn exchange(b: &Bounce<'_>, rng: &mut Rng, out: &mut Vec<u8>) -> Written {
    let rcpt = b.rcpt;
    let st = &b.station;
    let host = st.host;
    let at = date_at(st, b.created);
    let boundary = format!(
        "9B095B5ADSN=_01CB{}{}",
        hex(rng, 12),
        host.split('.').next().unwrap_or(host).to_ascii_uppercase()
    );
    let msgid = format!(
        "<{}{}@{host}>",
        hex(rng, 8).to_ascii_lowercase(),
        hex(rng, 8)
    );
    let delayed = b.outcome == Outcome::Delayed;
    let domain = host.split_once('.').map_or(host, |(_, d)| d);
    let mut w = as_string(out);
    let _ = write!(
        w,
        "From: postmaster@{domain}\nTo: {SENDER}\nDate: {at}\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{boundary}\"\nX-DSNContext: 335140d0 - 4520 - 00000001 - 00000000\nMessage-ID: {msgid}\nSubject: Delivery Status Notification ({})\n\nThis is a MIME-formatted message.  \nPortions of this message may be unreadable without a MIME-capable mail program.\n\n--{boundary}\nContent-Type: text/plain; charset=unicode-1-1-utf-7\n\nThis is an automatically generated Delivery Status Notification.\n\n{}\n\n       {rcpt}\n\n\n\n\n--{boundary}\nContent-Type: message/delivery-status\n\n",
        if delayed { "Delay" } else { "Failure" },
        if delayed {
            "Delivery to the following recipients has been delayed."
        } else {
            "Delivery to the following recipients failed."
        }
    );
    let ds = delivery_status(
        b,
        &format!("Received-From-MTA: dns;{}\n", b.client.unwrap_or(host)),
        &format!("smtp;{}", b.reason.reply),
        if delayed { "delayed" } else { "failed" },
    );
    let _ = write!(w, "{ds}\n--{boundary}\n");
    dsn_original(out, b, &boundary, false);
    Written { msgid: Some(msgid) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::{self, Action, Era, Event, Extras, Sender, Template};

    fn copy_of(mta: Mta, relay: Option<&RelayHop<'_>>) -> (Copy, Station<'static>) {
        let station = Station {
            host: "web1.example.org",
            zone: time::zone_named("Europe/Berlin"),
            mta,
            version: "4.72",
        };
        let t = Template {
            era: Era::V08,
            action: Action::Sendmail,
            version: "0.8.3",
        };
        let ts = time::timestamp(2011, 7, 4, 10, 34, 56);
        let ban = templates::Ban {
            ts,
            ip: "203.0.113.7".parse().unwrap(),
            shown: "203.0.113.7".into(),
            failures: 6,
            attacker: 0,
        };
        let sender = Sender {
            uname: "web1",
            fqdn: "web1.example.org",
            zone: station.zone,
        };
        let text = templates::render(&t, "SSH", &Event::Ban(ban), ts, &sender, &Extras::default());
        let mut rng = Rng::new(1);
        let copy = submit(
            &text,
            &station,
            ts,
            relay,
            &SubmitOptions::default(),
            &mut rng,
        );
        (copy, station)
    }

    fn bounce_text(mta: Mta, outcome: Outcome, mode: Mode) -> String {
        let (copy, mut station) = copy_of(Mta::Postfix, None);
        station.mta = mta;
        let mut rng = Rng::new(2);
        let b = Bounce {
            station,
            received: time::timestamp(2011, 7, 4, 10, 34, 56),
            created: time::timestamp(2011, 7, 4, 10, 35, 10),
            outcome,
            copy: &copy,
            mode,
            reason: Reason::refusal(&mut rng),
            rcpt: DEST,
            client: None,
        };
        let mut out = Vec::new();
        write_bounce(&b, &mut rng, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn postfix_stamps_received_message_id_and_date() {
        let (copy, _) = copy_of(Mta::Postfix, None);
        assert!(copy
            .head
            .starts_with("Received: by web1.example.org (Postfix, from userid 0)\n\tid "));
        assert!(copy.head.contains("; Mon,  4 Jul 2011 12:34:56 +0200 (CEST)\nSubject: [Fail2Ban] SSH: banned 203.0.113.7\n"));
        let msgid = copy.msgid.clone().unwrap();
        assert!(msgid.starts_with("<20110704103456.") && msgid.ends_with("@web1.example.org>"));
        assert!(copy
            .head
            .ends_with("Date: Mon,  4 Jul 2011 12:34:56 +0200 (CEST)\n"));
    }

    #[test]
    fn mta_adds_a_from_header_to_mail_command_reports() {
        let text = templates::ReportText {
            headers: vec![
                ("To", DEST.to_string()),
                ("Subject", "[Fail2Ban] SSH: banned 203.0.113.7".to_string()),
            ],
            body: b"Hi,\n".to_vec(),
            subject: "[Fail2Ban] SSH: banned 203.0.113.7".into(),
            ..templates::ReportText::default()
        };
        for mta in [
            Mta::Postfix,
            Mta::Sendmail,
            Mta::Exim,
            Mta::Qmail,
            Mta::Courier,
        ] {
            let station = Station {
                host: "web1.example.org",
                zone: time::zone_named("UTC"),
                mta,
                version: "",
            };
            let mut rng = Rng::new(4);
            let copy = submit(
                &text,
                &station,
                1_300_000_000,
                None,
                &SubmitOptions::default(),
                &mut rng,
            );
            assert!(
                copy.head.contains("From: root <fail2ban@mail.com>\n"),
                "{mta:?}"
            );
            assert!(copy.head.contains("Date: "), "{mta:?}");
        }
    }

    #[test]
    fn relay_header_names_the_server_address_inside_the_copy() {
        let relay = RelayHop {
            station: Station {
                host: "smtp.isp.example.net",
                zone: time::zone_named("UTC"),
                mta: Mta::Postfix,
                version: "",
            },
            client_helo: "web1.example.org",
            client_rdns: Some("static.2.100.51.198.example.net"),
            client_ip: "198.51.100.2".parse().unwrap(),
        };
        let (copy, _) = copy_of(Mta::Exim, Some(&relay));
        assert!(copy.head.starts_with(
            "Received: from web1.example.org (static.2.100.51.198.example.net [198.51.100.2])\n\tby smtp.isp.example.net (Postfix)"
        ));
        assert!(copy
            .head
            .contains("Received: from root by web1.example.org with local (Exim 4.72)"));
    }

    #[test]
    fn every_shape_carries_its_marker_and_the_copy() {
        let cases = [
            (Mta::Postfix, Mode::Full, "Content-Type: message/rfc822"),
            (
                Mta::Postfix,
                Mode::Headers,
                "Content-Type: text/rfc822-headers",
            ),
            (Mta::Sendmail, Mode::Full, "Content-Type: message/rfc822"),
            (Mta::SendmailOld, Mode::Full, "message follows -----"),
            (
                Mta::Exim,
                Mode::Full,
                "------ This is a copy of the message, including all the headers. ------",
            ),
            (
                Mta::Exim,
                Mode::Headers,
                "------ This is a copy of the message's headers. ------",
            ),
            (
                Mta::Qmail,
                Mode::Full,
                "--- Below this line is a copy of the message.",
            ),
            (Mta::Courier, Mode::Full, "Content-Type: message/rfc822"),
            (Mta::Exchange, Mode::Full, "Content-Type: message/rfc822"),
        ];
        for (mta, mode, marker) in cases {
            let text = bounce_text(mta, Outcome::Failed, mode);
            assert!(text.contains(marker), "{mta:?} {mode:?}:\n{text}");
            assert!(
                text.contains("Subject: [Fail2Ban] SSH: banned 203.0.113.7"),
                "{mta:?}"
            );
            let has_body = text.contains("6 attempts against SSH.");
            assert_eq!(has_body, mode == Mode::Full, "{mta:?} {mode:?}");
        }
    }

    #[test]
    fn exim_delay_warning_quotes_subject_and_date_only() {
        let text = bounce_text(Mta::Exim, Outcome::Delayed, Mode::Subject);
        assert!(
            text.contains("The subject of the message is: [Fail2Ban] SSH: banned 203.0.113.7\n")
        );
        assert!(text
            .contains("The date of the message is:    Mon,  4 Jul 2011 12:34:56 +0200 (CEST)\n"));
        assert!(!text.contains("attempts against"));
    }

    #[test]
    fn ids_look_like_the_real_ones() {
        let mut rng = Rng::new(3);
        let ts = time::timestamp(2011, 3, 4, 21, 40, 57);
        let id = sendmail_qid(ts, time::zone_named("UTC"), &mut rng);
        assert!(id.starts_with("p24Le"), "{id}");
        assert_eq!(id.len(), 14);
        let e = exim_id(ts, &mut rng);
        assert_eq!(e.len(), 16);
        assert_eq!(&e[6..7], "-");
    }
}
