//! The world the mail comes from: reporting servers (each with its Fail2Ban
//! version and action, jails, MTA, zone and address), the smarthosts some of
//! them relay through, the attackers they ban, and the timeline of the
//! collecting mailbox (active periods, multi-week gaps when it was full, a
//! daily rhythm).
//!
//! Everything is drawn from the seed once, before any message is written.

use std::net::{IpAddr, Ipv4Addr};

use crate::bounces::Mta;
use crate::encode::Cte;
use crate::networks::{Prefix, SampleNetworks};
use crate::rng::{Popularity, Rng, Weighted};
use crate::templates::{self, Action, Era, Jail, Template};
use crate::time::{self, Ts, Zone, DAY, HOUR};
use crate::whois::{WhoisBook, WhoisSize};

/// Probabilities of the features that vary between servers and messages.
#[derive(Clone, Debug, PartialEq)]
pub struct Rates {
    /// Servers whose copies come back quoted-printable.
    pub qp: f64,
    /// Servers whose copies come back base64.
    pub base64: f64,
    /// Servers whose copies come back as a base64 `application/octet-stream` body.
    pub octet: f64,
    /// Messages stored with CRLF line endings.
    pub crlf: f64,
    /// Attackers with IPv6 addresses.
    pub ipv6: f64,
    /// Servers whose daemons log IPv4 as `::ffff:a.b.c.d`.
    pub mapped: f64,
    /// Attackers outside the sample networks (unresolved by the data files).
    pub unresolved: f64,
    /// Whois blocks with accented text written in ISO-8859-1.
    pub latin1: f64,
    /// Whois reports with a line of 1,000+ characters.
    pub long_lines: f64,
    /// Messages without the collecting provider's `Received:` header.
    pub no_provider: f64,
    /// Messages with a collector-side fetchmail `Received:` on top.
    pub fetchmail: f64,
    /// Copies without an MTA-added `Date:` (dated by `Received:` only).
    pub no_date: f64,
    /// Copies without `Message-Id:`.
    pub no_msgid: f64,
    /// Servers with a content filter (an extra local hop).
    pub amavis: f64,
    /// 0.10+ servers without a whois program.
    pub missing_whois: f64,
}

impl Default for Rates {
    fn default() -> Rates {
        Rates {
            qp: 0.06,
            base64: 0.04,
            octet: 0.01,
            crlf: 0.03,
            ipv6: 0.02,
            mapped: 0.03,
            unresolved: 0.05,
            latin1: 0.5,
            long_lines: 0.03,
            no_provider: 0.02,
            fetchmail: 0.03,
            no_date: 0.02,
            no_msgid: 0.01,
            amavis: 0.15,
            missing_whois: 0.15,
        }
    }
}

