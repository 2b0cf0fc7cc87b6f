//! Mailbox writers: mbox files per arrival month (mboxrd quoting, optionally
//! gzip-compressed), a Maildir (`cur/`, `new/`, `tmp/`), or one `.eml` file
//! per message; the container can change at given dates, as archives do
//! (plain mbox, then compressed old months, then a Maildir).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use f2b_core::{Error, Result};
use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};

use crate::encode;
use crate::rng::Rng;
use crate::time::{self, Ts};

/// How messages are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// `YYYY-MM.mbox`.
    Mbox,
    /// `YYYY-MM.mbox.gz`.
    MboxGz,
    /// `Maildir/cur/…` and `Maildir/new/…`.
    Maildir,
    /// `eml/YYYY-MM/NNNNNNN.eml`.
    Eml,
    /// `eml/YYYY-MM/NNNNNNN.eml.gz`.
    EmlGz,
}

impl FromStr for Container {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Container, String> {
        Ok(match text {
            "mbox" => Container::Mbox,
            "mbox.gz" => Container::MboxGz,
            "maildir" => Container::Maildir,
            "eml" => Container::Eml,
            "eml.gz" => Container::EmlGz,
            other => {
                return Err(format!(
                    "unknown format {other:?} (mbox, mbox.gz, maildir, eml, eml.gz)"
                ))
            }
        })
    }
}

/// Where a message was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Path relative to the output directory.
    pub file: String,
    /// Byte offset of its `From ` line in the (uncompressed) mbox.
    pub offset: Option<u64>,
}

impl Location {
    /// `file:offset` for mbox, `file` otherwise (SPEC's `src`).
    pub fn src(&self) -> String {
        match self.offset {
            Some(offset) => format!("{}:{offset}", self.file),
            None => self.file.clone(),
        }
    }
}

/// An open mbox file, plain or gzip-compressed.
enum Sink {
    Plain(BufWriter<File>),
    Gz(GzEncoder<BufWriter<File>>),
}

impl Sink {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(bytes),
            Sink::Gz(w) => w.write_all(bytes),
        }
    }

    /// Ends the gzip stream and flushes, so that no error goes unseen.
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Plain(mut w) => w.flush(),
            Sink::Gz(w) => w.finish()?.flush(),
        }
    }
}

struct OpenMbox {
    name: String,
    sink: Sink,
}

/// Writes messages into the output directory, switching containers by date.
pub struct Archive {
    out: PathBuf,
    schedule: Vec<(Ts, Container)>,
    mbox: Option<OpenMbox>,
    offsets: BTreeMap<String, u64>,
    maildir_ready: bool,
    seq: u64,
    scratch: Vec<u8>,
    level: Compression,
}

fn create_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))
}

fn write_error(path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("cannot write {}", path.display()), e)
}

impl Archive {
    /// An archive in `out` using `schedule`: each entry's container applies
    /// to messages arriving from its time on (the first applies from the start).
    pub fn new(out: &Path, mut schedule: Vec<(Ts, Container)>) -> Result<Archive> {
        create_dir(out)?;
        schedule.sort_by_key(|(t, _)| *t);
        Ok(Archive {
            out: out.to_path_buf(),
            schedule,
            mbox: None,
            offsets: BTreeMap::new(),
            maildir_ready: false,
            seq: 0,
            scratch: Vec::with_capacity(64 * 1024),
            level: Compression::default(),
        })
    }

    /// Sets the gzip compression level (1 fastest – 9 smallest; 6 by default).
    pub fn with_gzip_level(mut self, level: u32) -> Archive {
        self.level = Compression::new(level.clamp(1, 9));
        self
    }

    /// The container for a message arriving at `ts`.
    pub fn container_at(&self, ts: Ts) -> Container {
        self.schedule
            .iter()
            .rev()
            .find(|(t, _)| *t <= ts)
            .or(self.schedule.first())
            .map_or(Container::Mbox, |(_, c)| *c)
    }

