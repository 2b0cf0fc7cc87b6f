//! Synthetic `whois` output, as the `*-whois` actions paste it into reports.
//!
//! One block per sample network, in the style of the registry that serves it
//! (APNIC, RIPE, ARIN, LACNIC, AFRINIC). Like the real thing, a block names
//! other addresses (the range), e-mail addresses, phone numbers and `country:`
//! lines; some are ISO-8859-1 without saying so; a report can carry a remark
//! line of over 1,000 characters. Names and contacts are invented.

use std::fmt::Write;
use std::net::IpAddr;

use crate::networks::{GeoRow, SampleNetworks};
use crate::rng::Rng;

/// The regional registry whose whois server answers for a country.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rir {
    /// Asia-Pacific.
    Apnic,
    /// Europe, Middle East, Central Asia.
    Ripe,
    /// North America.
    Arin,
    /// Latin America.
    Lacnic,
    /// Africa.
    Afrinic,
}

/// The registry of a country.
pub fn rir_of(country: &str) -> Rir {
    match country {
        "US" | "CA" => Rir::Arin,
        "BR" | "AR" | "MX" | "CO" | "CL" | "VE" | "PE" => Rir::Lacnic,
        "ZA" | "EG" | "NG" => Rir::Afrinic,
        "CN" | "KR" | "TW" | "IN" | "VN" | "TH" | "ID" | "JP" | "HK" | "SG" | "AU" | "MY"
        | "PH" | "PK" => Rir::Apnic,
        _ => Rir::Ripe,
    }
}

/// Whois blocks of every sample network, built once per run.
#[derive(Debug, Default)]
pub struct WhoisBook {
    blocks: Vec<Block>,
}

#[derive(Debug)]
struct Block {
    full: Vec<u8>,
    short: Vec<u8>,
}

/// How long the pasted whois output is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WhoisSize {
    /// The whole answer, 30–60 lines, as real reports carry it.
    Full,
    /// The first object only, about ten lines (keeps sample mailboxes small).
    Short,
}

impl WhoisBook {
    /// Builds the blocks of every `geo.csv` network; `latin1` is the share of
    /// blocks with accented text that are written in ISO-8859-1 rather than UTF-8.
    pub fn build(nets: &SampleNetworks, seed: u64, latin1: f64) -> WhoisBook {
        let blocks = nets
            .geo
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let mut rng = Rng::derive(seed, "whois", i as u64);
                let route = nets.asn_of(row.net.addr()).map(|a| &nets.asn[a]);
                let org = Org::new(row, route.map(|r| (r.first_origin(), r.as_name.as_str())));
                let full = render(row, &org, false, &mut rng);
                let short = render(row, &org, true, &mut rng);
                let as_latin1 = rng.chance(latin1);
                Block {
                    full: encode(&full, as_latin1),
                    short: encode(&short, as_latin1),
                }
            })
            .collect();
        WhoisBook { blocks }
    }

    /// The block of `geo.csv` row `geo`.
    pub fn block(&self, geo: usize, size: WhoisSize) -> &[u8] {
        let block = &self.blocks[geo];
        match size {
            WhoisSize::Full => &block.full,
            WhoisSize::Short => &block.short,
        }
    }
}

/// Text as bytes: ISO-8859-1 when asked and possible, else UTF-8.
fn encode(text: &str, latin1: bool) -> Vec<u8> {
    if latin1 && !text.is_ascii() && text.chars().all(|c| u32::from(c) <= 0xff) {
        text.chars().map(|c| c as u8).collect()
    } else {
        text.as_bytes().to_vec()
    }
}