impl Rates {
    /// Sets the rate called `name`; false when there is no such rate.
    pub fn set(&mut self, name: &str, value: f64) -> bool {
        let slot = match name {
            "qp" => &mut self.qp,
            "base64" => &mut self.base64,
            "octet" => &mut self.octet,
            "crlf" => &mut self.crlf,
            "ipv6" => &mut self.ipv6,
            "mapped" => &mut self.mapped,
            "unresolved" => &mut self.unresolved,
            "latin1" => &mut self.latin1,
            "long-lines" => &mut self.long_lines,
            "no-provider" => &mut self.no_provider,
            "fetchmail" => &mut self.fetchmail,
            "no-date" => &mut self.no_date,
            "no-msgid" => &mut self.no_msgid,
            "amavis" => &mut self.amavis,
            "missing-whois" => &mut self.missing_whois,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// The names [`Rates::set`] accepts.
    pub const NAMES: &'static [&'static str] = &[
        "qp",
        "base64",
        "octet",
        "crlf",
        "ipv6",
        "mapped",
        "unresolved",
        "latin1",
        "long-lines",
        "no-provider",
        "fetchmail",
        "no-date",
        "no-msgid",
        "amavis",
        "missing-whois",
    ];
}

/// What the world is built from.
#[derive(Clone, Debug)]
pub struct WorldSpec {
    /// The seed.
    pub seed: u64,
    /// Number of reporting servers.
    pub reporters: usize,
    /// Size of the attacker pool.
    pub attackers: usize,
    /// First day of reports.
    pub start: Ts,
    /// Last day of reports (inclusive).
    pub end: Ts,
    /// MTA weights: `postfix`, `exim`, `sendmail`, `qmail`, `courier`, and
    /// `relay` (the share of servers whose bounces a smarthost writes).
    pub mtas: Vec<(String, f64)>,
    /// Template family weights, named as in [`templates::FAMILIES`].
    pub templates: Vec<(String, f64)>,
    /// Feature rates.
    pub rates: Rates,
    /// Whois length.
    pub whois: WhoisSize,
}

/// A server that runs Fail2Ban and mails its reports.
#[derive(Clone, Debug)]
pub struct Reporter {
    /// The name its MTA uses (`Received: by`, Message-Id, MAILER-DAEMON), lower case.
    pub host: String,
    /// What `uname -n` prints (0.9 subjects).
    pub uname: String,
    /// The syslog host name.
    pub short: String,
    /// Its public address (the provider's header names it).
    pub public_ip: IpAddr,
    /// Reverse DNS of that address; `None` prints as `unknown`.
    pub rdns: Option<String>,
    /// What it says in HELO.
    pub helo: String,
    /// Its address on its own network.
    pub lan_ip: Ipv4Addr,
    /// Its MTA.
    pub mta: Mta,
    /// Version text of its MTA.
    pub mta_version: &'static str,
    /// Its zone.
    pub zone: Zone,
    /// Its Fail2Ban version and mail action.
    pub template: Template,
    /// Its jails, the first the busiest.
    pub jails: Vec<Jail>,
    /// The smarthost it relays through, index into [`World::relays`].
    pub relay: Option<usize>,
    /// Its daemons log IPv4 clients as `::ffff:a.b.c.d`.
    pub mapped_v4: bool,
    /// Red Hat style log paths and Heirloom mailx.
    pub redhat: bool,
    /// It runs a content filter.
    pub amavis: bool,
    /// How its copies come back encoded.
    pub cte: Cte,
    /// It has no whois program (0.10+).
    pub missing_whois: bool,
}

impl Reporter {
    /// The name the ground truth gives it (SPEC's order of trust: the 0.9+
    /// subject's `from HOST` first, else the MTA's own name).
    pub fn truth_host(&self) -> &str {
        match self.template.era {
            Era::V09 => &self.uname,
            Era::V10 => &self.host,
            Era::V08 => &self.host,
        }
    }
}

/// A smarthost: an ISP's or company's mail relay.
#[derive(Clone, Debug)]
pub struct Relay {
    /// Its name.
    pub host: String,
    /// Its public address.
    pub ip: IpAddr,
    /// Its reverse DNS.
    pub rdns: Option<String>,
    /// Its MTA.
    pub mta: Mta,
    /// Version text.
    pub mta_version: &'static str,
    /// Its zone.
    pub zone: Zone,
    /// True for a company relay on the servers' own LAN: it sees private addresses.
    pub lan: bool,
}

/// An attacking address.
#[derive(Clone, Copy, Debug)]
pub struct Attacker {
    /// The address.
    pub ip: IpAddr,
    /// Its `geo.csv` row, when inside the sample networks.
    pub geo: Option<usize>,
    /// Its `asn.csv` row.
    pub asn: Option<usize>,
}

/// When reports can happen: active days with weights, and the gaps.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// First instant.
    pub start: Ts,
    /// Last instant.
    pub end: Ts,
    /// Periods the collecting mailbox was full: nothing arrived.
    pub gaps: Vec<(Ts, Ts)>,
    days: Vec<Ts>,
    weights: Popularity,
    hours: Popularity,
}

/// When the collected volume peaked: Fail2Ban 0.8.5 (mid-2011) stopped
/// shipping `you@mail.com`, so new installations stopped bouncing to the
/// collector while old ones went on for years.
const PEAK: Ts = 1_305_417_600; // 2011-05-15

/// Relative report volume on a day: rising to the peak, then a long tail.
fn volume(ts: Ts) -> f64 {
    let years = (ts - PEAK) as f64 / (365.0 * DAY as f64);
    if years < 0.0 {
        (1.0 - years / 1.5).powf(-2.0)
    } else {
        (1.0 + years / 1.2).powf(-1.5)
    }
}

/// Relative report volume per UTC hour: busiest in Asia's working day and
/// the American evening.
const HOUR_WEIGHTS: [f64; 24] = [
    1.05, 1.15, 1.25, 1.3, 1.3, 1.25, 1.2, 1.1, 1.0, 0.95, 0.9, 0.85, 0.8, 0.85, 0.9, 1.0, 1.05,
    1.1, 1.1, 1.05, 1.0, 0.95, 0.95, 1.0,
];

