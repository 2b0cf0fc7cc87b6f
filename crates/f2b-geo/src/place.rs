//! What a database record says about a place, in either layout of FORMATS §5,
//! and the five values f2b-geo writes for it.
//!
//! Records are read in one pass with a hand-written serde visitor: only the
//! parts used here are decoded (the names in every language, the one wanted
//! is picked afterwards), everything else is skipped. The layout is told by the record's shape: `country`, `city` and
//! `location` maps in the GeoIP2/GeoLite2 layout; `country_code`, `state1`,
//! `city` as a string and `latitude`/`longitude` in the flat (DB-IP) layout.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The fields f2b-geo adds for an address, in output order (without prefix).
pub const FIELD_NAMES: [&str; 5] = ["country", "region", "city", "lat", "lon"];

/// One value of a place, as the database has it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// A code or a name.
    Text(&'a str),
    /// A latitude or longitude.
    Number(Coordinate),
}

impl Value<'_> {
    /// Appends the value as JSON.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        // Writing a str or a finite number into a Vec cannot fail.
        let _ = match self {
            Value::Text(s) => serde_json::to_writer(&mut *out, s),
            Value::Number(Coordinate::Double(v)) => serde_json::to_writer(&mut *out, v),
            Value::Number(Coordinate::Float(v)) => serde_json::to_writer(&mut *out, v),
        };
    }
}

/// A coordinate as stored: GeoIP2 stores doubles, DB-IP stores floats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coordinate {
    /// A 64-bit `double`.
    Double(f64),
    /// A 32-bit `float`, written with the digits that identify that float
    /// (`48.8566`, not `48.85660171508789`): the same number, not a rounding.
    Float(f32),
}

impl Coordinate {
    fn is_finite(self) -> bool {
        match self {
            Coordinate::Double(v) => v.is_finite(),
            Coordinate::Float(v) => v.is_finite(),
        }
    }
}

/// Which kinds of field a record has, to recognise what a database holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// GeoIP2/GeoLite2 City or Country fields (`country`, `city`, `location`, ...).
    pub nested: bool,
    /// Flat geolocation fields (`country_code`, `state1`, `latitude`, ...).
    pub flat: bool,
    /// ASN fields (`autonomous_system_number`, `autonomous_system_organization`).
    pub asn: bool,
}

impl Shape {
    /// Both shapes together.
    pub fn union(self, other: Shape) -> Shape {
        Shape {
            nested: self.nested || other.nested,
            flat: self.flat || other.flat,
            asn: self.asn || other.asn,
        }
    }
}

/// A database record reduced to the parts f2b-geo reads, borrowed from the
/// database where possible.
#[derive(Debug, Default)]
pub struct GeoRecord<'de> {
    country: Option<Cow<'de, str>>,
    region_names: Names<'de>,
    city_names: Names<'de>,
    latitude: Option<Coordinate>,
    longitude: Option<Coordinate>,
    flat_country: Option<Cow<'de, str>>,
    flat_region: Option<Cow<'de, str>>,
    flat_city: Option<Cow<'de, str>>,
    flat_latitude: Option<Coordinate>,
    flat_longitude: Option<Coordinate>,
    /// The kinds of field the record has.
    pub shape: Shape,
}

impl<'de> GeoRecord<'de> {
    /// The five values of the place the record describes, in [`FIELD_NAMES`]
    /// order, names in `lang` (else English). Empty strings and non-finite
    /// coordinates are unknown; coordinates are known as a pair or not at all.
    pub fn values(&self, lang: &str) -> [Option<Value<'_>>; 5] {
        fn text(s: Option<&str>) -> Option<Value<'_>> {
            s.filter(|s| !s.is_empty()).map(Value::Text)
        }
        let country = text(self.country.as_deref().or(self.flat_country.as_deref()));
        let region = text(self.region_names.pick(lang).or(self.flat_region.as_deref()));
        let city = text(self.city_names.pick(lang).or(self.flat_city.as_deref()));
        let coordinates = match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) => Some((lat, lon)),
            _ => self.flat_latitude.zip(self.flat_longitude),
        }
        .filter(|(lat, lon)| lat.is_finite() && lon.is_finite());
        let (lat, lon) = match coordinates {
            Some((lat, lon)) => (Some(Value::Number(lat)), Some(Value::Number(lon))),
            None => (None, None),
        };
        [country, region, city, lat, lon]
    }
}

/// The `names` map of a GeoIP2 city or subdivision: language → name.
#[derive(Debug, Default)]
struct Names<'de>(Vec<(Cow<'de, [u8]>, Cow<'de, str>)>);

impl Names<'_> {
    /// The name in `lang`, else the English one.
    fn pick(&self, lang: &str) -> Option<&str> {
        let find = |l: &str| {
            self.0
                .iter()
                .find(|(k, v)| k.as_ref() == l.as_bytes() && !v.is_empty())
                .map(|(_, v)| v.as_ref())
        };
        find(lang).or_else(|| find("en"))
    }
}

