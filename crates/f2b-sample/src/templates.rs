//! The Fail2Ban side: the mail actions of 0.8.x, 0.9.x and 0.10–1.x and the
//! text each one sends (FORMATS §2), and the jails that send it.
//!
//! [`render`] produces what the action hands to `sendmail` (or to `mail`):
//! its own header lines and the body. The local MTA's headers (`Received:`,
//! `Message-Id:`, a `Date:` when the action wrote none) are added by
//! [`crate::bounces::submit`].

use std::fmt::Write;
use std::net::IpAddr;

use crate::logs::LogKind;
use crate::time::{self, DateStyle, Local, Ts};

/// The sender and recipient of the stock 0.8 configuration.
pub const SENDER: &str = "fail2ban@mail.com";
/// The recipient mail.com refused.
pub const DEST: &str = "you@mail.com";

/// The Fail2Ban release family, which decides the wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Era {
    /// 0.8.x: no `Date:` of its own, "Here are more information about IP:".
    V08,
    /// 0.9.x: `from HOST` (uname -n) in the subject, `Date:` in UTC.
    V09,
    /// 0.10 – 1.x: `from FQDN`, `Date:` with the local offset, "about IP :".
    V10,
}

/// A mail action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// `sendmail`: the ban sentence only.
    Sendmail,
    /// `sendmail-whois`: with the whois output.
    SendmailWhois,
    /// `sendmail-whois-lines`: with whois and the matching log lines.
    SendmailWhoisLines,
    /// `sendmail-buffered`: a summary of several bans.
    SendmailBuffered,
    /// `sendmail-geoip-lines`: legacy geoiplookup answers and log lines.
    SendmailGeoipLines,
    /// `mail`: through the `mail` command, which writes the headers.
    Mail,
    /// `mail-whois`.
    MailWhois,
    /// `mail-whois-lines`.
    MailWhoisLines,
}

impl Action {
    /// The action's file name in `action.d`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Sendmail => "sendmail",
            Action::SendmailWhois => "sendmail-whois",
            Action::SendmailWhoisLines => "sendmail-whois-lines",
            Action::SendmailBuffered => "sendmail-buffered",
            Action::SendmailGeoipLines => "sendmail-geoip-lines",
            Action::Mail => "mail",
            Action::MailWhois => "mail-whois",
            Action::MailWhoisLines => "mail-whois-lines",
        }
    }

    /// True when the body carries whois output.
    pub fn has_whois(self) -> bool {
        matches!(
            self,
            Action::SendmailWhois
                | Action::SendmailWhoisLines
                | Action::MailWhois
                | Action::MailWhoisLines
        )
    }

    /// True when the body carries log lines.
    pub fn has_lines(self) -> bool {
        matches!(
            self,
            Action::SendmailWhoisLines | Action::MailWhoisLines | Action::SendmailGeoipLines
        )
    }

    /// True for the `mail` command actions.
    pub fn uses_mail_command(self) -> bool {
        matches!(
            self,
            Action::Mail | Action::MailWhois | Action::MailWhoisLines
        )
    }
}

/// A Fail2Ban version with one of its mail actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// Release family.
    pub era: Era,
    /// The action.
    pub action: Action,
    /// The exact version, e.g. `0.8.3`.
    pub version: &'static str,
}

/// Versions of each family that reporting servers run.
pub fn versions(era: Era) -> &'static [&'static str] {
    match era {
        Era::V08 => &[
            "0.8.1", "0.8.2", "0.8.3", "0.8.4", "0.8.6", "0.8.10", "0.8.13",
        ],
        Era::V09 => &["0.9.0", "0.9.1", "0.9.3", "0.9.6"],
        Era::V10 => &["0.10.2", "0.10.5", "0.11.1", "1.0.2"],
    }
}