impl Timeline {
    /// A timeline over `[start, end]` (whole days).
    pub fn new(start: Ts, end: Ts, rng: &mut Rng) -> Timeline {
        let first = start.div_euclid(DAY);
        let last = end.div_euclid(DAY).max(first);
        let span = last - first + 1;
        let mut gaps = Vec::new();
        if span > 120 {
            let mut t = first + rng.range(25, 90);
            while t < last - 20 {
                let len = rng.range(14, 49);
                let gap_end = (t + len).min(last - 10);
                if gap_end > t {
                    gaps.push((t * DAY, gap_end * DAY));
                }
                t = gap_end + rng.range(30, 120);
            }
        }
        let mut days = Vec::new();
        let mut weights = Vec::new();
        for day in first..=last {
            let ts = day * DAY;
            if gaps.iter().any(|&(a, b)| ts >= a && ts < b) {
                continue;
            }
            let trend = volume(ts);
            let weekend = if matches!(time::Civil::of(ts).weekday, 0 | 6) {
                0.9
            } else {
                1.0
            };
            let burst = if rng.chance(0.04) {
                rng.range(2, 4) as f64
            } else {
                1.0
            };
            days.push(ts);
            weights.push(trend * weekend * burst * (0.8 + 0.4 * rng.unit()));
        }
        Timeline {
            start: first * DAY,
            end: last * DAY + DAY - 1,
            gaps,
            days,
            weights: Popularity::from_weights(weights),
            hours: Popularity::from_weights(HOUR_WEIGHTS),
        }
    }

    /// A report time: an active day, an hour by the daily rhythm, any second.
    pub fn sample(&self, rng: &mut Rng) -> Ts {
        let day = self.days[self.weights.pick(rng)];
        day + self.hours.pick(rng) as Ts * HOUR + rng.range(0, 3599)
    }

    /// True when mail arriving at `ts` would have been kept (not in a gap,
    /// not after the end).
    pub fn accepts(&self, ts: Ts) -> bool {
        ts >= self.start
            && ts <= self.end + 2 * DAY
            && !self.gaps.iter().any(|&(a, b)| ts >= a && ts < b)
    }
}

/// The whole cast.
pub struct World {
    /// The sample networks.
    pub nets: SampleNetworks,
    /// Reporting servers.
    pub reporters: Vec<Reporter>,
    /// Smarthosts.
    pub relays: Vec<Relay>,
    /// The attacker pool.
    pub attackers: Vec<Attacker>,
    /// Timeline of the collecting mailbox.
    pub timeline: Timeline,
    /// Whois blocks.
    pub whois: WhoisBook,
    /// Feature rates.
    pub rates: Rates,
    /// Whois length.
    pub whois_size: WhoisSize,
    reporter_rank: Popularity,
    attacker_rank: Popularity,
}

/// Hosting providers' AS numbers with the share of servers they host.
const HOSTERS: &[(u32, f64)] = &[
    (24940, 14.0),
    (16276, 14.0),
    (8560, 8.0),
    (6724, 5.0),
    (20773, 3.0),
    (12876, 4.0),
    (16265, 3.0),
    (36351, 6.0),
    (14618, 5.0),
    (16509, 2.0),
    (63949, 4.0),
    (6939, 1.0),
    (33070, 3.0),
    (26496, 3.0),
    (21844, 3.0),
    (20473, 1.0),
    (62567, 1.0),
    (26347, 1.0),
    (36352, 1.0),
    (32613, 1.0),
    (31034, 2.0),
    (20712, 0.5),
    (29182, 1.0),
    (9371, 1.0),
    (27715, 1.0),
];

/// Access networks whose customers run servers at home or in the office.
const ACCESS: &[u32] = &[
    3320, 7922, 3215, 12322, 2856, 3265, 1136, 3269, 3352, 5617, 701, 22773, 7018,
];

/// Attack volume by country (share of attackers).
const ATTACK_COUNTRIES: &[(&str, f64)] = &[
    ("CN", 34.0),
    ("US", 11.0),
    ("KR", 6.0),
    ("BR", 5.0),
    ("RU", 5.0),
    ("IN", 5.0),
    ("TW", 4.0),
    ("DE", 3.5),
    ("VN", 3.0),
    ("FR", 2.5),
    ("JP", 2.0),
    ("TR", 2.0),
    ("IT", 1.5),
    ("GB", 1.5),
    ("RO", 1.5),
    ("UA", 1.5),
    ("TH", 1.2),
    ("ID", 1.2),
    ("AR", 1.0),
    ("CO", 1.0),
    ("MX", 1.0),
    ("NL", 1.0),
    ("PL", 1.0),
    ("ES", 1.0),
    ("IR", 0.8),
    ("HK", 0.8),
    ("CA", 0.8),
    ("PK", 0.6),
    ("EG", 0.6),
    ("SG", 0.5),
    ("AU", 0.5),
    ("CL", 0.5),
    ("VE", 0.5),
    ("MY", 0.5),
    ("PH", 0.5),
    ("PE", 0.4),
    ("ZA", 0.4),
    ("SA", 0.4),
    ("CZ", 0.4),
    ("BG", 0.4),
    ("KZ", 0.4),
    ("IL", 0.3),
    ("HU", 0.3),
    ("GR", 0.3),
    ("SE", 0.3),
    ("BY", 0.3),
    ("CH", 0.2),
];

