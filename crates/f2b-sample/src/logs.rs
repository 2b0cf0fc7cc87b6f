//! Log lines as the `*-lines` actions paste them (`grep IP logfile`): what the
//! daemon behind each jail writes when someone fails to log in.

use std::fmt::Write;

use crate::rng::Rng;
use crate::time::{self, Ts, Zone};

/// Which daemon's log a jail watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    /// OpenSSH `sshd`.
    Sshd,
    /// ProFTPD.
    Proftpd,
    /// vsftpd (through PAM).
    Vsftpd,
    /// Pure-FTPd.
    PureFtpd,
    /// Postfix `smtpd` SASL failures.
    Sasl,
    /// Postfix `smtpd` rejects.
    Postfix,
    /// Dovecot logins.
    Dovecot,
    /// Courier IMAP logins.
    Courier,
    /// Apache error log, basic-auth failures.
    ApacheAuth,
    /// Apache access log, bad user agents.
    ApacheBots,
    /// nginx or Apache access log, login-page hammering.
    WebLogin,
    /// BIND `named` refused queries.
    Named,
    /// Asterisk SIP registrations.
    Asterisk,
    /// MySQL access denied.
    Mysql,
    /// Fail2Ban's own log (the recidive jail).
    Recidive,
}

impl LogKind {
    /// The log file the jail watches (Debian or Red Hat spelling).
    pub fn logpath(self, redhat: bool) -> &'static str {
        match self {
            LogKind::Sshd if redhat => "/var/log/secure",
            LogKind::Sshd => "/var/log/auth.log",
            LogKind::Proftpd => "/var/log/proftpd/proftpd.log",
            LogKind::Vsftpd if redhat => "/var/log/secure",
            LogKind::Vsftpd => "/var/log/vsftpd.log",
            LogKind::PureFtpd => "/var/log/messages",
            LogKind::Sasl | LogKind::Postfix if redhat => "/var/log/maillog",
            LogKind::Sasl | LogKind::Postfix | LogKind::Dovecot | LogKind::Courier => {
                "/var/log/mail.log"
            }
            LogKind::ApacheAuth if redhat => "/var/log/httpd/error_log",
            LogKind::ApacheAuth => "/var/log/apache2/error.log",
            LogKind::ApacheBots | LogKind::WebLogin if redhat => "/var/log/httpd/access_log",
            LogKind::ApacheBots | LogKind::WebLogin => "/var/log/apache2/access.log",
            LogKind::Named => "/var/log/named/security.log",
            LogKind::Asterisk => "/var/log/asterisk/messages",
            LogKind::Mysql => "/var/log/mysqld.log",
            LogKind::Recidive => "/var/log/fail2ban.log",
        }
    }
}

const USERS: &[&str] = &[
    "root",
    "admin",
    "test",
    "oracle",
    "postgres",
    "guest",
    "user",
    "nagios",
    "mysql",
    "ftpuser",
    "www-data",
    "ubuntu",
    "pi",
    "git",
    "tomcat",
    "webmaster",
    "info",
    "support",
    "sales",
    "backup",
    "alex",
    "michael",
    "john",
    "david",
    "web",
    "teamspeak",
    "minecraft",
    "ts3",
    "jboss",
    "hadoop",
];

/// What the lines are about.
pub struct LogContext<'a> {
    /// The attacker address as the daemon logs it.
    pub ip: &'a str,
    /// The server's syslog host name.
    pub host: &'a str,
    /// The server's private address (dovecot `lip=`).
    pub lan_ip: &'a str,
    /// The server's zone.
    pub zone: Zone,
    /// Time of the ban (the last failure is just before it).
    pub ban: Ts,
    /// How many lines to write.
    pub count: u32,
}