/// Template families with their default weights (share of reporting servers).
pub const FAMILIES: &[(&str, Era, Action, f64)] = &[
    ("0.8/sendmail-whois", Era::V08, Action::SendmailWhois, 40.0),
    ("0.8/sendmail", Era::V08, Action::Sendmail, 14.0),
    (
        "0.8/sendmail-whois-lines",
        Era::V08,
        Action::SendmailWhoisLines,
        7.0,
    ),
    (
        "0.8/sendmail-buffered",
        Era::V08,
        Action::SendmailBuffered,
        4.0,
    ),
    ("0.8/mail-whois", Era::V08, Action::MailWhois, 5.0),
    ("0.8/mail", Era::V08, Action::Mail, 4.0),
    (
        "0.8/mail-whois-lines",
        Era::V08,
        Action::MailWhoisLines,
        2.0,
    ),
    ("0.9/sendmail-whois", Era::V09, Action::SendmailWhois, 6.0),
    ("0.9/sendmail", Era::V09, Action::Sendmail, 3.0),
    (
        "0.9/sendmail-whois-lines",
        Era::V09,
        Action::SendmailWhoisLines,
        2.0,
    ),
    (
        "0.9/sendmail-geoip-lines",
        Era::V09,
        Action::SendmailGeoipLines,
        3.0,
    ),
    (
        "0.9/sendmail-buffered",
        Era::V09,
        Action::SendmailBuffered,
        1.0,
    ),
    ("0.10/sendmail-whois", Era::V10, Action::SendmailWhois, 3.0),
    ("0.10/sendmail", Era::V10, Action::Sendmail, 2.0),
    (
        "0.10/sendmail-whois-lines",
        Era::V10,
        Action::SendmailWhoisLines,
        1.0,
    ),
    (
        "0.10/sendmail-geoip-lines",
        Era::V10,
        Action::SendmailGeoipLines,
        1.0,
    ),
    (
        "0.10/sendmail-buffered",
        Era::V10,
        Action::SendmailBuffered,
        1.0,
    ),
];

impl Template {
    /// `0.8.3/sendmail-whois`, as the manifest names it.
    pub fn name(&self) -> String {
        format!("{}/{}", self.version, self.action.name())
    }
}

/// A jail that reports: its name as the report prints it, the daemon log it
/// watches, and its `maxretry`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jail {
    /// The action's `name` (free text: `SSH`, `ssh-iptables`, `SSH,IPFW`).
    pub name: &'static str,
    /// The watched log.
    pub log: LogKind,
    /// Failures that trigger a ban.
    pub maxretry: u32,
}

/// Jail names of 0.8-style configurations (the `name=` of the stock
/// `jail.conf` and common custom ones) with their weights.
pub const JAILS_08: &[(&str, LogKind, f64)] = &[
    ("SSH", LogKind::Sshd, 60.0),
    ("ssh-iptables", LogKind::Sshd, 6.0),
    ("sshd", LogKind::Sshd, 3.0),
    ("SSH,IPFW", LogKind::Sshd, 1.0),
    ("ssh-ddos", LogKind::Sshd, 1.0),
    ("ProFTPD", LogKind::Proftpd, 6.0),
    ("VSFTPD", LogKind::Vsftpd, 5.0),
    ("pure-ftpd", LogKind::PureFtpd, 1.0),
    ("sasl", LogKind::Sasl, 5.0),
    ("postfix", LogKind::Postfix, 2.0),
    ("dovecot", LogKind::Dovecot, 3.0),
    ("courier-auth", LogKind::Courier, 0.5),
    ("apache-auth", LogKind::ApacheAuth, 3.0),
    ("apache-badbots", LogKind::ApacheBots, 1.0),
    ("BadBots", LogKind::ApacheBots, 1.0),
    ("named-refused", LogKind::Named, 2.0),
    ("asterisk", LogKind::Asterisk, 2.0),
    ("mysqld-auth", LogKind::Mysql, 1.0),
    ("recidive", LogKind::Recidive, 1.0),
    ("wordpress", LogKind::WebLogin, 0.5),
    ("ssh-22022", LogKind::Sshd, 0.3),
    ("MeinServer SSH", LogKind::Sshd, 0.2),
    ("webmin-login", LogKind::WebLogin, 0.2),
];