const SYLLABLES: &[&str] = &[
    "ber", "zen", "vio", "bel", "nex", "kor", "tal", "mar", "lin", "dor", "fel", "gar", "hil",
    "jor", "kas", "lum", "mer", "nor", "pel", "ros", "sil", "tor", "val", "wen", "zel", "bra",
    "cro", "dra", "fla", "glo", "pra", "stra", "tri", "vox", "zin", "ka", "lo", "mi", "ra", "to",
    "ve", "no", "sa", "qui", "fen", "hal", "ost", "wal", "rin", "tek",
];
const WORDS: &[&str] = &[
    "net", "web", "media", "host", "it", "data", "soft", "systems", "design", "music", "info",
    "tech", "online", "works", "studio", "consult", "labs", "cloud", "server", "digital",
];
const LABELS: &[&str] = &[
    "www", "web1", "web2", "mail", "srv01", "srv2", "server1", "host", "vps", "ns1", "ns2",
    "node1", "box", "alpha", "bravo", "voyager", "falcon", "nova", "orion", "atlas", "zeus",
    "apollo", "hermes", "mars", "titan", "luna", "sol", "gandalf", "bilbo", "frodo", "neo",
    "trinity", "morpheus", "dev", "backup", "db1", "gw", "fw", "kermit", "homer", "bart",
];

fn tld(country: &str, rng: &mut Rng) -> String {
    if rng.chance(0.35) {
        return (rng.pick(&["com", "net", "org", "eu", "info", "biz"])).to_string();
    }
    match country {
        "US" => (rng.pick(&["com", "net", "org", "us"])).to_string(),
        "GB" => "co.uk".into(),
        "BR" => "com.br".into(),
        "AU" => "com.au".into(),
        "JP" => "jp".into(),
        "" => "com".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn domain(country: &str, rng: &mut Rng) -> String {
    let mut name = String::new();
    for _ in 0..rng.range(2, 3) {
        name.push_str(rng.pick(SYLLABLES));
    }
    if rng.chance(0.35) {
        name.push('-');
        name.push_str(rng.pick(WORDS));
    }
    format!("{name}.{}", tld(country, rng))
}

/// Names servers of a hosting provider get by default.
fn provider_name(asn: u32, ip: IpAddr, rng: &mut Rng) -> Option<String> {
    let o = match ip {
        IpAddr::V4(v4) => v4.octets(),
        IpAddr::V6(_) => [0, 0, 0, 0],
    };
    Some(match asn {
        24940 => (rng.pick(&[
            "debian-60-squeeze-64-minimal",
            "ubuntu-1004-lucid-64-minimal",
            "ubuntu-1204-precise-64-minimal",
            "centos-55-64-minimal",
        ]))
        .to_string(),
        16276 => {
            if rng.chance(0.5) {
                format!("ns{}.ovh.net", rng.range(300_000, 4_000_000))
            } else {
                format!("ks{}.kimsufi.com", rng.range(20_000, 400_000))
            }
        }
        8560 => format!(
            "s{}.onlinehome-server.info",
            rng.range(15_000_000, 19_999_999)
        ),
        6724 => format!("h{}.stratoserver.net", rng.range(1_000_000, 2_999_999)),
        12876 => format!("sd-{}.dedibox.fr", rng.range(10_000, 60_000)),
        14618 | 16509 => format!("ip-10-{}-{}-{}.ec2.internal", rng.range(0, 255), o[2], o[3]),
        63949 => format!("li{}-{}.members.linode.com", rng.range(100, 999), o[3]),
        _ => return None,
    })
}

/// Reverse DNS of a server address, in the provider's pattern.
fn provider_rdns(asn: u32, ip: IpAddr, rng: &mut Rng) -> Option<String> {
    let IpAddr::V4(v4) = ip else { return None };
    let [a, b, c, d] = v4.octets();
    Some(match asn {
        24940 => format!("static.{d}.{c}.{b}.{a}.clients.your-server.de"),
        16276 => format!("ns{}.ip-{a}-{b}-{c}.eu", rng.range(3_000_000, 4_000_000)),
        8560 => format!(
            "s{}.onlinehome-server.info",
            rng.range(15_000_000, 19_999_999)
        ),
        6724 => format!("h{}.stratoserver.net", rng.range(1_000_000, 2_999_999)),
        12876 => format!("{d}-{c}-{b}-{a}.rev.poneytelecom.eu"),
        14618 => format!("ec2-{a}-{b}-{c}-{d}.compute-1.amazonaws.com"),
        16509 => format!("ec2-{a}-{b}-{c}-{d}.ap-southeast-1.compute.amazonaws.com"),
        36351 => format!("{d:x}.{c:x}.{a:x}{b:x}.ip4.static.sl-reverse.com"),
        21844 => format!("{d:x}.{c:x}.{a:x}{b:x}.static.theplanet.com"),
        63949 => format!("li{}-{d}.members.linode.com", rng.range(100, 999)),
        16265 => "hosted-by.leaseweb.com".into(),
        26496 => format!("ip-{a}-{b}-{c}-{d}.ip.secureserver.net"),
        33070 => format!("{d}-{c}-{b}-{a}.static.cloud-ips.com"),
        3320 => format!("p{:08X}.dip0.t-ipconnect.de", u32::from(v4) ^ 0x5a5a),
        7922 => format!("c-{a}-{b}-{c}-{d}.hsd1.ma.comcast.net"),
        _ => return None,
    })
}

/// The zone a server in `country`/`region` most likely runs in.
fn zone_for(country: &str, region: &str, rng: &mut Rng) -> Zone {
    let name = if rng.chance(0.35) {
        "UTC"
    } else {
        match country {
            "DE" | "FR" | "NL" | "IT" | "ES" | "PL" | "CZ" | "SE" | "CH" | "HU" | "AT" => {
                "Europe/Berlin"
            }
            "GB" => "Europe/London",
            "PT" => "Europe/Lisbon",
            "RO" | "UA" | "BG" | "GR" => "Europe/Bucharest",
            "RU" | "BY" => "Europe/Moscow",
            "US" => match region {
                "TX" | "IL" => "America/Chicago",
                "AZ" => "America/Phoenix",
                "CA" | "WA" => "America/Los_Angeles",
                "UT" | "CO" => "America/Denver",
                _ => "America/New_York",
            },
            "CA" => "America/New_York",
            "BR" => "America/Sao_Paulo",
            "JP" => "Asia/Tokyo",
            "KR" => "Asia/Seoul",
            "HK" => "Asia/Hong_Kong",
            "SG" => "Asia/Singapore",
            "AU" => "Australia/Sydney",
            _ => "UTC",
        }
    };
    time::zone_named(name)
}

/// A random public IPv4 address outside every sample network and every
/// special-purpose range; when tables cover (nearly) the whole space, after
/// [`OUTSIDE_TRIES`] tries, a public address inside them (it then resolves).
fn outside_address(nets: &SampleNetworks, rng: &mut Rng) -> IpAddr {
    const SPECIAL: &[&str] = &[
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/3",
    ];
    let special: Vec<Prefix> = SPECIAL.iter().filter_map(|s| s.parse().ok()).collect();
    let mut inside = None;
    for _ in 0..OUTSIDE_TRIES {
        let candidate = IpAddr::V4(Ipv4Addr::from(rng.next_u64() as u32));
        let host = candidate.to_string();
        if host.ends_with(".0") || host.ends_with(".255") {
            continue;
        }
        if !special.iter().any(|p| p.contains(candidate)) {
            if !nets.covers(candidate) {
                return candidate;
            }
            inside = Some(candidate);
        }
    }
    inside.unwrap_or(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)))
}

