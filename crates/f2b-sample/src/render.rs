//! Rendering one planned message: the Fail2Ban report, the server's MTA
//! stamps, the bounce around the copy, the collecting provider's headers, and
//! the ground truth of what the finished message proves.

use std::net::IpAddr;

use crate::bounces::{
    self, Bounce, Copy, Mode, Mta, Outcome, Reason, RelayHop, Station, SubmitOptions,
};
use crate::encode::{self, Cte};
use crate::logs::{self, LogContext};
use crate::noise;
use crate::plan::{Incident, Kind, Planned, Role};
use crate::rng::{Rng, Weighted};
use crate::templates::{self, Action, Ban, Event, Extras, Sender};
use crate::time::{self, DateStyle, Ts, HOUR};
use crate::whois;
use crate::world::{Rates, Reporter, World};

/// A rendered message with what the truth and manifest say about it.
pub(crate) struct Rendered {
    pub(crate) bytes: Vec<u8>,
    pub(crate) envelope: String,
    pub(crate) kind: &'static str,
    pub(crate) mta: Option<String>,
    pub(crate) template: Option<String>,
    pub(crate) copy: Option<&'static str>,
    pub(crate) encoding: Option<&'static str>,
    pub(crate) crlf: bool,
    pub(crate) fetchmail: bool,
    pub(crate) no_provider: bool,
    pub(crate) reports: Vec<Truth>,
}

impl Rendered {
    /// Stores some messages with CRLF line endings, as mail saved on other
    /// systems has them.
    fn line_endings(mut self, rates: &Rates, rng: &mut Rng) -> Rendered {
        self.crlf = rng.chance(rates.crlf);
        if self.crlf {
            self.bytes = encode::to_crlf(&self.bytes);
        }
        self
    }
}

/// One ban report as the ground truth states it.
#[derive(Clone, Debug)]
pub(crate) struct Truth {
    pub(crate) ts: Ts,
    pub(crate) ip: IpAddr,
    pub(crate) jail: &'static str,
    pub(crate) failures: Option<u32>,
    pub(crate) reporter_host: String,
    pub(crate) reporter_ip: Option<IpAddr>,
    pub(crate) msgid: Option<String>,
}

/// The report of an incident: what happened and the text the action sends.
struct Built {
    event: Event,
    jail: &'static str,
    sent: Ts,
    copy: Copy,
    failures_line: Option<(usize, usize)>,
    summary_lines: Vec<(usize, usize)>,
    encoded: Option<Cte>,
}

fn shown(r: &Reporter, ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) if r.mapped_v4 => format!("::ffff:{v4}"),
        _ => ip.to_string(),
    }
}

fn make_ban(world: &World, r: &Reporter, jail: usize, ts: Ts, rng: &mut Rng) -> Ban {
    let attacker = world.pick_attacker(rng);
    let ip = world.attackers[attacker].ip;
    let maxretry = r.jails[jail].maxretry;
    let failures = if rng.chance(0.8) {
        maxretry
    } else {
        maxretry + rng.range(1, 3) as u32
    };
    Ban {
        ts,
        ip,
        shown: shown(r, ip),
        failures,
        attacker,
    }
}

/// Reverse-DNS answer as `host -t A` or `geoiplookup` era tools print it.
fn host_answer(ip: IpAddr, rng: &mut Rng) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            if rng.chance(0.6) {
                format!("Host {d}.{c}.{b}.{a}.in-addr.arpa. not found: 3(NXDOMAIN)")
            } else {
                format!("{d}.{c}.{b}.{a}.in-addr.arpa domain name pointer {d}.{c}.{b}.{a}.broad.static.example.net.")
            }
        }
        IpAddr::V6(_) => format!("Host {ip} not found: 3(NXDOMAIN)"),
    }
}