/// Whois output for an address outside the sample networks.
pub fn unknown(ip: IpAddr, rng: &mut Rng) -> Vec<u8> {
    let mut out = String::new();
    match (ip, rng.below(3)) {
        (IpAddr::V4(v4), 0 | 1) => {
            let o = v4.octets();
            let _ = write!(
                out,
                "% This is the RIPE Database query service.\n\
                 % The objects are in RPSL format.\n\n\
                 % Information related to '{a}.{b}.0.0 - {a}.{b}.255.255'\n\n\
                 inetnum:        {a}.{b}.0.0 - {a}.{b}.255.255\n\
                 netname:        NET-{a}-{b}\n\
                 descr:          Dynamic customer pool\n\
                 country:        EU\n\
                 admin-c:        NOC{h}-RIPE\n\
                 tech-c:         NOC{h}-RIPE\n\
                 status:         ASSIGNED PA\n\
                 mnt-by:         MNT-NET{a}\n\
                 source:         RIPE # Filtered\n",
                a = o[0],
                b = o[1],
                h = rng.range(100, 9999)
            );
        }
        _ => {
            let _ = write!(out, "No match found for n + {ip}.\n\n# ARIN WHOIS data and services are subject to the Terms of Use\n# available at: https://www.arin.net/whois_tou.html\n");
        }
    }
    out.into_bytes()
}

/// A remark of 1,000+ characters on one line, as some registries' objects carry.
pub fn long_remark(rng: &mut Rng) -> String {
    const WORDS: &[&str] = &[
        "abuse",
        "reports",
        "must",
        "include",
        "full",
        "headers",
        "and",
        "log",
        "excerpts",
        "with",
        "timestamps",
        "in",
        "UTC",
        "otherwise",
        "they",
        "cannot",
        "be",
        "processed",
        "by",
        "our",
        "automated",
        "system",
        "please",
        "do",
        "not",
        "send",
        "attachments",
        "larger",
        "than",
        "ten",
        "megabytes",
        "complaints",
        "about",
        "spam",
        "scans",
        "brute-force",
        "attempts",
        "are",
        "handled",
        "within",
        "two",
        "business",
        "days",
    ];
    let mut line = String::from("remarks:        ");
    let target = 1000 + rng.below(600) as usize;
    while line.len() < target {
        line.push_str(rng.pick(WORDS));
        line.push(' ');
    }
    line.truncate(line.trim_end().len());
    line
}

/// The organisation behind a network, as its whois objects describe it.
struct Org {
    asn: u32,
    handle: String,
    name: String,
    domain: String,
}

