//! The library's error type. Errors about one document never appear here:
//! they become a [`Reject`](crate::report::Reject) and the run goes on.
//! These are the errors that stop a run (an output that cannot be written,
//! a bad rules file, an accounting mismatch).

use std::path::PathBuf;

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    Io(std::io::Error),
    /// A setting is invalid (for example an output folder for JSONL input
    /// that cannot be created).
    Config(String),
    /// The user rules file of the strip stage is invalid.
    Rules(String),
    /// `docs_in != docs_out + docs_rejected + docs_duplicate`: a bug.
    Accounting(String),
    /// The run was interrupted (Ctrl-C or SIGTERM).
    Interrupted,
}

/// An error that stopped a run, with the path it concerns when there is one.
#[derive(Debug)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The file it concerns.
    pub path: Option<PathBuf>,
}

impl Error {
    /// An error of `kind` about no particular file.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind, path: None }
    }

    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, err: std::io::Error) -> Error {
        Error {
            kind: ErrorKind::Io(err),
            path: Some(path.into()),
        }
    }

    /// A configuration error.
    pub fn config(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config(msg.into()))
    }

    /// Whether this is a broken pipe on the output (`scour ... | head`),
    /// which ends a run quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(&self.kind, ErrorKind::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}: ", path.display())?;
        }
        match &self.kind {
            ErrorKind::Io(e) => write!(f, "{e}"),
            ErrorKind::Config(m) => write!(f, "{m}"),
            ErrorKind::Rules(m) => write!(f, "rules: {m}"),
            ErrorKind::Accounting(m) => write!(f, "accounting mismatch (a bug in scour): {m}"),
            ErrorKind::Interrupted => write!(f, "interrupted"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io(e))
    }
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