/// Builds the report of an incident and the copy the server's MTA makes of it.
fn build_report(world: &World, inc: &Incident, r: &Reporter, rng: &mut Rng) -> Built {
    let jail_index = {
        let weights = [6.0, 2.0, 1.0];
        let table = Weighted::new((0..r.jails.len()).map(|i| (i, weights[i.min(2)])));
        *table.pick(rng)
    };
    let jail = &r.jails[jail_index];
    let (event, sent) = match inc.kind {
        Kind::Start => (Event::Start, inc.ts),
        Kind::Stop => (Event::Stop, inc.ts),
        _ if r.template.action == Action::SendmailBuffered => {
            summary_event(world, r, jail_index, inc.ts, rng)
        }
        _ => (
            Event::Ban(make_ban(world, r, jail_index, inc.ts, rng)),
            inc.ts,
        ),
    };
    let mut extras = Extras {
        missing_whois: r.missing_whois,
        heirloom: r.redhat,
        ..Extras::default()
    };
    let unknown_whois;
    if let Event::Ban(ban) = &event {
        let attacker = &world.attackers[ban.attacker];
        if r.template.action.has_whois() {
            extras.whois = Some(match attacker.geo {
                Some(g) => world.whois.block(g, world.whois_size),
                None => {
                    unknown_whois = whois::unknown(ban.ip, rng);
                    &unknown_whois
                }
            });
            if rng.chance(world.rates.long_lines) {
                extras.long_line = Some(whois::long_remark(rng));
            }
        }
        if r.template.action == Action::SendmailGeoipLines {
            let country = attacker.geo.filter(|_| ban.ip.is_ipv4()).map_or_else(
                || " IP Address not found".to_string(),
                |g| {
                    let row = &world.nets.geo[g];
                    format!(" {}, {}", row.country, row.country_name)
                },
            );
            let asn = attacker.asn.filter(|_| ban.ip.is_ipv4()).map_or_else(
                || " IP Address not found".to_string(),
                |a| {
                    let row = &world.nets.asn[a];
                    format!(" AS{} {}", row.first_origin(), row.as_name)
                },
            );
            extras.geoip = Some((country, asn, host_answer(ban.ip, rng)));
        }
        if r.template.action.has_lines() {
            let mut lines = String::new();
            let lan = r.lan_ip.to_string();
            logs::push_lines(
                &mut lines,
                jail.log,
                &LogContext {
                    ip: &ban.shown,
                    host: &r.short,
                    lan_ip: &lan,
                    zone: r.zone,
                    ban: ban.ts,
                    count: ban.failures,
                },
                rng,
            );
            extras.lines = Some((jail.log.logpath(r.redhat), lines));
        }
    }
    let sender = Sender {
        uname: &r.uname,
        fqdn: &r.host,
        zone: r.zone,
    };
    let text = templates::render(&r.template, jail.name, &event, sent, &sender, &extras);
    let station = Station {
        host: &r.host,
        zone: r.zone,
        mta: r.mta,
        version: r.mta_version,
    };
    let relay = r.relay.map(|i| &world.relays[i]);
    let hop = relay.map(|relay| RelayHop {
        station: Station {
            host: &relay.host,
            zone: relay.zone,
            mta: relay.mta,
            version: relay.mta_version,
        },
        client_helo: &r.helo,
        client_rdns: if relay.lan { None } else { r.rdns.as_deref() },
        client_ip: if relay.lan {
            IpAddr::V4(r.lan_ip)
        } else {
            r.public_ip
        },
    });
    let opts = SubmitOptions {
        no_date: rng.chance(world.rates.no_date),
        no_msgid: rng.chance(world.rates.no_msgid),
        amavis: r.amavis,
        return_path: world.bouncer(r) == Mta::Exim,
        lan_ip: Some(r.lan_ip),
    };
    let copy = bounces::submit(&text, &station, sent, hop.as_ref(), &opts, rng);
    Built {
        event,
        jail: jail.name,
        sent,
        copy,
        failures_line: text.failures_line,
        summary_lines: text.summary_lines,
        encoded: None,
    }
}

/// A buffered summary ending at `last`: the threshold of 5 lines (sent at
/// once) or fewer lines flushed when the jail stopped.
fn summary_event(world: &World, r: &Reporter, jail: usize, last: Ts, rng: &mut Rng) -> (Event, Ts) {
    let (count, sent) = if rng.chance(0.7) {
        (5, last)
    } else {
        (
            rng.range(1, 4) as usize,
            last + rng.exp(2.0 * HOUR as f64) as Ts,
        )
    };
    let mut t = last;
    let mut bans: Vec<Ban> = (0..count)
        .map(|_| {
            let ban = make_ban(world, r, jail, t, rng);
            t -= 30 + rng.exp(40.0 * 60.0) as Ts;
            ban
        })
        .collect();
    bans.reverse();
    (Event::Summary(bans), sent)
}