impl Org {
    fn new(row: &GeoRow, route: Option<(u32, &str)>) -> Org {
        let (asn, as_name) = route.unwrap_or((0, "UNKNOWN-NET Unknown network"));
        let mut words = as_name.split_whitespace();
        let handle_word = words.next().unwrap_or("NET").trim_end_matches(',');
        let rest: Vec<&str> = words.collect();
        let name = if rest.is_empty() || rest[0] == "-" && rest.len() == 1 {
            handle_word.to_string()
        } else {
            rest.iter()
                .skip_while(|w| **w == "-")
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let base: String = handle_word
            .split('-')
            .find(|w| w.len() > 2 && !w.starts_with("AS") && *w != "ASN")
            .unwrap_or("net")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let tld = match row.country.as_str() {
            "US" => "net".to_string(),
            "GB" => "co.uk".to_string(),
            "CN" => "net.cn".to_string(),
            "BR" => "com.br".to_string(),
            "AU" => "net.au".to_string(),
            other => other.to_ascii_lowercase(),
        };
        let handle = handle_word
            .trim_end_matches("-AP")
            .trim_end_matches("-AS")
            .trim_end_matches("-BACKBONE")
            .to_string();
        Org {
            asn,
            handle: if handle.is_empty() {
                "NET".into()
            } else {
                handle
            },
            name,
            domain: format!("{base}.{tld}"),
        }
    }
}

const STREETS_LATIN: &[(&str, &str)] = &[
    ("DE", "Industriestraße 25"),
    ("DE", "Am Mühlbach 3"),
    ("FR", "12 rue de la Brûlerie"),
    ("FR", "2 avenue Léon Blum"),
    ("ES", "Calle de Alcalá 45"),
    ("IT", "Via Vittorio Emanuele 12"),
    ("SE", "Sveavägen 44"),
    ("CH", "Hardturmstrasse 3"),
    ("BR", "Rua Lauro Müller, 116"),
    ("AR", "Av. Alicia Moreau de Justo 50"),
    ("MX", "Av. Insurgentes Sur 3500, Peña Pobre"),
    ("CO", "Carrera 7 No. 71-52, Bogotá"),
];

fn street(row: &GeoRow, rng: &mut Rng) -> String {
    let local: Vec<&str> = STREETS_LATIN
        .iter()
        .filter(|(c, _)| *c == row.country)
        .map(|(_, s)| *s)
        .collect();
    if !local.is_empty() {
        return (rng.pick(&local)).to_string();
    }
    const NAMES: &[&str] = &[
        "Financial Street",
        "Zhongshan Road",
        "Jiangxin Road",
        "Main Street",
        "Industrial Park",
        "Technology Avenue",
        "Harbour Road",
        "Station Road",
    ];
    format!("No.{} {}", rng.range(1, 300), rng.pick(NAMES))
}

fn person(row: &GeoRow, rng: &mut Rng) -> &'static str {
    let names: &[&str] = match row.country.as_str() {
        "CN" | "TW" | "HK" | "SG" => &[
            "Wang Wei",
            "Li Na",
            "Zhang Jun",
            "Liu Yang",
            "Chen Jie",
            "Huang Bin",
        ],
        "KR" => &["Kim Min-jun", "Lee Seo-yeon", "Park Ji-hoon"],
        "JP" => &["Tanaka Hiroshi", "Suzuki Yuki"],
        "IN" | "PK" => &["Rajesh Kumar", "Anil Sharma", "Imran Khan"],
        "VN" => &["Nguyen Van Anh", "Tran Thi Mai"],
        "DE" | "CH" => &["Jürgen Müller", "Sabine Schäfer", "Thomas Weiß"],
        "FR" => &["François Lefèvre", "Hélène Dubois", "Jérôme Martin"],
        "ES" | "AR" | "MX" | "CO" | "CL" | "PE" | "VE" => {
            &["José Martínez", "María Núñez", "Carlos García"]
        }
        "BR" => &["João Silva", "Ana Conceição", "Luís Araújo"],
        "SE" => &["Björn Åström", "Karin Lindqvist"],
        "IT" => &["Marco Rossi", "Giulia Bianchi"],
        "RU" | "UA" | "BY" | "KZ" => &["Ivan Petrov", "Sergey Ivanov", "Olga Smirnova"],
        "US" | "CA" | "GB" | "AU" => &["John Smith", "Michael Brown", "Jennifer Davis"],
        _ => &["Network Operations", "Ahmed Hassan", "Peter Novak"],
    };
    rng.pick(names)
}

fn phone(row: &GeoRow, rng: &mut Rng) -> String {
    let code = match row.country.as_str() {
        "CN" => "86",
        "KR" => "82",
        "TW" => "886",
        "JP" => "81",
        "IN" => "91",
        "DE" => "49",
        "FR" => "33",
        "GB" => "44",
        "RU" => "7",
        "BR" => "55",
        "NL" => "31",
        "IT" => "39",
        "ES" => "34",
        _ => "1",
    };
    format!(
        "+{code}-{}-{:08}",
        rng.range(10, 99),
        rng.below(100_000_000)
    )
}

fn handle(rng: &mut Rng, suffix: &str) -> String {
    let a = (b'A' + rng.below(26) as u8) as char;
    let b = (b'A' + rng.below(26) as u8) as char;
    format!("{a}{b}{}-{suffix}", rng.range(100, 9999))
}

fn date8(rng: &mut Rng) -> String {
    format!(
        "{}{:02}{:02}",
        rng.range(2001, 2010),
        rng.range(1, 12),
        rng.range(1, 28)
    )
}

