//! Finding data files: the option first, then an environment variable, then
//! the places where their usual tools put them (SPEC §2).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where a kind of data file may be.
pub struct DataFile {
    /// What the file is, for messages ("GeoIP database").
    pub what: &'static str,
    /// The command-line option that names it ("--db").
    pub option: &'static str,
    /// The environment variable that names it ("F2B_GEOIP_DB").
    pub env: &'static str,
    /// Directories searched last, in order.
    pub dirs: &'static [&'static str],
    /// File names looked for in each directory, in order of preference.
    pub names: &'static [&'static str],
}

impl DataFile {
    /// The file named by `given` (the option's values), else by the environment
    /// variable (several paths separated by `:`; empty entries, as in `a.gz:`,
    /// name nothing and are skipped, as `$PATH` readers skip them), else the
    /// first existing candidate. The error names everything that was looked
    /// for.
    pub fn locate(&self, given: &[PathBuf]) -> Result<Vec<PathBuf>> {
        self.locate_with(given, std::env::var_os(self.env).as_deref(), |p| {
            p.is_file()
        })
    }

    fn locate_with(
        &self,
        given: &[PathBuf],
        env: Option<&std::ffi::OsStr>,
        exists: impl Fn(&Path) -> bool,
    ) -> Result<Vec<PathBuf>> {
        if !given.is_empty() {
            return Ok(given.to_vec());
        }
        if let Some(value) = env.filter(|v| !v.is_empty()) {
            let paths: Vec<PathBuf> = std::env::split_paths(value)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            if paths.is_empty() {
                return Err(Error::data(format!(
                    "${env} names no file (only empty entries): give the {what} with \
                     {option} FILE or ${env}=FILE[:FILE...]",
                    env = self.env,
                    what = self.what,
                    option = self.option,
                )));
            }
            return Ok(paths);
        }
        let candidates: Vec<PathBuf> = self
            .dirs
            .iter()
            .flat_map(|d| self.names.iter().map(move |n| Path::new(d).join(n)))
            .collect();
        if let Some(found) = candidates.iter().find(|p| exists(p)) {
            return Ok(vec![found.clone()]);
        }
        let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        Err(Error::data(format!(
            "no {what} found: give one with {option} FILE or ${env}; also looked for {list}",
            what = self.what,
            option = self.option,
            env = self.env,
            list = if looked.is_empty() {
                "nothing else".into()
            } else {
                looked.join(", ")
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GEO: DataFile = DataFile {
        what: "GeoIP database",
        option: "--db",
        env: "F2B_GEOIP_DB",
        dirs: &["/usr/share/GeoIP", "/var/lib/GeoIP"],
        names: &["GeoLite2-City.mmdb"],
    };

    #[test]
    fn option_beats_environment_beats_usual_places() {
        let given = [PathBuf::from("a.mmdb")];
        let env = std::ffi::OsStr::new("b.mmdb:c.mmdb");
        assert_eq!(GEO.locate_with(&given, Some(env), |_| true).unwrap(), given);
        let from_env = GEO.locate_with(&[], Some(env), |_| true).unwrap();
        assert_eq!(from_env, [PathBuf::from("b.mmdb"), PathBuf::from("c.mmdb")]);
        // Empty entries name nothing; only empty ones are an error.
        let gaps = std::ffi::OsStr::new(":b.mmdb::c.mmdb:");
        assert_eq!(
            GEO.locate_with(&[], Some(gaps), |_| true).unwrap(),
            from_env
        );
        let none = GEO.locate_with(&[], Some(std::ffi::OsStr::new("::")), |_| true);
        assert!(none.unwrap_err().to_string().contains("only empty entries"));
        let usual = GEO
            .locate_with(&[], None, |p| p.starts_with("/var"))
            .unwrap();
        assert_eq!(usual, [PathBuf::from("/var/lib/GeoIP/GeoLite2-City.mmdb")]);
    }

    #[test]
    fn missing_file_error_names_what_and_where() {
        let msg = GEO
            .locate_with(&[], None, |_| false)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("no GeoIP database found"), "{msg}");
        assert!(msg.contains("--db FILE"), "{msg}");
        assert!(msg.contains("$F2B_GEOIP_DB"), "{msg}");
        assert!(msg.contains("/usr/share/GeoIP/GeoLite2-City.mmdb"), "{msg}");
    }
}