/// Jail names of 0.9+ configurations (`name=%(__name__)s`).
pub const JAILS_09: &[(&str, LogKind, f64)] = &[
    ("sshd", LogKind::Sshd, 45.0),
    ("ssh", LogKind::Sshd, 12.0),
    ("ssh-iptables", LogKind::Sshd, 2.0),
    ("apache-auth", LogKind::ApacheAuth, 5.0),
    ("apache-badbots", LogKind::ApacheBots, 2.0),
    ("nginx-http-auth", LogKind::WebLogin, 2.0),
    ("postfix", LogKind::Postfix, 4.0),
    ("postfix-sasl", LogKind::Sasl, 3.0),
    ("sasl", LogKind::Sasl, 1.0),
    ("dovecot", LogKind::Dovecot, 4.0),
    ("proftpd", LogKind::Proftpd, 3.0),
    ("vsftpd", LogKind::Vsftpd, 3.0),
    ("recidive", LogKind::Recidive, 4.0),
    ("asterisk", LogKind::Asterisk, 3.0),
    ("named-refused", LogKind::Named, 2.0),
    ("mysqld-auth", LogKind::Mysql, 2.0),
    ("wordpress", LogKind::WebLogin, 1.0),
];

/// One ban as a report states it.
#[derive(Clone, Debug)]
pub struct Ban {
    /// When it happened.
    pub ts: Ts,
    /// The address, canonical.
    pub ip: IpAddr,
    /// The address as the report prints it (maybe `::ffff:a.b.c.d`).
    pub shown: String,
    /// "after N attempts" / "(N failures)".
    pub failures: u32,
    /// Index of the attacker in the world's pool.
    pub attacker: usize,
}

/// What a report is about.
#[derive(Clone, Debug)]
pub enum Event {
    /// One ban.
    Ban(Ban),
    /// A `*-buffered` summary of several bans.
    Summary(Vec<Ban>),
    /// The jail started.
    Start,
    /// The jail stopped.
    Stop,
}

/// Extra text the body carries, gathered by the caller.
#[derive(Clone, Debug, Default)]
pub struct Extras<'a> {
    /// whois output (raw bytes, maybe ISO-8859-1).
    pub whois: Option<&'a [u8]>,
    /// A 1,000+ character line appended to the whois output.
    pub long_line: Option<String>,
    /// `(Country:, AS:, hostname:)` answers for `sendmail-geoip-lines`.
    pub geoip: Option<(String, String, String)>,
    /// `(logpath, grep output)`.
    pub lines: Option<(&'static str, String)>,
    /// True when a 0.10 server has no whois program installed.
    pub missing_whois: bool,
    /// True when a `mail` command is Heirloom mailx (writes more headers).
    pub heirloom: bool,
}

/// Who sends: the server as Fail2Ban and `date` see it.
#[derive(Clone, Copy, Debug)]
pub struct Sender<'a> {
    /// `uname -n`.
    pub uname: &'a str,
    /// The fully qualified name (`<fq-hostname>` in 0.10+).
    pub fqdn: &'a str,
    /// The server's zone.
    pub zone: time::Zone,
}

/// The report as the action hands it to the mail system.
#[derive(Clone, Debug, Default)]
pub struct ReportText {
    /// The header lines the action (or the `mail` command) writes, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The subject.
    pub subject: String,
    /// True when the headers include a `Date:`.
    pub has_date: bool,
    /// Byte range of the "N attempts against JAIL." line in the body.
    pub failures_line: Option<(usize, usize)>,
    /// Byte ranges of the summary lines in the body, in order.
    pub summary_lines: Vec<(usize, usize)>,
}