    /// Writes message number `number`, which arrived at `arrival` from
    /// envelope sender `envelope`. `fresh` puts a Maildir message in `new/`.
    pub fn add(
        &mut self,
        number: u64,
        arrival: Ts,
        envelope: &str,
        message: &[u8],
        fresh: bool,
        rng: &mut Rng,
    ) -> Result<Location> {
        match self.container_at(arrival) {
            c @ (Container::Mbox | Container::MboxGz) => {
                self.add_mbox(arrival, envelope, message, c == Container::MboxGz)
            }
            Container::Maildir => self.add_maildir(arrival, message, fresh, rng),
            c @ (Container::Eml | Container::EmlGz) => {
                self.add_eml(number, arrival, message, c == Container::EmlGz)
            }
        }
    }

    fn add_mbox(
        &mut self,
        arrival: Ts,
        envelope: &str,
        message: &[u8],
        gz: bool,
    ) -> Result<Location> {
        let name = format!(
            "{}.mbox{}",
            time::month_key(arrival),
            if gz { ".gz" } else { "" }
        );
        if self.mbox.as_ref().is_none_or(|m| m.name != name) {
            self.close_mbox()?;
            let path = self.out.join(&name);
            // A file seen before in this run is continued (a further gzip
            // member for .gz), anything older is replaced.
            let append = self.offsets.contains_key(&name);
            let file = OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(&path)
                .map_err(|e| write_error(&path, e))?;
            let buffered = BufWriter::with_capacity(256 * 1024, file);
            let sink = if gz {
                Sink::Gz(GzBuilder::new().mtime(0).write(buffered, self.level))
            } else {
                Sink::Plain(buffered)
            };
            self.offsets.entry(name.clone()).or_insert(0);
            self.mbox = Some(OpenMbox {
                name: name.clone(),
                sink,
            });
        }
        let offset = self.offsets[&name];
        self.scratch.clear();
        self.scratch
            .extend_from_slice(format!("From {envelope} {}\n", time::asctime(arrival)).as_bytes());
        encode::mboxrd_quote(message, &mut self.scratch);
        if self.scratch.last() != Some(&b'\n') {
            self.scratch.push(b'\n');
        }
        self.scratch.push(b'\n');
        let path = self.out.join(&name);
        if let Some(m) = self.mbox.as_mut() {
            m.sink
                .write_all(&self.scratch)
                .map_err(|e| write_error(&path, e))?;
        }
        self.offsets
            .insert(name.clone(), offset + self.scratch.len() as u64);
        Ok(Location {
            file: name,
            offset: Some(offset),
        })
    }

    fn close_mbox(&mut self) -> Result<()> {
        if let Some(m) = self.mbox.take() {
            let path = self.out.join(&m.name);
            m.sink.finish().map_err(|e| write_error(&path, e))?;
        }
        Ok(())
    }

    fn add_maildir(
        &mut self,
        arrival: Ts,
        message: &[u8],
        fresh: bool,
        rng: &mut Rng,
    ) -> Result<Location> {
        if !self.maildir_ready {
            for sub in ["cur", "new", "tmp"] {
                create_dir(&self.out.join("Maildir").join(sub))?;
            }
            self.maildir_ready = true;
        }
        self.seq += 1;
        let base = format!(
            "{arrival}.M{}P{}Q{}.archive,S={}",
            rng.range(0, 999_999),
            rng.range(1000, 65_000),
            self.seq,
            message.len()
        );
        let rel = if fresh {
            format!("Maildir/new/{base}")
        } else {
            format!("Maildir/cur/{base}:2,S")
        };
        let path = self.out.join(&rel);
        std::fs::write(&path, message).map_err(|e| write_error(&path, e))?;
        Ok(Location {
            file: rel,
            offset: None,
        })
    }

