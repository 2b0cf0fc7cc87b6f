//! The released columns and their order.

use clap::ValueEnum;

/// The columns always released, in order.
pub const DEFAULT_COLUMNS: [&str; 6] = ["date", "country", "region", "city", "asn", "service"];

/// An optional column, added with `--with`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum Optional {
    /// The attacker AS's name (validated free text).
    #[value(name = "as_name")]
    AsName,
    /// The jail, only when it is a well-known jail name.
    #[value(name = "jail")]
    Jail,
    /// The UTC hour of the report, 0–23.
    #[value(name = "hour")]
    Hour,
    /// The failure count of the ban.
    #[value(name = "failures")]
    Failures,
    /// The reporting server's country code.
    #[value(name = "reporter_country")]
    ReporterCountry,
    /// Keyed pseudonym of the reporting server (needs a key).
    #[value(name = "reporter_id")]
    ReporterId,
    /// Keyed pseudonym of the banned address (needs a key).
    #[value(name = "attacker_id")]
    AttackerId,
}

impl Optional {
    /// Every optional column, in output order.
    pub const ALL: [Optional; 7] = [
        Optional::AsName,
        Optional::Jail,
        Optional::Hour,
        Optional::Failures,
        Optional::ReporterCountry,
        Optional::ReporterId,
        Optional::AttackerId,
    ];

    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Optional::AsName => "as_name",
            Optional::Jail => "jail",
            Optional::Hour => "hour",
            Optional::Failures => "failures",
            Optional::ReporterCountry => "reporter_country",
            Optional::ReporterId => "reporter_id",
            Optional::AttackerId => "attacker_id",
        }
    }

    /// True for the pseudonyms, which need a key.
    pub fn is_pseudonym(self) -> bool {
        matches!(self, Optional::ReporterId | Optional::AttackerId)
    }
}

/// Which optional columns are released. The order of the output never depends
/// on the order they were asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    set: u8,
}

impl Columns {
    /// The columns asked for with `--with` (duplicates are harmless).
    pub fn new(with: &[Optional]) -> Columns {
        let mut set = 0;
        for &o in with {
            set |= 1 << o as u8;
        }
        Columns { set }
    }

    /// True when `column` is released.
    pub fn has(self, column: Optional) -> bool {
        self.set & (1 << column as u8) != 0
    }

    /// True when a pseudonym is asked for.
    pub fn needs_key(self) -> bool {
        self.has(Optional::ReporterId) || self.has(Optional::AttackerId)
    }

    /// The optional columns released, in output order.
    pub fn optional(self) -> impl Iterator<Item = Optional> {
        Optional::ALL.into_iter().filter(move |&o| self.has(o))
    }

    /// Every released column name, in output order.
    pub fn names(self) -> Vec<&'static str> {
        DEFAULT_COLUMNS
            .into_iter()
            .chain(self.optional().map(Optional::name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_columns_come_in_documented_order_whatever_the_request_order() {
        let c = Columns::new(&[
            Optional::AttackerId,
            Optional::Hour,
            Optional::AsName,
            Optional::Hour,
        ]);
        assert_eq!(
            c.names(),
            [
                "date",
                "country",
                "region",
                "city",
                "asn",
                "service",
                "as_name",
                "hour",
                "attacker_id"
            ]
        );
        assert!(c.needs_key());
        assert!(!Columns::new(&[Optional::Jail]).needs_key());
        assert_eq!(Columns::default().names(), DEFAULT_COLUMNS);
    }
}
