//! Writing released rows as NDJSON or CSV, columns in the documented order.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use f2b_core::output::{push_decimal, push_json_str, RecordWriter};
use f2b_core::{Error, Result};

use crate::columns::{Columns, Optional};
use crate::pseudonym::Pseudonym;
use crate::release::Released;
use crate::validate::Date;

/// One output value.
#[derive(Clone, Copy)]
enum Cell<'r> {
    Null,
    Text(&'r str),
    Int(u32),
    Date(Date),
    Id(Pseudonym),
}

fn text<'r>(s: Option<&'r str>) -> Cell<'r> {
    s.map_or(Cell::Null, Cell::Text)
}

fn int(n: Option<u32>) -> Cell<'static> {
    n.map_or(Cell::Null, Cell::Int)
}

/// Calls `each` with every released column of `row`, in output order.
fn cells<'r>(
    row: &'r Released<'_>,
    columns: Columns,
    mut each: impl FnMut(&'static str, Cell<'r>),
) {
    each("date", row.date.map_or(Cell::Null, Cell::Date));
    each("country", text(row.country.as_ref().map(|c| c.as_str())));
    each("region", text(row.region.as_ref().map(|t| t.as_str())));
    each("city", text(row.city.as_ref().map(|t| t.as_str())));
    each("asn", int(row.asn));
    each("service", text(row.service.map(|s| s.as_str())));
    for column in columns.optional() {
        let cell = match column {
            Optional::AsName => text(row.as_name.as_ref().map(|t| t.as_str())),
            Optional::Jail => text(row.jail),
            Optional::Hour => int(row.hour.map(u32::from)),
            Optional::Failures => int(row.failures),
            Optional::ReporterCountry => text(row.reporter_country.as_ref().map(|c| c.as_str())),
            Optional::ReporterId => row.reporter_id.map_or(Cell::Null, Cell::Id),
            Optional::AttackerId => row.attacker_id.map_or(Cell::Null, Cell::Id),
        };
        each(column.name(), cell);
    }
}

/// A `Write` that appends to a shared buffer, so that the CSV writer's bytes
/// can be moved into the record writer one whole record at a time.
#[derive(Clone, Default)]
struct Spool(Rc<RefCell<Vec<u8>>>);

impl io::Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct CsvOut {
    writer: csv::Writer<Spool>,
    spool: Spool,
    /// The formatted cells of the current row and where each one ends.
    scratch: Vec<u8>,
    ends: Vec<Option<usize>>,
}

/// Writes released rows to a [`RecordWriter`], as NDJSON or CSV.
pub struct RowWriter {
    columns: Columns,
    csv: Option<CsvOut>,
    rows: u64,
}

impl RowWriter {
    /// A writer of `columns`; CSV when `csv`, else NDJSON.
    pub fn new(columns: Columns, csv: bool) -> RowWriter {
        let csv = csv.then(|| {
            let spool = Spool::default();
            CsvOut {
                writer: csv::WriterBuilder::new()
                    .has_headers(false)
                    .buffer_capacity(4096)
                    .from_writer(spool.clone()),
                spool,
                scratch: Vec::with_capacity(256),
                ends: Vec::with_capacity(16),
            }
        });
        RowWriter {
            columns,
            csv,
            rows: 0,
        }
    }

    /// Rows written so far (the CSV header is not a row).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes the CSV header (nothing for NDJSON).
    pub fn header(&mut self, out: &mut RecordWriter) -> Result<()> {
        let names = self.columns.names();
        if let Some(csv) = &mut self.csv {
            csv.write(names.iter().map(|n| Some(n.as_bytes())), out)?;
        }
        Ok(())
    }