    fn add_eml(&mut self, number: u64, arrival: Ts, message: &[u8], gz: bool) -> Result<Location> {
        let dir = format!("eml/{}", time::month_key(arrival));
        create_dir(&self.out.join(&dir))?;
        let rel = format!("{dir}/{number:07}.eml{}", if gz { ".gz" } else { "" });
        let path = self.out.join(&rel);
        let file = File::create(&path).map_err(|e| write_error(&path, e))?;
        let mut w = BufWriter::new(file);
        if gz {
            let mut gz: GzEncoder<_> = GzBuilder::new().mtime(0).write(w, self.level);
            gz.write_all(message)
                .and_then(|_| gz.finish())
                .and_then(|mut inner| inner.flush())
                .map_err(|e| write_error(&path, e))?;
        } else {
            w.write_all(message)
                .and_then(|_| w.flush())
                .map_err(|e| write_error(&path, e))?;
        }
        Ok(Location {
            file: rel,
            offset: None,
        })
    }

    /// Finishes the open mbox (and its gzip stream).
    pub fn finish(mut self) -> Result<()> {
        self.close_mbox()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn mbox_offsets_point_at_from_lines_and_body_from_is_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = Archive::new(dir.path(), vec![(0, Container::Mbox)]).unwrap();
        let mut rng = Rng::new(1);
        let t = time::timestamp(2011, 3, 1, 6, 38, 7);
        let a = archive
            .add(
                1,
                t,
                "MAILER-DAEMON",
                b"Subject: a\n\nFrom me\n",
                false,
                &mut rng,
            )
            .unwrap();
        let b = archive
            .add(
                2,
                t + 60,
                "MAILER-DAEMON",
                b"Subject: b\n\nhi\n",
                false,
                &mut rng,
            )
            .unwrap();
        archive.finish().unwrap();
        let text = std::fs::read_to_string(dir.path().join("2011-03.mbox")).unwrap();
        assert_eq!(a.src(), "2011-03.mbox:0");
        let off = b.offset.unwrap() as usize;
        assert!(text[off..].starts_with("From MAILER-DAEMON Tue Mar  1 06:39:07 2011\nSubject: b"));
        assert!(text.contains("\n>From me\n"));
    }

    #[test]
    fn schedule_switches_to_gzip_and_maildir() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = time::timestamp(2010, 12, 31, 0, 0, 0);
        let t1 = time::timestamp(2011, 1, 1, 0, 0, 0);
        let t2 = time::timestamp(2013, 1, 1, 0, 0, 0);
        let mut archive = Archive::new(
            dir.path(),
            vec![
                (0, Container::Mbox),
                (t1, Container::MboxGz),
                (t2, Container::Maildir),
            ],
        )
        .unwrap();
        let mut rng = Rng::new(1);
        let a = archive
            .add(1, t0, "MAILER-DAEMON", b"X: 1\n\n1\n", false, &mut rng)
            .unwrap();
        let b = archive
            .add(2, t1 + 5, "MAILER-DAEMON", b"X: 2\n\n2\n", false, &mut rng)
            .unwrap();
        let c = archive
            .add(3, t2 + 5, "MAILER-DAEMON", b"X: 3\n\n3\n", true, &mut rng)
            .unwrap();
        archive.finish().unwrap();
        assert_eq!(a.file, "2010-12.mbox");
        assert_eq!(b.file, "2011-01.mbox.gz");
        assert!(c.file.starts_with("Maildir/new/1356998405.") && c.offset.is_none());
        let mut text = String::new();
        flate2::read::GzDecoder::new(File::open(dir.path().join("2011-01.mbox.gz")).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.starts_with("From MAILER-DAEMON Sat Jan  1 00:00:05 2011\nX: 2\n"));
        assert_eq!(
            std::fs::read(dir.path().join(&c.file)).unwrap(),
            b"X: 3\n\n3\n"
        );
    }
}