/// The range as a registry writes it.
fn range_text(row: &GeoRow) -> String {
    if row.net.v6 {
        row.net.to_string()
    } else {
        format!("{} - {}", row.net.addr(), row.net.last())
    }
}

fn render(row: &GeoRow, org: &Org, short: bool, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(2048);
    let netname = format!(
        "{}-{}",
        org.handle,
        if row.region_code.is_empty() || row.region_code.chars().all(|c| c.is_ascii_digit()) {
            row.country.as_str()
        } else {
            row.region_code.as_str()
        }
    );
    let city = if row.city.is_empty() {
        row.country_name.as_str()
    } else {
        row.city.as_str()
    };
    let street = street(row, rng);
    let person = person(row, rng);
    let admin = handle(rng, "AP");
    let range = range_text(row);
    let inet = if row.net.v6 { "inet6num" } else { "inetnum" };
    let domain = &org.domain;
    let cc = &row.country;
    let _ = match rir_of(cc) {
        Rir::Apnic => {
            let admin = admin.clone();
            let tech = handle(rng, "AP");
            let _ = write!(
                out,
                "% [whois.apnic.net node-{}]\n\
                 % Whois data copyright terms    http://www.apnic.net/db/dbcopyright.html\n\n\
                 {inet}:{pad}{range}\n\
                 netname:        {netname}\n\
                 descr:          {}\n\
                 descr:          {street}\n\
                 descr:          {city} {}\n\
                 country:        {cc}\n\
                 admin-c:        {admin}\n\
                 tech-c:         {tech}\n\
                 mnt-by:         APNIC-HM\n\
                 mnt-lower:      MAINT-{}\n\
                 status:         ALLOCATED PORTABLE\n\
                 changed:        hostmaster@apnic.net {}\n\
                 source:         APNIC\n",
                rng.range(1, 6),
                org.name,
                rng.range(100_000, 999_999),
                org.handle,
                date8(rng),
                pad = pad(inet),
            );
            if short {
                return out;
            }
            write!(
                out,
                "\nrole:           {} NOC\n\
                 address:        {street}\n\
                 address:        {city}\n\
                 country:        {cc}\n\
                 phone:          {}\n\
                 fax-no:         {}\n\
                 e-mail:         abuse@{domain}\n\
                 remarks:        send spam and abuse report to abuse@{domain}\n\
                 admin-c:        {admin}\n\
                 tech-c:         {admin}\n\
                 nic-hdl:        {admin}\n\
                 notify:         hostmaster@{domain}\n\
                 mnt-by:         MAINT-{}\n\
                 changed:        hostmaster@{domain} {}\n\
                 source:         APNIC\n\n\
                 person:         {person}\n\
                 nic-hdl:        {tech}\n\
                 e-mail:         hostmaster@{domain}\n\
                 address:        {street}\n\
                 phone:          {}\n\
                 country:        {cc}\n\
                 changed:        hostmaster@{domain} {}\n\
                 mnt-by:         MAINT-{}\n\
                 source:         APNIC\n",
                org.handle,
                phone(row, rng),
                phone(row, rng),
                org.handle,
                date8(rng),
                phone(row, rng),
                date8(rng),
                org.handle,
            )
        }
        Rir::Ripe | Rir::Afrinic => {
            let (service, source, suffix) = if rir_of(cc) == Rir::Ripe {
                ("This is the RIPE Database query service.", "RIPE", "RIPE")
            } else {
                ("This is the AfriNIC Whois server.", "AFRINIC", "AFRINIC")
            };
            let admin = handle(rng, suffix);
            let _ = write!(
                out,
                "% {service}\n\
                 % The objects are in RPSL format.\n\
                 %\n\
                 % Rights restricted by copyright.\n\
                 % See http://www.ripe.net/db/support/db-terms-conditions.pdf\n\n\
                 % Note: this output has been filtered.\n\
                 %       To receive output for a database update, use the \"-B\" flag.\n\n\
                 % Information related to '{range}'\n\n\
                 {inet}:{pad}{range}\n\
                 netname:        {netname}\n\
                 descr:          {}\n\
                 descr:          {street}, {city}\n\
                 country:        {cc}\n\
                 admin-c:        {admin}\n\
                 tech-c:         {admin}\n\
                 status:         ASSIGNED PA\n\
                 mnt-by:         MNT-{}\n\
                 source:         {source} # Filtered\n",
                org.name,
                org.handle,
                pad = pad(inet),
            );
            if short {
                return out;
            }
            write!(
                out,
                "\nrole:           {} Network Operations\n\
                 address:        {}\n\
                 address:        {street}\n\
                 address:        {} {city}\n\
                 address:        {}\n\
                 phone:          {}\n\
                 fax-no:         {}\n\
                 abuse-mailbox:  abuse@{domain}\n\
                 admin-c:        {admin}\n\
                 tech-c:         {admin}\n\
                 nic-hdl:        {admin}\n\
                 mnt-by:         MNT-{}\n\
                 source:         {source} # Filtered\n\n\
                 person:         {person}\n\
                 address:        {street}\n\
                 address:        {city}\n\
                 phone:          {}\n\
                 nic-hdl:        {}\n\
                 mnt-by:         MNT-{}\n\
                 source:         {source} # Filtered\n\n\
                 % Information related to '{}AS{}'\n\n\
                 route:          {}\n\
                 descr:          {netname}\n\
                 origin:         AS{}\n\
                 mnt-by:         MNT-{}\n\
                 source:         {source} # Filtered\n",
                org.handle,
                org.name,
                rng.range(10_000, 99_999),
                row.country_name,
                phone(row, rng),
                phone(row, rng),
                org.handle,
                phone(row, rng),
                handle(rng, suffix),
                org.handle,
                row.net,
                org.asn,
                row.net,
                org.asn,
                org.handle,
            )
        }
        Rir::Arin => {
            let _ = write!(
                out,
                "#\n\
                 # ARIN WHOIS data and services are subject to the Terms of Use\n\
                 # available at: https://www.arin.net/whois_tou.html\n\
                 #\n\n\
                 NetRange:       {range}\n\
                 CIDR:           {}\n\
                 OriginAS:       AS{}\n\
                 NetName:        {}\n\
                 NetHandle:      NET-{}-1\n\
                 NetType:        Direct Allocation\n\
                 RegDate:        {}-{:02}-{:02}\n\
                 Ref:            http://whois.arin.net/rest/net/NET-{}-1\n\n\n\
                 OrgName:        {}\n\
                 OrgId:          {}\n\
                 Address:        {street}\n\
                 City:           {city}\n\
                 StateProv:      {}\n\
                 PostalCode:     {:05}\n\
                 Country:        {cc}\n",
                row.net,
                org.asn,
                netname,
                row.net.addr().to_string().replace(['.', ':'], "-"),
                rng.range(1996, 2010),
                rng.range(1, 12),
                rng.range(1, 28),
                row.net.addr().to_string().replace(['.', ':'], "-"),
                org.name,
                org.handle,
                row.region_code,
                rng.below(100_000),
            );
            if short {
                return out;
            }
            let abuse = format!("ABUSE{}-ARIN", rng.range(100, 9999));
            write!(
                out,
                "\
                 RegDate:        {}-{:02}-{:02}\n\
                 Ref:            http://whois.arin.net/rest/org/{}\n\n\
                 OrgAbuseHandle: {abuse}\n\
                 OrgAbuseName:   Abuse\n\
                 OrgAbusePhone:  {}\n\
                 OrgAbuseEmail:  abuse@{domain}\n\
                 OrgAbuseRef:    http://whois.arin.net/rest/poc/{abuse}\n\n\
                 OrgTechHandle:  {}\n\
                 OrgTechName:    {person}\n\
                 OrgTechPhone:   {}\n\
                 OrgTechEmail:   noc@{domain}\n\n\
                 #\n\
                 # ARIN WHOIS data and services are subject to the Terms of Use\n\
                 # available at: https://www.arin.net/whois_tou.html\n\
                 #\n",
                rng.range(1996, 2010),
                rng.range(1, 12),
                rng.range(1, 28),
                org.handle,
                phone(row, rng),
                handle(rng, "ARIN"),
                phone(row, rng),
            )
        }
        Rir::Lacnic => {
            let owner = handle(rng, "LACNIC").replace("-LACNIC", "");
            let _ = write!(
                out,
                "% Joint Whois - whois.lacnic.net\n\
                 %  This server accepts single ASN, IPv4 or IPv6 queries\n\n\
                 inetnum:     {}\n\
                 aut-num:     AS{}\n\
                 owner:       {}\n\
                 ownerid:     {}\n\
                 responsible: {person}\n\
                 address:     {street}\n\
                 address:     {} - {city} - {}\n\
                 country:     {cc}\n\
                 phone:       {}\n\
                 owner-c:     {owner}\n\
                 tech-c:      {owner}\n\
                 abuse-c:     {owner}\n",
                row.net,
                org.asn,
                org.name,
                format_args!(
                    "{:02}.{:03}.{:03}/0001-{:02}",
                    rng.below(100),
                    rng.below(1000),
                    rng.below(1000),
                    rng.below(100)
                ),
                rng.range(10_000, 99_999),
                row.region_code,
                phone(row, rng),
            );
            if short {
                return out;
            }
            write!(
                out,
                "created:     {}\n\
                 changed:     {}\n\n\
                 nic-hdl:     {owner}\n\
                 person:      {person}\n\
                 e-mail:      abuse@{domain}\n\
                 address:     {street}\n\
                 address:     {}, {city}\n\
                 country:     {cc}\n\
                 phone:       {}\n\
                 created:     {}\n\
                 changed:     {}\n\n\
                 % Security and mail abuse issues should also be addressed to\n\
                 % cert.br, http://www.cert.br/ , respectivelly to cert@cert.br\n\
                 % and mail-abuse@cert.br\n\
                 %\n\
                 % whois.registro.br accepts only direct match queries. Types\n\
                 % of queries are: domain (.br), registrant (tax ID), ticket,\n\
                 % provider, CIDR block, IP and ASN.\n",
                date8(rng),
                date8(rng),
                rng.range(10_000, 99_999),
                phone(row, rng),
                date8(rng),
                date8(rng),
            )
        }
    };
    out
}