/// Random addresses tried before [`outside_address`] settles for one inside
/// the tables: the embedded sample's tables cover a small part of the space,
/// where the first few tries succeed.
const OUTSIDE_TRIES: usize = 1_000;

fn lan_address(rng: &mut Rng) -> Ipv4Addr {
    match rng.below(3) {
        0 => Ipv4Addr::new(192, 168, rng.range(0, 10) as u8, rng.range(2, 250) as u8),
        1 => Ipv4Addr::new(
            10,
            rng.range(0, 255) as u8,
            rng.range(0, 255) as u8,
            rng.range(2, 250) as u8,
        ),
        _ => Ipv4Addr::new(
            172,
            rng.range(16, 31) as u8,
            rng.range(0, 255) as u8,
            rng.range(2, 250) as u8,
        ),
    }
}

fn weight_of(table: &[(String, f64)], name: &str) -> f64 {
    table
        .iter()
        .find(|(n, _)| n == name)
        .map_or(0.0, |(_, w)| *w)
}

/// Default MTA weights (with `relay` the share of relayed servers).
pub const MTA_WEIGHTS: &[(&str, f64)] = &[
    ("postfix", 38.0),
    ("exim", 24.0),
    ("sendmail", 22.0),
    ("qmail", 11.0),
    ("courier", 5.0),
    ("relay", 8.0),
];