    /// Writes one row.
    pub fn write(&mut self, row: &Released<'_>, out: &mut RecordWriter) -> Result<()> {
        self.rows += 1;
        let columns = self.columns;
        match &mut self.csv {
            None => {
                let buf = out.buffer();
                buf.push(b'{');
                let mut first = true;
                cells(row, columns, |name, cell| {
                    if !first {
                        buf.push(b',');
                    }
                    first = false;
                    buf.push(b'"');
                    buf.extend_from_slice(name.as_bytes());
                    buf.extend_from_slice(b"\":");
                    match cell {
                        Cell::Null => buf.extend_from_slice(b"null"),
                        Cell::Text(s) => push_json_str(buf, s),
                        Cell::Int(n) => push_decimal(buf, u64::from(n)),
                        Cell::Date(d) => {
                            buf.push(b'"');
                            d.write(buf);
                            buf.push(b'"');
                        }
                        Cell::Id(p) => {
                            buf.push(b'"');
                            p.write(buf);
                            buf.push(b'"');
                        }
                    }
                });
                buf.extend_from_slice(b"}\n");
                out.end_record()
            }
            Some(csv) => {
                let CsvOut {
                    writer,
                    spool,
                    scratch,
                    ends,
                } = csv;
                scratch.clear();
                ends.clear();
                cells(row, columns, |_, cell| {
                    match cell {
                        Cell::Null => {
                            ends.push(None);
                            return;
                        }
                        Cell::Text(s) => scratch.extend_from_slice(s.as_bytes()),
                        Cell::Int(n) => push_decimal(scratch, u64::from(n)),
                        Cell::Date(d) => d.write(scratch),
                        Cell::Id(p) => p.write(scratch),
                    }
                    ends.push(Some(scratch.len()));
                });
                let mut start = 0;
                let fields = ends.iter().map(|end| {
                    end.map(|end| {
                        let field = &scratch[start..end];
                        start = end;
                        field
                    })
                });
                write_csv(writer, spool, fields, out)
            }
        }
    }
}

impl CsvOut {
    fn write<'f>(
        &mut self,
        fields: impl Iterator<Item = Option<&'f [u8]>>,
        out: &mut RecordWriter,
    ) -> Result<()> {
        write_csv(&mut self.writer, &self.spool, fields, out)
    }
}

fn write_csv<'f>(
    writer: &mut csv::Writer<Spool>,
    spool: &Spool,
    fields: impl Iterator<Item = Option<&'f [u8]>>,
    out: &mut RecordWriter,
) -> Result<()> {
    let failed = |e: csv::Error| Error::data(format!("cannot encode a CSV row: {e}"));
    writer
        .write_record(fields.map(|f| f.unwrap_or(b"")))
        .map_err(failed)?;
    writer.flush().map_err(|e| failed(e.into()))?;
    out.buffer().append(&mut spool.0.borrow_mut());
    out.end_record()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Country, Service};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn written(columns: Columns, csv: bool, rows: &[Released<'_>]) -> String {
        let sink = Shared::default();
        let mut out = RecordWriter::new("test".into(), Box::new(sink.clone()), 0);
        let mut w = RowWriter::new(columns, csv);
        w.header(&mut out).unwrap();
        for row in rows {
            w.write(row, &mut out).unwrap();
        }
        out.finish().unwrap();
        let bytes = sink.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    fn row() -> Released<'static> {
        Released {
            date: Some(Date::Day {
                year: 2011,
                month: 7,
                day: 4,
            }),
            country: Country::parse("CN"),
            asn: Some(4134),
            service: Some(Service::Ssh),
            hour: Some(0),
            ..Released::default()
        }
    }

    #[test]
    fn ndjson_rows_have_every_column_in_order_with_nulls() {
        let columns = Columns::new(&[Optional::Hour, Optional::Jail]);
        assert_eq!(
            written(columns, false, &[row()]),
            "{\"date\":\"2011-07-04\",\"country\":\"CN\",\"region\":null,\"city\":null,\
             \"asn\":4134,\"service\":\"ssh\",\"jail\":null,\"hour\":0}\n"
        );
    }

    #[test]
    fn csv_has_a_header_and_empty_cells_for_null() {
        let columns = Columns::new(&[Optional::Hour]);
        assert_eq!(
            written(columns, true, &[row(), row()]),
            "date,country,region,city,asn,service,hour\n\
             2011-07-04,CN,,,4134,ssh,0\n2011-07-04,CN,,,4134,ssh,0\n"
        );
        assert_eq!(
            written(Columns::default(), true, &[]),
            "date,country,region,city,asn,service\n"
        );
    }

    #[test]
    fn json_strings_are_escaped_even_though_released_text_never_needs_it() {
        let mut out = Vec::new();
        push_json_str(&mut out, "a\"b\\c\n");
        assert_eq!(out, b"\"a\\\"b\\\\c\\n\"");
    }
}