fn pad(key: &str) -> &'static str {
    if key.len() == "inet6num".len() {
        "       "
    } else {
        "        "
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_network_gets_a_block_naming_its_range_and_country() {
        let nets = SampleNetworks::embedded().unwrap();
        let book = WhoisBook::build(&nets, 1, 0.5);
        for (i, row) in nets.geo.iter().enumerate() {
            let full = String::from_utf8_lossy(book.block(i, WhoisSize::Full)).into_owned();
            let short = String::from_utf8_lossy(book.block(i, WhoisSize::Short)).into_owned();
            assert!(full.len() > short.len(), "{}", row.net);
            assert!(short.contains(&row.country), "{}: {short}", row.net);
            let first = row.net.addr().to_string();
            assert!(full.contains(&first), "{}: {full}", row.net);
        }
    }

    #[test]
    fn some_blocks_are_latin1_and_not_utf8() {
        let nets = SampleNetworks::embedded().unwrap();
        let book = WhoisBook::build(&nets, 1, 1.0);
        let latin1 = (0..nets.geo.len())
            .filter(|&i| std::str::from_utf8(book.block(i, WhoisSize::Full)).is_err())
            .count();
        assert!(latin1 > 0);
    }

    #[test]
    fn long_remarks_are_over_a_thousand_characters() {
        let mut rng = Rng::new(4);
        let line = long_remark(&mut rng);
        assert!(line.len() >= 1000 && !line.contains('\n'));
    }
}