impl World {
    /// Builds the world from the spec and the sample networks.
    pub fn build(spec: &WorldSpec, nets: SampleNetworks) -> World {
        let seed = spec.seed;
        let mut rng = Rng::derive(seed, "timeline", 0);
        let timeline = Timeline::new(spec.start, spec.end, &mut rng);
        let whois = WhoisBook::build(&nets, seed, spec.rates.latin1);

        // Networks where servers live.
        let mut hoster_nets: Vec<(usize, f64)> = Vec::new();
        let mut access_nets: Vec<usize> = Vec::new();
        for (i, row) in nets.asn.iter().enumerate() {
            if row.net.v6 || nets.geo_of(row.net.addr()).is_none() {
                continue;
            }
            let asn = row.first_origin();
            if let Some((_, w)) = HOSTERS.iter().find(|(a, _)| *a == asn) {
                hoster_nets.push((i, *w));
            } else if ACCESS.contains(&asn) {
                access_nets.push(i);
            }
        }
        // Spread each provider's weight over its networks.
        let per_provider: Vec<(usize, f64)> = hoster_nets
            .iter()
            .map(|&(i, w)| {
                let asn = nets.asn[i].first_origin();
                let count = hoster_nets
                    .iter()
                    .filter(|(j, _)| nets.asn[*j].first_origin() == asn)
                    .count();
                (i, w / count as f64)
            })
            .collect();
        let hoster_table = Weighted::new(per_provider);

        let mut rng = Rng::derive(seed, "relays", 0);
        let relay_count = (spec.reporters / 40).clamp(5, 200);
        let relays: Vec<Relay> = (0..relay_count)
            .map(|_| make_relay(&nets, &hoster_table, &access_nets, &mut rng))
            .collect();

        let mta_table = Weighted::new(
            [
                Mta::Postfix,
                Mta::Exim,
                Mta::Sendmail,
                Mta::Qmail,
                Mta::Courier,
            ]
            .into_iter()
            .map(|m| (m, weight_of(&spec.mtas, m.name()))),
        );
        let mta_total: f64 = spec.mtas.iter().map(|(_, w)| *w).sum();
        let relay_share = if mta_total > 0.0 {
            weight_of(&spec.mtas, "relay") / mta_total
        } else {
            0.0
        };
        let template_table = Weighted::new(
            templates::FAMILIES
                .iter()
                .map(|&(name, era, action, _)| ((era, action), weight_of(&spec.templates, name))),
        );

        let mut rng = Rng::derive(seed, "reporters", 0);
        let mut reporters = Vec::with_capacity(spec.reporters);
        for _ in 0..spec.reporters.max(1) {
            reporters.push(make_reporter(
                spec,
                &nets,
                &hoster_table,
                &access_nets,
                &mta_table,
                relay_share,
                relay_count,
                &template_table,
                &mut rng,
            ));
        }

        let mut rng = Rng::derive(seed, "attackers", 0);
        let attackers = make_attackers(&nets, spec.attackers.max(1), &spec.rates, &mut rng);

        World {
            reporter_rank: Popularity::new(reporters.len(), 5.0, 0.85),
            attacker_rank: Popularity::new(attackers.len(), 8.0, 1.05),
            nets,
            reporters,
            relays,
            attackers,
            timeline,
            whois,
            rates: spec.rates.clone(),
            whois_size: spec.whois,
        }
    }

    /// A reporting server, busy ones more often, that satisfies `fits`.
    pub fn pick_reporter(&self, rng: &mut Rng, fits: impl Fn(&Reporter) -> bool) -> Option<usize> {
        (0..200)
            .map(|_| self.reporter_rank.pick(rng))
            .find(|&i| fits(&self.reporters[i]))
    }

    /// An attacker, the persistent ones more often.
    pub fn pick_attacker(&self, rng: &mut Rng) -> usize {
        self.attacker_rank.pick(rng)
    }

    /// The MTA that writes the reporter's bounces (its relay's, if it relays).
    pub fn bouncer(&self, reporter: &Reporter) -> Mta {
        reporter.relay.map_or(reporter.mta, |r| self.relays[r].mta)
    }
}

fn pick_server_net(
    nets: &SampleNetworks,
    hosters: &Weighted<usize>,
    access: &[usize],
    rng: &mut Rng,
) -> (IpAddr, Option<usize>) {
    let roll = rng.unit();
    if roll < 0.08 {
        return (outside_address(nets, rng), None);
    }
    // Tables from `--from` may have no hosting (or no access) networks.
    let row = if (roll < 0.20 || hosters.is_empty()) && !access.is_empty() {
        rng.pick(access)
    } else if !hosters.is_empty() {
        *hosters.pick(rng)
    } else {
        return (outside_address(nets, rng), None);
    };
    let ip = nets.asn[row].net.random_host(rng);
    (ip, Some(row))
}

fn make_relay(
    nets: &SampleNetworks,
    hosters: &Weighted<usize>,
    access: &[usize],
    rng: &mut Rng,
) -> Relay {
    let (ip, row) = pick_server_net(nets, hosters, access, rng);
    let country = nets.geo_of(ip).map_or("", |g| nets.geo[g].country.as_str());
    let dom = domain(country, rng);
    let mta = *Weighted::new([
        (Mta::Postfix, 40.0),
        (Mta::Exim, 25.0),
        (Mta::Exchange, 20.0),
        (Mta::Sendmail, 15.0),
    ])
    .pick(rng);
    let host = match mta {
        Mta::Exchange => format!("exch{:02}.corp.{dom}", rng.range(1, 3)),
        _ => format!(
            "{}.{dom}",
            rng.pick(&["smtp", "mail", "relay", "mx1", "smtp-out", "mailgw"])
        ),
    };
    let asn = row.map_or(0, |r| nets.asn[r].first_origin());
    let rdns = if rng.chance(0.6) {
        Some(host.clone())
    } else {
        provider_rdns(asn, ip, rng)
    };
    Relay {
        host,
        ip,
        rdns,
        mta,
        mta_version: match mta {
            Mta::Exim => rng.pick(&["4.72", "4.76", "4.80"]),
            Mta::Sendmail => rng.pick(&["8.14.3/8.14.3", "8.14.4/8.14.4"]),
            _ => "",
        },
        zone: zone_for(country, "", rng),
        lan: mta == Mta::Exchange && rng.chance(0.7),
    }
}

