//! The error type of every f2b binary and the exit codes of SPEC §2.

use std::fmt;
use std::io;

/// Convenience alias used across the workspace.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, which decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad command-line usage: exit status 2.
    Usage,
    /// Bad input data or a missing/corrupt data file: exit status 1.
    Data,
    /// An I/O error that stopped the run: exit status 1.
    Io,
}

/// An error that stops a run. Its message names the file, line or offset and why.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    message: String,
    source: Option<io::Error>,
    /// Set for errors while writing stdout, where a closed pipe is not an error.
    on_output: bool,
}

impl Error {
    /// A usage error (exit 2); the funnel adds "Try '--help'".
    pub fn usage(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Usage,
            message: message.into(),
            source: None,
            on_output: false,
        }
    }

    /// A data error (exit 1): bad input or a bad data file.
    pub fn data(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Data,
            message: message.into(),
            source: None,
            on_output: false,
        }
    }

    /// An I/O error while reading or opening `context` (exit 1).
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error {
            kind: Kind::Io,
            message: context.into(),
            source: Some(source),
            on_output: false,
        }
    }

    /// An I/O error while writing stdout; a broken pipe here ends the program
    /// quietly with status 0. (A closed pipe given as a FILE is an [`Error::io`]:
    /// only stdout may be closed by a `| head`.)
    pub fn output(context: impl Into<String>, source: io::Error) -> Self {
        Error {
            kind: Kind::Io,
            message: context.into(),
            source: Some(source),
            on_output: true,
        }
    }

    /// The kind of error.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// True when stdout was closed by its reader (`| head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        self.on_output
            && self
                .source
                .as_ref()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// The exit status this error gives (SPEC §2).
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Usage => 2,
            Kind::Data | Kind::Io => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_only_counts_on_output() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(Error::output("writing stdout", pipe()).is_broken_pipe());
        assert!(!Error::io("reading x", pipe()).is_broken_pipe());
        assert_eq!(Error::usage("x").exit_code(), 2);
        assert_eq!(Error::data("x").exit_code(), 1);
    }
}
