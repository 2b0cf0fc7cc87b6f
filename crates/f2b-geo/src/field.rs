//! The address fields a run enriches (`--field NAME[:PREFIX]`) and what it
//! counts for each.

use std::borrow::Cow;
use std::fmt;

use f2b_core::{Record, Result};

use crate::address;
use crate::locator::{Located, Locator};
use crate::place::FIELD_NAMES;
use crate::splice::Fields;

/// An address field and the prefix of the fields added for it: `ip` adds
/// `country`...`lon`, `reporter_ip:reporter_` adds `reporter_country`...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressField {
    /// The field holding the address.
    pub name: String,
    /// Put before each added field's name.
    pub prefix: String,
}

impl AddressField {
    /// Parses `NAME[:PREFIX]` as given to `--field`.
    pub fn parse(spec: &str) -> std::result::Result<AddressField, String> {
        let (name, prefix) = spec.split_once(':').unwrap_or((spec, ""));
        if name.is_empty() {
            return Err("the address field name is empty (expected NAME[:PREFIX])".into());
        }
        Ok(AddressField {
            name: name.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The fields enriched when no `--field` is given: `ip` and
    /// `reporter_ip:reporter_` (SPEC §1).
    pub fn defaults() -> Vec<AddressField> {
        vec![
            AddressField {
                name: "ip".into(),
                prefix: String::new(),
            },
            AddressField {
                name: "reporter_ip".into(),
                prefix: "reporter_".into(),
            },
        ]
    }

    /// The names of the fields added for this address, in output order.
    pub fn output_names(&self) -> [String; 5] {
        FIELD_NAMES.map(|f| format!("{}{f}", self.prefix))
    }
}

impl fmt::Display for AddressField {
    /// As given to `--field`: `NAME` or `NAME:PREFIX`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}:{}", self.name, self.prefix)
        }
    }
}

/// Checks that no two address fields add the same field and that no added
/// field would overwrite an address field; the message says which.
pub fn check_distinct(fields: &[AddressField]) -> std::result::Result<(), String> {
    let mut added: Vec<(String, &AddressField)> = Vec::new();
    for field in fields {
        for name in field.output_names() {
            if let Some((_, other)) = added.iter().find(|(n, _)| *n == name) {
                return Err(format!(
                    "--field {other} and --field {field} would both write {name:?}; give them different prefixes"
                ));
            }
            added.push((name, field));
        }
    }
    for field in fields {
        let Some((_, adder)) = added.iter().find(|(n, _)| *n == field.name) else {
            continue;
        };
        return Err(if *adder == field {
            format!(
                "the field {:?} would be overwritten by the fields added for it; give --field {}:PREFIX",
                field.name, field.name
            )
        } else {
            format!(
                "--field {adder} adds {:?}, the address field that --field {field} reads: \
                 it would be overwritten; give --field {} another prefix",
                field.name, adder.name
            )
        });
    }
    Ok(())
}

/// What happened to the addresses of one field.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FieldCounts {
    /// Placed by at least one database.
    pub resolved: u64,
    /// Public addresses no database knows.
    pub unresolved: u64,
    /// Private and reserved addresses.
    pub private: u64,
    /// Records without the field, or with null.
    pub absent: u64,
    /// Values that are not an address (wrong type or text).
    pub invalid: u64,
}

/// The address a record gives in one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    /// No such field, or null.
    Absent,
    /// A value that is not an address.
    Invalid,
    /// An address.
    Ip(std::net::IpAddr),
}

/// Enriches one address field of every record and counts the outcomes.
pub struct FieldEnricher {
    field: AddressField,
    output_names: [String; 5],
    counts: FieldCounts,
}

impl FieldEnricher {
    /// An enricher of `field`.
    pub fn new(field: AddressField) -> FieldEnricher {
        FieldEnricher {
            output_names: field.output_names(),
            field,
            counts: FieldCounts::default(),
        }
    }

    /// The names of the fields this enricher adds, in output order.
    pub fn output_names(&self) -> &[String; 5] {
        &self.output_names
    }

    /// Reads the record's address.
    #[inline]
    pub fn address(&self, record: &Record<'_>) -> Address {
        match address_text(record, &self.field.name) {
            Text::Absent => Address::Absent,
            Text::Invalid => Address::Invalid,
            Text::Address(text) => address::parse(&text).map_or(Address::Invalid, Address::Ip),
        }
    }

    /// Looks `address` up, counts the outcome and adds the five values to
    /// `added`: the answer, or nulls when there is none.
    #[inline]
    pub fn add(
        &mut self,
        address: Address,
        locator: &mut Locator,
        added: &mut Fields<'_>,
    ) -> Result<()> {
        let located = match address {
            Address::Absent => {
                self.counts.absent += 1;
                None
            }
            Address::Invalid => {
                self.counts.invalid += 1;
                None
            }
            Address::Ip(ip) => Some(locator.locate(ip)?),
        };
        match located {
            Some(Located::Found(answer)) => {
                self.counts.resolved += 1;
                for value in locator.values(answer) {
                    added.push(value);
                }
                return Ok(());
            }
            Some(Located::Unresolved) => self.counts.unresolved += 1,
            Some(Located::Reserved) => self.counts.private += 1,
            None => {}
        }
        for _ in 0..FIELD_NAMES.len() {
            added.push(None);
        }
        Ok(())
    }