/// A map key, compared as bytes. Read as an identifier, which the MMDB
/// decoder hands over without the UTF-8 check a string gets: most keys are
/// skipped, and the ones used are compared with ASCII names.
struct Key<'de>(Cow<'de, [u8]>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map key")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_vec())))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.as_bytes().to_vec())))
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A string, borrowed from the database when it can be.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for GeoRecord<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = GeoRecord<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map (a MaxMind DB record)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GeoRecord<'de>, A::Error> {
                let mut r = GeoRecord::default();
                while let Some(Key(key)) = map.next_key()? {
                    match key.as_ref() {
                        b"country" => {
                            r.country = map.next_value::<IsoCode>()?.0;
                            r.shape.nested = true;
                        }
                        b"subdivisions" => {
                            r.region_names = map.next_value::<FirstSubdivision>()?.0;
                            r.shape.nested = true;
                        }
                        b"city" => match map.next_value::<CityValue>()? {
                            CityValue::Nested(names) => {
                                r.city_names = names;
                                r.shape.nested = true;
                            }
                            CityValue::Flat(name) => {
                                r.flat_city = Some(name);
                                r.shape.flat = true;
                            }
                        },
                        b"location" => {
                            let l = map.next_value::<Location>()?;
                            r.latitude = l.latitude;
                            r.longitude = l.longitude;
                            r.shape.nested = true;
                        }
                        b"continent" | b"registered_country" => {
                            map.next_value::<IgnoredAny>()?;
                            r.shape.nested = true;
                        }
                        b"country_code" => {
                            r.flat_country = Some(map.next_value::<Text>()?.0);
                            r.shape.flat = true;
                        }
                        b"state1" => {
                            r.flat_region = Some(map.next_value::<Text>()?.0);
                            r.shape.flat = true;
                        }
                        b"latitude" => {
                            r.flat_latitude = Some(map.next_value()?);
                            r.shape.flat = true;
                        }
                        b"longitude" => {
                            r.flat_longitude = Some(map.next_value()?);
                            r.shape.flat = true;
                        }
                        b"autonomous_system_number" | b"autonomous_system_organization" => {
                            map.next_value::<IgnoredAny>()?;
                            r.shape.asn = true;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(r)
            }
        }
        d.deserialize_map(V)
    }
}

/// `country.iso_code` of the GeoIP2 layout.
struct IsoCode<'de>(Option<Cow<'de, str>>);

impl<'de> Deserialize<'de> for IsoCode<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IsoCode<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a country map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IsoCode<'de>, A::Error> {
                let mut code = None;
                while let Some(Key(key)) = map.next_key()? {
                    if key.as_ref() == b"iso_code" {
                        code = Some(map.next_value::<Text>()?.0);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(IsoCode(code))
            }
        }
        d.deserialize_map(V)
    }
}

/// A map with a `names` entry (a GeoIP2 city or subdivision).
struct Named<'de>(Names<'de>);

fn visit_named<'de, A: MapAccess<'de>>(mut map: A) -> Result<Names<'de>, A::Error> {
    let mut names = Names::default();
    while let Some(Key(key)) = map.next_key()? {
        if key.as_ref() == b"names" {
            names = map.next_value()?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok(names)
}

impl<'de> Deserialize<'de> for Named<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Named<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map with names")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Named<'de>, A::Error> {
                visit_named(map).map(Named)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Names<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Names<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of names by language")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Names<'de>, A::Error> {
                let mut names = Vec::with_capacity(map.size_hint().unwrap_or(0).min(16));
                while let Some((Key(lang), Text(name))) = map.next_entry()? {
                    names.push((lang, name));
                }
                Ok(Names(names))
            }
        }
        d.deserialize_map(V)
    }
}

/// `subdivisions[0].names` of the GeoIP2 layout: the province or state.
struct FirstSubdivision<'de>(Names<'de>);

impl<'de> Deserialize<'de> for FirstSubdivision<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FirstSubdivision<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of subdivisions")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FirstSubdivision<'de>, A::Error> {
                let first = seq.next_element::<Named>()?;
                // The rest is skipped, but read, so that the decoder moves past it.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstSubdivision(first.map(|n| n.0).unwrap_or_default()))
            }
        }
        d.deserialize_seq(V)
    }
}