/// The subject of a report.
pub fn subject(t: &Template, jail: &str, event: &Event, sender: &Sender<'_>) -> String {
    let from = match t.era {
        Era::V08 => String::new(),
        Era::V09 => format!(" from {}", sender.uname),
        Era::V10 => format!(" from {}", sender.fqdn),
    };
    let on = match t.era {
        Era::V08 => String::new(),
        Era::V09 => format!(" on {}", sender.uname),
        Era::V10 => format!(" on {}", sender.fqdn),
    };
    match event {
        Event::Ban(b) => format!("[Fail2Ban] {jail}: banned {}{from}", b.shown),
        Event::Summary(_) => format!("[Fail2Ban] {jail}: summary{from}"),
        Event::Start => format!("[Fail2Ban] {jail}: started{on}"),
        Event::Stop => format!("[Fail2Ban] {jail}: stopped{on}"),
    }
}

/// One buffered-summary line: `` `date` ``: `IP (N failures)`.
pub fn summary_line(ban: &Ban, zone: time::Zone) -> String {
    format!(
        "{}: {} ({} failures)",
        time::ctime(&zone.local(ban.ts)),
        ban.shown,
        ban.failures
    )
}

/// Renders the report sent at `ts`.
pub fn render(
    t: &Template,
    jail: &str,
    event: &Event,
    ts: Ts,
    sender: &Sender<'_>,
    extras: &Extras<'_>,
) -> ReportText {
    let mut out = ReportText {
        subject: subject(t, jail, event, sender),
        ..ReportText::default()
    };
    let local = sender.zone.local(ts);
    if t.action.uses_mail_command() {
        // `mail -s SUBJECT DEST`: the program writes the headers.
        if extras.heirloom {
            out.headers
                .push(("Date", time::rfc2822(&local, DateStyle::ZeroPadded)));
            out.headers.push(("To", DEST.into()));
            out.headers.push(("Subject", out.subject.clone()));
            out.headers
                .push(("User-Agent", "Heirloom mailx 12.4 7/29/08".into()));
            out.headers.push(("MIME-Version", "1.0".into()));
            out.headers
                .push(("Content-Type", "text/plain; charset=us-ascii".into()));
            out.headers
                .push(("Content-Transfer-Encoding", "7bit".into()));
            out.headers.push(("From", SENDER.into()));
            out.has_date = true;
        } else {
            out.headers.push(("To", DEST.into()));
            out.headers.push(("Subject", out.subject.clone()));
        }
    } else {
        out.headers.push(("Subject", out.subject.clone()));
        match t.era {
            Era::V08 => {}
            Era::V09 => {
                out.headers.push((
                    "Date",
                    time::rfc2822(&Local::utc(ts), DateStyle::ZeroPadded),
                ));
                out.has_date = true;
            }
            Era::V10 => {
                out.headers
                    .push(("Date", time::rfc2822(&local, DateStyle::ZeroPadded)));
                out.has_date = true;
            }
        }
        out.headers.push(("From", format!("Fail2Ban <{SENDER}>")));
        out.headers.push(("To", DEST.into()));
    }
    let body = &mut out.body;
    body.extend_from_slice(b"Hi,\n\n");
    match event {
        Event::Ban(ban) => {
            let _ = writeln_bytes(
                body,
                format_args!(
                    "The IP {} has just been banned by Fail2Ban after",
                    ban.shown
                ),
            );
            let start = body.len();
            let _ = writeln_bytes(
                body,
                format_args!("{} attempts against {jail}.", ban.failures),
            );
            out.failures_line = Some((start, body.len()));
            body_ban_tail(t, ban, extras, body);
        }
        Event::Summary(bans) => {
            body.extend_from_slice(b"These hosts have been banned by Fail2Ban.\n\n");
            for ban in bans {
                let start = body.len();
                body.extend_from_slice(summary_line(ban, sender.zone).as_bytes());
                body.push(b'\n');
                out.summary_lines.push((start, body.len()));
            }
            body.extend_from_slice(b"Regards,\n\nFail2Ban\n");
        }
        Event::Start => {
            let _ = writeln_bytes(
                body,
                format_args!("The jail {jail} has been started successfully.\n"),
            );
            body.extend_from_slice(b"Regards,\n\nFail2Ban\n");
        }
        Event::Stop => {
            let _ = writeln_bytes(body, format_args!("The jail {jail} has been stopped.\n"));
            body.extend_from_slice(b"Regards,\n\nFail2Ban\n");
        }
    }
    out
}