    /// The counts so far.
    pub fn counts(&self) -> FieldCounts {
        self.counts
    }
}

impl fmt::Display for FieldEnricher {
    /// `ip: 950 resolved, 40 unresolved, 10 private`, then the absent and
    /// invalid values when there are any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "{}: {} resolved, {} unresolved, {} private",
            self.field.name, c.resolved, c.unresolved, c.private
        )?;
        if c.absent > 0 {
            write!(f, ", {} absent", c.absent)?;
        }
        if c.invalid > 0 {
            write!(f, ", {} not an address", c.invalid)?;
        }
        Ok(())
    }
}

/// Enriches every address field of `record` into `added`. All addresses are
/// read, and their cache entries prefetched, before any is looked up: the
/// memory accesses of a record then overlap instead of coming one after the
/// other. `addresses` is scratch space kept from record to record.
pub fn enrich_record(
    enrichers: &mut [FieldEnricher],
    record: &Record<'_>,
    locator: &mut Locator,
    added: &mut Fields<'_>,
    addresses: &mut Vec<Address>,
) -> Result<()> {
    addresses.clear();
    for enricher in enrichers.iter() {
        let address = enricher.address(record);
        if let Address::Ip(ip) = address {
            locator.prefetch(ip);
        }
        addresses.push(address);
    }
    for (enricher, &address) in enrichers.iter_mut().zip(addresses.iter()) {
        enricher.add(address, locator, added)?;
    }
    Ok(())
}

enum Text<'a> {
    Absent,
    Invalid,
    Address(Cow<'a, str>),
}

fn address_text<'a>(record: &Record<'a>, name: &str) -> Text<'a> {
    let Some(raw) = record.raw(name) else {
        return Text::Absent;
    };
    let raw = raw.get();
    if raw == "null" {
        return Text::Absent;
    }
    if !raw.starts_with('"') {
        return Text::Invalid;
    }
    // The record is valid JSON, so a string value decodes; escapes are rare.
    match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Text::Address(Cow::Borrowed(inner)),
        _ => match serde_json::from_str::<String>(raw) {
            Ok(s) => Text::Address(Cow::Owned(s)),
            Err(_) => Text::Invalid,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_spec_names_the_field_and_the_prefix() {
        assert_eq!(
            AddressField::parse("reporter_ip:reporter_").unwrap(),
            AddressField {
                name: "reporter_ip".into(),
                prefix: "reporter_".into()
            }
        );
        let plain = AddressField::parse("src_ip").unwrap();
        assert_eq!(plain.prefix, "");
        assert_eq!(
            AddressField::parse("ip:a_").unwrap().output_names(),
            ["a_country", "a_region", "a_city", "a_lat", "a_lon"]
        );
        assert!(AddressField::parse(":x").is_err());
    }

    #[test]
    fn two_fields_writing_the_same_names_are_refused() {
        let fields = [
            AddressField::parse("ip").unwrap(),
            AddressField::parse("src").unwrap(),
        ];
        let msg = check_distinct(&fields).unwrap_err();
        assert!(msg.contains("--field ip and --field src"), "{msg}");
        assert!(check_distinct(&AddressField::defaults()).is_ok());
        let msg = check_distinct(&[AddressField::parse("city").unwrap()]).unwrap_err();
        assert!(msg.contains("\"city\" would be overwritten"), "{msg}");
    }

    #[test]
    fn a_field_added_for_another_address_field_names_the_one_that_adds_it() {
        let fields = [
            AddressField::parse("ip:x_").unwrap(),
            AddressField::parse("x_city:y_").unwrap(),
        ];
        let msg = check_distinct(&fields).unwrap_err();
        assert!(
            msg.contains("--field ip:x_ adds \"x_city\"")
                && msg.contains("--field x_city:y_ reads")
                && msg.contains("give --field ip another prefix"),
            "{msg}"
        );
        assert!(!msg.contains("give --field x_city:PREFIX"), "{msg}");
        // Order does not matter.
        let msg = check_distinct(&[fields[1].clone(), fields[0].clone()]).unwrap_err();
        assert!(msg.contains("--field ip:x_ adds \"x_city\""), "{msg}");
    }

    #[test]
    fn address_text_tells_absent_invalid_and_escaped() {
        let r = Record::parse(br#"{"a":null,"b":5,"c":"1.2.3.4","d":"\u0031.2.3.4"}"#).unwrap();
        assert!(matches!(address_text(&r, "a"), Text::Absent));
        assert!(matches!(address_text(&r, "z"), Text::Absent));
        assert!(matches!(address_text(&r, "b"), Text::Invalid));
        assert!(matches!(
            address_text(&r, "c"),
            Text::Address(Cow::Borrowed("1.2.3.4"))
        ));
        match address_text(&r, "d") {
            Text::Address(t) => assert_eq!(t, "1.2.3.4"),
            _ => panic!("escaped string not decoded"),
        }
    }
}