#[allow(clippy::too_many_arguments)]
fn make_reporter(
    spec: &WorldSpec,
    nets: &SampleNetworks,
    hosters: &Weighted<usize>,
    access: &[usize],
    mta_table: &Weighted<Mta>,
    relay_share: f64,
    relay_count: usize,
    template_table: &Weighted<(Era, Action)>,
    rng: &mut Rng,
) -> Reporter {
    let rates = &spec.rates;
    let (public_ip, row) = pick_server_net(nets, hosters, access, rng);
    let geo = nets.geo_of(public_ip).map(|g| &nets.geo[g]);
    let country = geo.map_or("", |g| g.country.as_str());
    let region = geo.map_or("", |g| g.region_code.as_str());
    let asn = row.map_or(0, |r| nets.asn[r].first_origin());

    let dom = domain(country, rng);
    let label = rng.pick(LABELS);
    let roll = rng.unit();
    let (host, generic) = if roll < 0.12 {
        match provider_name(asn, public_ip, rng) {
            Some(name) => (name, true),
            None => (format!("{label}.{dom}"), false),
        }
    } else if roll < 0.19 {
        let name = rng.pick(&[
            "localhost.localdomain",
            "localhost",
            "server1.localdomain",
            "debian",
            "ubuntu",
            "server",
            "vps",
        ]);
        (name.to_string(), true)
    } else if roll < 0.30 {
        (
            format!("{}.{dom}", rng.pick(&["mail", "www", "mx", "smtp"])),
            false,
        )
    } else {
        (format!("{label}.{dom}"), false)
    };
    let first_label = host.split('.').next().unwrap_or(&host).to_string();
    let uname = if generic || rng.chance(0.55) {
        host.clone()
    } else {
        first_label.clone()
    };
    let rdns = if !generic && rng.chance(0.3) {
        Some(host.clone())
    } else if rng.chance(0.8) {
        provider_rdns(asn, public_ip, rng)
    } else {
        None
    };
    let helo = if rng.chance(0.9) {
        host.clone()
    } else {
        first_label.clone()
    };

    let relay = (relay_count > 0 && rng.chance(relay_share)).then(|| rng.index(relay_count));
    let mut mta = if mta_table.is_empty() {
        Mta::Postfix
    } else {
        *mta_table.pick(rng)
    };
    if mta == Mta::Sendmail && rng.chance(0.25) {
        mta = Mta::SendmailOld;
    }
    let mta_version = match mta {
        Mta::Exim => rng.pick(&["4.69", "4.71", "4.72", "4.76", "4.80", "4.82"]),
        Mta::Sendmail | Mta::SendmailOld => rng.pick(&[
            "8.13.8/8.13.8",
            "8.14.3/8.14.3",
            "8.14.4/8.14.4",
            "8.14.5/8.14.5",
        ]),
        Mta::Courier => rng.pick(&["0.63.0", "0.65.0"]),
        _ => "",
    };
    let (era, action) = if template_table.is_empty() {
        (Era::V08, Action::SendmailWhois)
    } else {
        *template_table.pick(rng)
    };
    let template = Template {
        era,
        action,
        version: rng.pick(templates::versions(era)),
    };
    let redhat = rng.chance(0.4);
    let jail_table = Weighted::new(
        match era {
            Era::V08 => templates::JAILS_08,
            _ => templates::JAILS_09,
        }
        .iter()
        .map(|&(name, log, w)| ((name, log), w)),
    );
    let mut jails: Vec<Jail> = Vec::new();
    for _ in 0..rng.range(1, 3) {
        let (name, log) = *jail_table.pick(rng);
        if jails.iter().any(|j| j.name == name) {
            continue;
        }
        let maxretry = match log {
            crate::logs::LogKind::ApacheBots => 1,
            crate::logs::LogKind::Recidive => 5,
            _ => rng.pick(&[3, 3, 5, 5, 6, 6, 6, 10]),
        };
        jails.push(Jail {
            name,
            log,
            maxretry,
        });
    }
    let cte = if rng.chance(rates.qp) {
        Cte::QuotedPrintable
    } else if rng.chance(rates.base64) {
        Cte::Base64
    } else if rng.chance(rates.octet) {
        Cte::OctetStream
    } else {
        Cte::Plain
    };
    Reporter {
        host,
        uname,
        short: first_label,
        public_ip,
        rdns,
        helo,
        lan_ip: lan_address(rng),
        mta,
        mta_version,
        zone: zone_for(country, region, rng),
        template,
        jails,
        relay,
        mapped_v4: rng.chance(rates.mapped),
        redhat,
        amavis: mta == Mta::Postfix && rng.chance(rates.amavis),
        cte,
        missing_whois: era == Era::V10 && rng.chance(rates.missing_whois),
    }
}