/// Everything after the ban sentence: whois, geoip answers, log lines, regards.
fn body_ban_tail(t: &Template, ban: &Ban, extras: &Extras<'_>, body: &mut Vec<u8>) {
    body.push(b'\n');
    let here = match t.era {
        Era::V08 => format!("Here are more information about {}:", ban.shown),
        Era::V09 => format!("Here is more information about {}:", ban.shown),
        Era::V10 => format!("Here is more information about {} :", ban.shown),
    };
    if t.action.has_whois() {
        body.push(b'\n');
        body.extend_from_slice(here.as_bytes());
        body.extend_from_slice(b"\n\n");
        if extras.missing_whois {
            body.extend_from_slice(b"missing whois program");
        } else if let Some(whois) = extras.whois {
            body.extend_from_slice(whois.strip_suffix(b"\n").unwrap_or(whois));
            if let Some(long) = &extras.long_line {
                body.push(b'\n');
                body.extend_from_slice(long.as_bytes());
            }
        }
        body.extend_from_slice(b"\n\n");
    } else if t.action == Action::SendmailGeoipLines {
        body.push(b'\n');
        body.extend_from_slice(here.as_bytes());
        let _ = writeln_bytes(
            body,
            format_args!("\n\nhttp://whois.domaintools.com/{}\n", ban.shown),
        );
        if let Some((country, asn, host)) = &extras.geoip {
            let _ = writeln_bytes(
                body,
                format_args!("Country:{country}\nAS:{asn}\nhostname: {host}\n"),
            );
        }
    }
    if let Some((logpath, lines)) = &extras.lines {
        match t.era {
            Era::V10 => {
                let _ = writeln_bytes(
                    body,
                    format_args!("Lines containing failures of {} (max 1000)", ban.shown),
                );
            }
            _ => {
                let _ = writeln_bytes(
                    body,
                    format_args!("Lines containing IP:{} in {logpath}\n", ban.shown),
                );
            }
        }
        body.extend_from_slice(lines.as_bytes());
        body.extend_from_slice(b"\n\n");
    }
    body.extend_from_slice(b"Regards,\n\nFail2Ban\n");
}