/// Appends the matching log lines, oldest first, each ending in `\n`.
pub fn push_lines(out: &mut String, kind: LogKind, ctx: &LogContext<'_>, rng: &mut Rng) {
    let count = ctx.count.clamp(1, 12);
    let mut t = ctx.ban - rng.range(1, 4);
    let mut times: Vec<Ts> = (0..count)
        .map(|_| {
            let this = t;
            t -= rng.range(1, 40);
            this
        })
        .collect();
    times.reverse();
    let pid = rng.range(1000, 32_000);
    let ip = ctx.ip;
    let host = ctx.host;
    for (i, &ts) in times.iter().enumerate() {
        let local = ctx.zone.local(ts);
        let stamp = time::syslog(&local);
        let user = rng.pick(USERS);
        let port = rng.range(1024, 65_000);
        let _ = match kind {
            LogKind::Sshd => {
                let p = pid + i as i64 * rng.range(0, 3);
                if user == "root" {
                    writeln!(
                        out,
                        "{stamp} {host} sshd[{p}]: Failed password for root from {ip} port {port} ssh2"
                    )
                } else if rng.chance(0.5) {
                    writeln!(out, "{stamp} {host} sshd[{p}]: Invalid user {user} from {ip}")
                        .and_then(|_| {
                            writeln!(
                                out,
                                "{stamp} {host} sshd[{p}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}"
                            )
                        })
                } else {
                    writeln!(
                        out,
                        "{stamp} {host} sshd[{p}]: Failed password for invalid user {user} from {ip} port {port} ssh2"
                    )
                }
            }
            LogKind::Proftpd => writeln!(
                out,
                "{stamp} {host} proftpd[{pid}]: {host} ({ip}[{ip}]) - USER {user} (Login failed): Incorrect password."
            ),
            LogKind::Vsftpd => writeln!(
                out,
                "{stamp} {host} vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser={user} rhost={ip}"
            ),
            LogKind::PureFtpd => writeln!(
                out,
                "{stamp} {host} pure-ftpd: (?@{ip}) [WARNING] Authentication failed for user [{user}]"
            ),
            LogKind::Sasl => writeln!(
                out,
                "{stamp} {host} postfix/smtpd[{pid}]: warning: unknown[{ip}]: SASL LOGIN authentication failed: authentication failure"
            ),
            LogKind::Postfix => writeln!(
                out,
                "{stamp} {host} postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 <{user}@example.net>: Relay access denied; from=<{user}@{host}> to=<{user}@example.net> proto=ESMTP helo=<{ip}>"
            ),
            LogKind::Dovecot => writeln!(
                out,
                "{stamp} {host} dovecot: pop3-login: Aborted login (auth failed, 1 attempts): user=<{user}>, method=PLAIN, rip={ip}, lip={}",
                ctx.lan_ip
            ),
            LogKind::Courier => writeln!(
                out,
                "{stamp} {host} imapd: LOGIN FAILED, user={user}, ip=[{ip}]"
            ),
            LogKind::ApacheAuth => {
                let c = local.civil;
                writeln!(
                    out,
                    "[{} {} {:02} {:02}:{:02}:{:02} {}] [error] [client {ip}] user {user}: authentication failure for \"/admin/\": Password Mismatch",
                    c.weekday_name(),
                    c.month_name(),
                    c.day,
                    c.hour,
                    c.min,
                    c.sec,
                    c.year
                )
            }
            LogKind::ApacheBots | LogKind::WebLogin => {
                let c = local.civil;
                let sign = if local.offset < 0 { '-' } else { '+' };
                let off = local.offset.unsigned_abs();
                let (request, agent) = if kind == LogKind::ApacheBots {
                    ("GET /contact.html HTTP/1.1", "EmailCollector/1.0")
                } else {
                    ("POST /wp-login.php HTTP/1.0", "Mozilla/5.0 (Windows NT 6.1; rv:19.0) Gecko/20100101 Firefox/19.0")
                };
                writeln!(
                    out,
                    "{ip} - - [{:02}/{}/{}:{:02}:{:02}:{:02} {sign}{:02}{:02}] \"{request}\" 200 {} \"-\" \"{agent}\"",
                    c.day,
                    c.month_name(),
                    c.year,
                    c.hour,
                    c.min,
                    c.sec,
                    off / 3600,
                    off / 60 % 60,
                    rng.range(200, 9000)
                )
            }
            LogKind::Named => writeln!(
                out,
                "{stamp} {host} named[{pid}]: client {ip}#{port}: query (cache) 'isc.org/ANY/IN' denied"
            ),
            LogKind::Asterisk => writeln!(
                out,
                "[{stamp}] NOTICE[{pid}] chan_sip.c: Registration from '\"{port}\"<sip:{port}@{}>' failed for '{ip}' - Wrong password",
                ctx.lan_ip
            ),
            LogKind::Mysql => {
                let c = local.civil;
                writeln!(
                    out,
                    "{:02}{:02}{:02} {:2}:{:02}:{:02} [Warning] Access denied for user '{user}'@'{ip}' (using password: YES)",
                    c.year % 100,
                    c.month,
                    c.day,
                    c.hour,
                    c.min,
                    c.sec
                )
            }
            LogKind::Recidive => {
                let c = local.civil;
                writeln!(
                    out,
                    "{}-{:02}-{:02} {:02}:{:02}:{:02},{:03} fail2ban.actions: WARNING [ssh] Ban {ip}",
                    c.year,
                    c.month,
                    c.day,
                    c.hour,
                    c.min,
                    c.sec,
                    rng.below(1000)
                )
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_names_the_attacker() {
        let kinds = [
            LogKind::Sshd,
            LogKind::Proftpd,
            LogKind::Vsftpd,
            LogKind::PureFtpd,
            LogKind::Sasl,
            LogKind::Postfix,
            LogKind::Dovecot,
            LogKind::Courier,
            LogKind::ApacheAuth,
            LogKind::ApacheBots,
            LogKind::WebLogin,
            LogKind::Named,
            LogKind::Asterisk,
            LogKind::Mysql,
            LogKind::Recidive,
        ];
        let mut rng = Rng::new(1);
        for kind in kinds {
            let mut out = String::new();
            let ctx = LogContext {
                ip: "203.0.113.7",
                host: "web1",
                lan_ip: "10.0.0.5",
                zone: time::zone_named("Europe/Berlin"),
                ban: time::timestamp(2011, 7, 4, 10, 34, 56),
                count: 3,
            };
            push_lines(&mut out, kind, &ctx, &mut rng);
            assert!(out.lines().count() >= 3, "{kind:?}: {out}");
            assert!(
                out.lines().all(|l| l.contains("203.0.113.7")),
                "{kind:?}: {out}"
            );
        }
    }
}