/// `city`: a map with names in the GeoIP2 layout, a string in the flat one.
enum CityValue<'de> {
    Nested(Names<'de>),
    Flat(Cow<'de, str>),
}

impl<'de> Deserialize<'de> for CityValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CityValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a city map or a city name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<CityValue<'de>, E> {
                Ok(CityValue::Flat(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CityValue<'de>, E> {
                Ok(CityValue::Flat(Cow::Owned(v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CityValue<'de>, A::Error> {
                visit_named(map).map(CityValue::Nested)
            }
        }
        d.deserialize_any(V)
    }
}

/// `location.latitude` and `location.longitude` of the GeoIP2 layout.
struct Location {
    latitude: Option<Coordinate>,
    longitude: Option<Coordinate>,
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Location;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a location map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Location, A::Error> {
                let mut l = Location {
                    latitude: None,
                    longitude: None,
                };
                while let Some(Key(key)) = map.next_key()? {
                    match key.as_ref() {
                        b"latitude" => l.latitude = Some(map.next_value()?),
                        b"longitude" => l.longitude = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(l)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Coordinate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Coordinate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Coordinate, E> {
                Ok(Coordinate::Double(v))
            }
            fn visit_f32<E: de::Error>(self, v: f32) -> Result<Coordinate, E> {
                Ok(Coordinate::Float(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Coordinate, E> {
                Ok(Coordinate::Double(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Coordinate, E> {
                Ok(Coordinate::Double(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Decodes a record given as JSON, as the MMDB decoder would hand it over.
    fn place(record: serde_json::Value, lang: &str) -> [String; 5] {
        let text = record.to_string();
        let r: GeoRecord = serde_json::from_str(&text).unwrap();
        r.values(lang).map(|v| match v {
            Some(v) => {
                let mut out = Vec::new();
                v.write_json(&mut out);
                String::from_utf8(out).unwrap()
            }
            None => "null".to_string(),
        })
    }

    fn city_record() -> serde_json::Value {
        json!({
            "city": {"geoname_id": 1, "names": {"en": "Nanjing", "de": "Nanking"}},
            "continent": {"code": "AS"},
            "country": {"iso_code": "CN", "names": {"en": "China"}},
            "location": {"accuracy_radius": 50, "latitude": 32.0617, "longitude": 118.7778},
            "registered_country": {"iso_code": "CN"},
            "subdivisions": [
                {"iso_code": "JS", "names": {"en": "Jiangsu", "fr": "Province de Jiangsu"}},
                {"iso_code": "XX", "names": {"en": "Second"}}
            ]
        })
    }

    #[test]
    fn nested_layout_gives_code_first_subdivision_city_and_coordinates() {
        assert_eq!(
            place(city_record(), "en"),
            [
                "\"CN\"",
                "\"Jiangsu\"",
                "\"Nanjing\"",
                "32.0617",
                "118.7778"
            ]
        );
    }

    #[test]
    fn names_come_in_the_chosen_language_else_in_english() {
        assert_eq!(
            place(city_record(), "fr"),
            [
                "\"CN\"",
                "\"Province de Jiangsu\"",
                "\"Nanjing\"",
                "32.0617",
                "118.7778"
            ]
        );
        assert_eq!(
            place(city_record(), "de"),
            [
                "\"CN\"",
                "\"Jiangsu\"",
                "\"Nanking\"",
                "32.0617",
                "118.7778"
            ]
        );
    }

    #[test]
    fn flat_layout_gives_the_same_fields() {
        let record = json!({
            "city": "Mountain View", "country_code": "US", "latitude": 37.422,
            "longitude": -122.085, "postcode": "", "state1": "California", "state2": "",
        });
        assert_eq!(
            place(record, "de"),
            [
                "\"US\"",
                "\"California\"",
                "\"Mountain View\"",
                "37.422",
                "-122.085"
            ]
        );
    }

    #[test]
    fn country_database_gives_only_the_country() {
        let record = json!({"continent": {"code": "EU"}, "country": {"iso_code": "GB"}});
        assert_eq!(
            place(record, "en"),
            ["\"GB\"", "null", "null", "null", "null"]
        );
    }

    #[test]
    fn empty_names_and_half_coordinates_are_unknown() {
        let record = json!({"city": "", "country_code": "FR", "state1": "", "latitude": 1.5});
        assert_eq!(
            place(record, "en"),
            ["\"FR\"", "null", "null", "null", "null"]
        );
    }

    #[test]
    fn floats_are_written_with_the_digits_of_the_float() {
        let json = |c| {
            let mut out = Vec::new();
            Value::Number(c).write_json(&mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(json(Coordinate::Float(48.8566)), "48.8566");
        assert_eq!(json(Coordinate::Double(-0.2399)), "-0.2399");
        assert!(!Coordinate::Double(f64::NAN).is_finite());
    }

    #[test]
    fn names_with_quotes_stay_valid_json() {
        let record = json!({"country_code": "US", "city": "A \"quoted\" \\ name"});
        assert_eq!(place(record, "en")[2], r#""A \"quoted\" \\ name""#);
    }

    #[test]
    fn record_shape_tells_the_kind_of_database() {
        let shape = |v: serde_json::Value| {
            serde_json::from_str::<GeoRecord>(&v.to_string())
                .unwrap()
                .shape
        };
        assert!(shape(city_record()).nested);
        assert!(shape(json!({"country_code": "US"})).flat);
        let asn = shape(
            json!({"autonomous_system_number": 15169, "autonomous_system_organization": "GOOGLE"}),
        );
        assert_eq!(
            asn,
            Shape {
                asn: true,
                ..Shape::default()
            }
        );
    }
}