/// Where to cut a body so that truth stays unambiguous: summaries at line
/// ends, single bans anywhere but inside the "N attempts" line.
fn silent_cut(built: &Built, rng: &mut Rng) -> usize {
    let len = built.copy.body.len();
    if !built.summary_lines.is_empty() {
        let i = rng.index(built.summary_lines.len());
        return built.summary_lines[i].1;
    }
    let cut = rng.range(20, len.saturating_sub(10).max(21) as i64) as usize;
    match built.failures_line {
        Some((a, b)) if cut > a && cut < b => {
            if rng.chance(0.5) {
                a
            } else {
                b
            }
        }
        _ => cut.min(len),
    }
}

/// Exim's `return_size_limit` cut: the first line end past the limit.
fn exim_cut(body: &[u8], rng: &mut Rng) -> Option<(usize, usize)> {
    let limits = [512usize, 1024, 2048];
    let limit = rng.pick(&limits);
    let limit = if limit + 40 < body.len() {
        limit
    } else {
        *limits.iter().find(|&&l| l + 40 < body.len())?
    };
    let keep = body[limit..].iter().position(|&b| b == b'\n')? + limit + 1;
    (keep < body.len()).then_some((keep, limit))
}

/// The collecting provider's headers on top of a message from `helo`/`rdns`/`ip`.
fn provider_headers(
    arrival: Ts,
    helo: &str,
    rdns: Option<&str>,
    ip: IpAddr,
    bounce: bool,
    rng: &mut Rng,
) -> String {
    let eastern = time::zone_named("America/New_York");
    let at = time::rfc2822(&eastern.local(arrival), DateStyle::UnpaddedNoComment);
    let mx = rng.range(0, 4);
    let rdns = rdns.unwrap_or("unknown");
    let return_path = if bounce { "<>" } else { "" };
    let mut head = String::with_capacity(400);
    if !return_path.is_empty() {
        head.push_str("Return-Path: <>\n");
    }
    if arrival < time::timestamp(2012, 6, 1, 0, 0, 0) {
        let id = bounces::sendmail_qid(arrival, eastern, rng);
        head.push_str(&format!(
            "Received: from {helo} ({rdns} [{ip}])\n\tby mx0{mx}.mail.com (8.13.8/8.13.8) with ESMTP id {id}\n\tfor <fail2ban@mail.com>; {at}\n"
        ));
    } else {
        head.push_str("Delivered-To: fail2ban@mail.com\n");
        head.push_str(&format!(
            "Received: from {helo} ({rdns} [{ip}]) by mx0{mx}.mail.com (mxmailcom{:03})\n with ESMTP (Nemesis) id {:08X}-{:08X};\n {at}\n",
            rng.range(1, 20),
            rng.below(1 << 32),
            rng.below(1 << 32)
        ));
    }
    head
}

/// fetchmail's header when the collector pulled the mailbox over POP3.
fn fetchmail_header(arrival: Ts, rng: &mut Rng) -> String {
    let later = arrival + rng.range(60, 3 * HOUR);
    format!(
        "Received: from pop.mail.com [74.208.5.{}]\n\tby localhost.localdomain with POP3 (fetchmail-6.3.9)\n\tfor <collector@localhost> (single-drop); {}\n",
        rng.range(10, 30),
        time::rfc2822(&time::zone_named("Europe/Berlin").local(later), DateStyle::SpacePadded)
    )
}

fn charset_of(body: &[u8]) -> &'static str {
    if body.is_ascii() {
        "us-ascii"
    } else if std::str::from_utf8(body).is_ok() {
        "utf-8"
    } else {
        "iso-8859-1"
    }
}