fn writeln_bytes(out: &mut Vec<u8>, args: std::fmt::Arguments<'_>) -> std::fmt::Result {
    let mut s = String::new();
    s.write_fmt(args)?;
    out.extend_from_slice(s.as_bytes());
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban() -> Ban {
        Ban {
            ts: time::timestamp(2011, 7, 4, 10, 34, 56),
            ip: "203.0.113.7".parse().unwrap(),
            shown: "203.0.113.7".into(),
            failures: 6,
            attacker: 0,
        }
    }

    fn sender() -> Sender<'static> {
        Sender {
            uname: "web1",
            fqdn: "web1.example.org",
            zone: time::zone_named("Europe/Berlin"),
        }
    }

    fn template(era: Era, action: Action) -> Template {
        Template {
            era,
            action,
            version: versions(era)[0],
        }
    }

    #[test]
    fn v08_whois_report_reads_like_the_stock_action() {
        let whois = b"inetnum: 203.0.113.0 - 203.0.113.255\ncountry: ZZ\n";
        let extras = Extras {
            whois: Some(whois),
            ..Extras::default()
        };
        let t = template(Era::V08, Action::SendmailWhois);
        let r = render(&t, "SSH", &Event::Ban(ban()), ban().ts, &sender(), &extras);
        assert_eq!(r.subject, "[Fail2Ban] SSH: banned 203.0.113.7");
        assert!(!r.has_date);
        let body = String::from_utf8(r.body.clone()).unwrap();
        assert!(body.starts_with(
            "Hi,\n\nThe IP 203.0.113.7 has just been banned by Fail2Ban after\n6 attempts against SSH.\n\n\nHere are more information about 203.0.113.7:\n\ninetnum:"
        ), "{body}");
        assert!(
            body.ends_with("country: ZZ\n\nRegards,\n\nFail2Ban\n"),
            "{body}"
        );
        let (a, b) = r.failures_line.unwrap();
        assert_eq!(&body[a..b], "6 attempts against SSH.\n");
    }

    #[test]
    fn later_versions_name_the_host_and_date_the_report() {
        let t9 = template(Era::V09, Action::Sendmail);
        let r9 = render(
            &t9,
            "sshd",
            &Event::Ban(ban()),
            ban().ts,
            &sender(),
            &Extras::default(),
        );
        assert_eq!(r9.subject, "[Fail2Ban] sshd: banned 203.0.113.7 from web1");
        assert!(r9
            .headers
            .contains(&("Date", "Mon, 04 Jul 2011 10:34:56 +0000".to_string())));
        let t10 = template(Era::V10, Action::SendmailWhois);
        let extras = Extras {
            missing_whois: true,
            ..Extras::default()
        };
        let r10 = render(
            &t10,
            "sshd",
            &Event::Ban(ban()),
            ban().ts,
            &sender(),
            &extras,
        );
        assert_eq!(
            r10.subject,
            "[Fail2Ban] sshd: banned 203.0.113.7 from web1.example.org"
        );
        assert!(r10
            .headers
            .contains(&("Date", "Mon, 04 Jul 2011 12:34:56 +0200".to_string())));
        let body = String::from_utf8(r10.body).unwrap();
        assert!(body
            .contains("Here is more information about 203.0.113.7 :\n\nmissing whois program\n"));
    }

    #[test]
    fn buffered_summary_has_one_dated_line_per_ban() {
        let t = template(Era::V08, Action::SendmailBuffered);
        let mut second = ban();
        second.ts += 3600;
        second.failures = 3;
        let r = render(
            &t,
            "SSH",
            &Event::Summary(vec![ban(), second]),
            ban().ts + 3600,
            &sender(),
            &Extras::default(),
        );
        assert_eq!(r.subject, "[Fail2Ban] SSH: summary");
        let body = String::from_utf8(r.body.clone()).unwrap();
        assert!(body.contains("Mon Jul  4 12:34:56 CEST 2011: 203.0.113.7 (6 failures)\n"));
        assert!(body.contains("Mon Jul  4 13:34:56 CEST 2011: 203.0.113.7 (3 failures)\n"));
        assert_eq!(r.summary_lines.len(), 2);
    }

    #[test]
    fn mail_command_reports_carry_no_fail2ban_from_header() {
        let t = template(Era::V08, Action::Mail);
        let r = render(
            &t,
            "SSH",
            &Event::Ban(ban()),
            ban().ts,
            &sender(),
            &Extras::default(),
        );
        assert_eq!(
            r.headers,
            vec![
                ("To", DEST.to_string()),
                ("Subject", "[Fail2Ban] SSH: banned 203.0.113.7".to_string())
            ]
        );
    }

    #[test]
    fn notices_say_started_and_stopped() {
        let t = template(Era::V09, Action::SendmailWhois);
        let r = render(
            &t,
            "ssh",
            &Event::Start,
            ban().ts,
            &sender(),
            &Extras::default(),
        );
        assert_eq!(r.subject, "[Fail2Ban] ssh: started on web1");
        assert!(String::from_utf8(r.body)
            .unwrap()
            .contains("The jail ssh has been started successfully."));
    }
}