fn make_attackers(nets: &SampleNetworks, n: usize, rates: &Rates, rng: &mut Rng) -> Vec<Attacker> {
    // Per country, networks weighted by a damped size (big blocks attack
    // more, but not in proportion to their size).
    let mut by_country: Vec<(&str, Vec<(usize, f64)>)> = Vec::new();
    let mut v6: Vec<usize> = Vec::new();
    for (i, row) in nets.geo.iter().enumerate() {
        if row.net.v6 {
            v6.push(i);
            continue;
        }
        let size = 2f64.powi(32 - i32::from(row.net.len));
        let w = size.powf(0.35);
        match by_country.iter_mut().find(|(c, _)| *c == row.country) {
            Some((_, list)) => list.push((i, w)),
            None => by_country.push((row.country.as_str(), vec![(i, w)])),
        }
    }
    let countries = Weighted::new(ATTACK_COUNTRIES.iter().filter_map(|&(cc, w)| {
        by_country
            .iter()
            .position(|(c, _)| *c == cc)
            .map(|p| (p, w))
    }));
    let tables: Vec<Weighted<usize>> = by_country
        .iter()
        .map(|(_, list)| Weighted::new(list.iter().copied()))
        .collect();
    (0..n)
        .map(|_| {
            let roll = rng.unit();
            let ip = if roll < rates.unresolved {
                outside_address(nets, rng)
            } else if roll < rates.unresolved + rates.ipv6 && !v6.is_empty() {
                nets.geo[rng.pick(&v6)].net.random_host(rng)
            } else if countries.is_empty() {
                outside_address(nets, rng)
            } else {
                let country = *countries.pick(rng);
                let row = *tables[country].pick(rng);
                nets.geo[row].net.random_host(rng)
            };
            Attacker {
                ip,
                geo: nets.geo_of(ip),
                asn: nets.asn_of(ip),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> WorldSpec {
        WorldSpec {
            seed: 9,
            reporters: 300,
            attackers: 2000,
            start: time::timestamp(2010, 3, 1, 0, 0, 0),
            end: time::timestamp(2014, 6, 30, 0, 0, 0),
            mtas: MTA_WEIGHTS
                .iter()
                .map(|(n, w)| (n.to_string(), *w))
                .collect(),
            templates: templates::FAMILIES
                .iter()
                .map(|(n, _, _, w)| (n.to_string(), *w))
                .collect(),
            rates: Rates::default(),
            whois: WhoisSize::Short,
        }
    }

    #[test]
    fn timeline_has_multi_week_gaps_and_samples_outside_them() {
        let mut rng = Rng::new(1);
        let t = Timeline::new(spec().start, spec().end, &mut rng);
        assert!(t.gaps.len() >= 5, "{:?}", t.gaps);
        assert!(t.gaps.iter().all(|(a, b)| b - a >= 14 * DAY));
        for _ in 0..10_000 {
            let ts = t.sample(&mut rng);
            assert!(t.accepts(ts));
            assert!(ts >= t.start && ts <= t.end);
        }
    }

    #[test]
    fn most_attackers_resolve_and_china_leads() {
        let world = World::build(&spec(), SampleNetworks::embedded().unwrap());
        let resolved = world.attackers.iter().filter(|a| a.geo.is_some()).count();
        assert!(resolved > 1800 && resolved < 2000, "{resolved}");
        let cn = world
            .attackers
            .iter()
            .filter(|a| a.geo.is_some_and(|g| world.nets.geo[g].country == "CN"))
            .count();
        assert!(cn > 500, "{cn}");
        assert!(world.attackers.iter().any(|a| a.ip.is_ipv6()));
    }

    #[test]
    fn servers_mostly_live_in_hosting_networks() {
        let world = World::build(&spec(), SampleNetworks::embedded().unwrap());
        let resolved = world
            .reporters
            .iter()
            .filter(|r| world.nets.covers(r.public_ip))
            .count();
        assert!(resolved > 250, "{resolved}");
        assert!(world.reporters.iter().any(|r| r.relay.is_some()));
        assert!(world.reporters.iter().all(|r| !r.jails.is_empty()));
    }
}