/// Renders one planned message.
pub(crate) fn render(world: &World, inc: &Incident, p: &Planned, seed: u64) -> Rendered {
    let index = u64::from(p.incident);
    // The incident's report is the same in every message that carries it.
    let mut report_rng = Rng::derive(seed, "incident", index);
    let role_stream = match p.role {
        Role::Repeat => Role::Original,
        other => other,
    };
    let mut rng = Rng::derive(seed, "message", index * 8 + role_stream as u64);
    let rates = &world.rates;
    if inc.kind == Kind::NotBounce {
        let (copy, from) = noise::plain_spam(&mut report_rng, inc.ts);
        let spammer = world.attackers[world.pick_attacker(&mut report_rng)].ip;
        let mut bytes = provider_headers(
            p.received,
            &spammer.to_string(),
            None,
            spammer,
            false,
            &mut rng,
        )
        .into_bytes();
        bytes.extend_from_slice(&copy.bytes());
        return Rendered {
            bytes,
            envelope: from,
            kind: "not-bounce",
            mta: None,
            template: None,
            copy: None,
            encoding: None,
            crlf: false,
            fetchmail: false,
            no_provider: false,
            reports: Vec::new(),
        }
        .line_endings(rates, &mut rng);
    }
    let r = &world.reporters[inc.reporter as usize];
    let relay = r.relay.map(|i| &world.relays[i]);
    let bouncer = match relay {
        Some(relay) => Station {
            host: &relay.host,
            zone: relay.zone,
            mta: relay.mta,
            version: relay.mta_version,
        },
        None => Station {
            host: &r.host,
            zone: r.zone,
            mta: r.mta,
            version: r.mta_version,
        },
    };
    let mta_name = match relay {
        Some(relay) => format!("relay:{}", relay.mta.name()),
        None => r.mta.name().to_string(),
    };
    let (helo, rdns, ip) = match relay {
        Some(relay) => (relay.host.as_str(), relay.rdns.as_deref(), relay.ip),
        None => (r.helo.as_str(), r.rdns.as_deref(), r.public_ip),
    };
    let no_provider = rng.chance(rates.no_provider);
    let fetchmail = rng.chance(rates.fetchmail);
    let mut head = String::new();
    if fetchmail {
        head.push_str(&fetchmail_header(p.received, &mut rng));
    }
    if !no_provider {
        head.push_str(&provider_headers(
            p.received, helo, rdns, ip, true, &mut rng,
        ));
    } else {
        head.push_str("Return-Path: <>\n");
    }

    if inc.kind == Kind::NotF2b {
        let (copy, rcpt, reason) = if report_rng.chance(0.7) {
            let spammer = world.attackers[world.pick_attacker(&mut report_rng)]
                .ip
                .to_string();
            let copy = noise::backscatter_copy(&mut report_rng, inc.ts, &r.host, r.zone, &spammer);
            let rcpt = copy
                .head
                .lines()
                .find_map(|l| l.strip_prefix("To: "))
                .unwrap_or(templates::DEST)
                .to_string();
            let store = format!(
                "mailstore.{}",
                r.host.split_once('.').map_or(r.host.as_str(), |(_, d)| d)
            );
            let reason = Reason::unknown_user(&rcpt, &store, &r.lan_ip.to_string());
            (copy, rcpt, reason)
        } else {
            let banned: Vec<String> = (0..report_rng.range(1, 6))
                .map(|_| {
                    world.attackers[world.pick_attacker(&mut report_rng)]
                        .ip
                        .to_string()
                })
                .collect();
            let copy = noise::cron_copy(&mut report_rng, inc.ts, &r.host, r.zone, &banned);
            (copy, templates::DEST.to_string(), Reason::refusal(&mut rng))
        };
        let mode = if bouncer.mta.supports(Mode::Headers) && rng.chance(0.15) {
            Mode::Headers
        } else {
            Mode::Full
        };
        let mut bytes = head.into_bytes();
        let bounce = Bounce {
            station: bouncer,
            received: inc.ts,
            created: p.created,
            outcome: Outcome::Failed,
            copy: &copy,
            mode,
            reason,
            rcpt: &rcpt,
            client: None,
        };
        bounces::write_bounce(&bounce, &mut rng, &mut bytes);
        return Rendered {
            bytes,
            envelope: "MAILER-DAEMON".into(),
            kind: "not-f2b",
            mta: Some(mta_name),
            template: None,
            copy: Some("original"),
            encoding: None,
            crlf: false,
            fetchmail,
            no_provider,
            reports: Vec::new(),
        }
        .line_endings(rates, &mut rng);
    }

    let mut built = build_report(world, inc, r, &mut report_rng);
    // Decide how the copy comes back.
    let (outcome, mut mode, reason) = match p.role {
        Role::Warning => (
            Outcome::Delayed,
            bouncer.mta.warning_mode(),
            Reason::timeout(&mut rng),
        ),
        Role::Final => (Outcome::Expired, Mode::Full, Reason::timeout(&mut rng)),
        _ => {
            let mode = match inc.kind {
                Kind::HeadersOnly => Mode::Headers,
                Kind::Truncated => {
                    if bouncer.mta == Mta::Exim {
                        exim_cut(&built.copy.body, &mut rng)
                            .map_or(Mode::Full, |(keep, limit)| Mode::Truncated { keep, limit })
                    } else {
                        let keep = silent_cut(&built, &mut rng);
                        Mode::Truncated { keep, limit: 0 }
                    }
                }
                Kind::Start | Kind::Stop
                    if bouncer.mta.supports(Mode::Headers) && rng.chance(0.05) =>
                {
                    Mode::Headers
                }
                _ => Mode::Full,
            };
            (Outcome::Failed, mode, Reason::refusal(&mut rng))
        }
    };
    if let Mode::Truncated { keep, .. } = mode {
        if keep >= built.copy.body.len() {
            mode = Mode::Full;
        }
    }
    // Encoded copies are returned whole or as headers; cutting happens on plain text.
    if r.cte != Cte::Plain && !matches!(mode, Mode::Truncated { .. }) {
        let charset = charset_of(&built.copy.body);
        let note = (matches!(r.mta, Mta::Sendmail | Mta::SendmailOld)
            && r.cte == Cte::QuotedPrintable)
            .then_some(r.host.as_str());
        encode::encode_copy(&mut built.copy, r.cte, charset, note);
        built.encoded = Some(r.cte);
    }
    let mut bytes = head.into_bytes();
    let bounce = Bounce {
        station: bouncer,
        received: built.sent + if relay.is_some() { 2 } else { 0 },
        created: p.created,
        outcome,
        copy: &built.copy,
        mode,
        reason,
        rcpt: templates::DEST,
        client: relay.map(|_| r.helo.as_str()),
    };
    let written = bounces::write_bounce(&bounce, &mut rng, &mut bytes);

    // Ground truth: what this message proves.
    let reporter_ip = match relay {
        Some(relay) if relay.lan => None,
        Some(_) => Some(r.public_ip),
        None if no_provider => None,
        None => Some(r.public_ip),
    };
    let msgid = match mode {
        Mode::Subject => written.msgid.clone(),
        _ => built.copy.msgid.clone().or_else(|| written.msgid.clone()),
    };
    let host = r.truth_host().to_ascii_lowercase();
    let truth = |ban: &Ban, failures: Option<u32>| Truth {
        ts: ban.ts,
        ip: ban.ip,
        jail: built.jail,
        failures,
        reporter_host: host.clone(),
        reporter_ip,
        msgid: msgid.clone(),
    };
    let (kind, reports): (&'static str, Vec<Truth>) = match (&built.event, mode) {
        (Event::Start, _) => ("start", Vec::new()),
        (Event::Stop, _) => ("stop", Vec::new()),
        (Event::Ban(ban), Mode::Full) => {
            let k = if p.role == Role::Warning {
                "warning"
            } else {
                "ban"
            };
            (k, vec![truth(ban, Some(ban.failures))])
        }
        (Event::Ban(ban), Mode::Headers | Mode::Subject) => {
            let k = if p.role == Role::Warning {
                "warning"
            } else {
                "headers-only"
            };
            (k, vec![truth(ban, None)])
        }
        (Event::Ban(ban), Mode::Truncated { keep, .. }) => {
            let shown = built.failures_line.is_some_and(|(_, end)| keep >= end);
            ("truncated", vec![truth(ban, shown.then_some(ban.failures))])
        }
        (Event::Summary(bans), Mode::Full) => (
            if p.role == Role::Warning {
                "warning"
            } else {
                "summary"
            },
            bans.iter().map(|b| truth(b, Some(b.failures))).collect(),
        ),
        (Event::Summary(_), Mode::Headers | Mode::Subject) => (
            if p.role == Role::Warning {
                "warning"
            } else {
                "headers-only"
            },
            Vec::new(),
        ),
        (Event::Summary(bans), Mode::Truncated { keep, .. }) => (
            "truncated",
            bans.iter()
                .zip(&built.summary_lines)
                .filter(|(_, (_, end))| *end <= keep)
                .map(|(b, _)| truth(b, Some(b.failures)))
                .collect(),
        ),
    };
    Rendered {
        bytes,
        envelope: "MAILER-DAEMON".into(),
        kind,
        mta: Some(mta_name),
        template: Some(r.template.name()),
        copy: Some(mode.name()),
        encoding: built
            .encoded
            .filter(|_| mode != Mode::Subject)
            .map(Cte::name),
        crlf: false,
        fetchmail,
        no_provider,
        reports,
    }
    .line_endings(rates, &mut rng)
}
