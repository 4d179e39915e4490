//! `pm-sync dashboard`: one page that shows whether a team closes its post-mortem action items.
//!
//! - [`collect`] turns reports and Jira's answers into the [`model::Dashboard`] (pure).
//! - [`html`] renders the self-contained page, with charts from [`svg`].
//! - [`markdown`] renders a short summary; the JSON file is the model serialised.
//! - [`write_site`] writes the site's files, each atomically.

pub mod collect;
pub mod html;
pub mod markdown;
pub mod model;
pub mod svg;

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// The page's file name in the output folder.
pub const INDEX_FILE: &str = "index.html";
/// The JSON file's name in the output folder.
pub const JSON_FILE: &str = "dashboard.json";

/// The site could not be written.
#[derive(Debug, Error)]
#[error("cannot write the dashboard to {path}: {source}")]
pub struct WriteError {
    /// The file or folder that failed.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Writes `index.html` and `dashboard.json` into `dir` (created if missing). Each file is
/// replaced atomically, so a published site never shows a half-written page. Returns the files
/// written.
pub fn write_site(dir: &Path, dashboard: &model::Dashboard) -> Result<Vec<PathBuf>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError {
        path: dir.to_path_buf(),
        source,
    })?;
    // Each file is written as it is made: neither the page nor the JSON of 100,000 items is
    // ever one string.
    type Write = fn(&mut dyn std::io::Write, &model::Dashboard) -> std::io::Result<()>;
    let files: [(&str, Write); 2] = [
        (INDEX_FILE, |mut out, dashboard| {
            html::write(&mut out, dashboard, JSON_FILE)
        }),
        (JSON_FILE, |mut out, dashboard| {
            crate::output::write_json(&mut out, dashboard)
        }),
    ];
    let mut written = Vec::new();
    for (name, make) in files {
        let path = dir.join(name);
        write_atomically(&path, |out| make(out, dashboard)).map_err(|source| WriteError {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Writes a file through `make`, replacing it atomically when it is complete.
fn write_atomically(
    path: &Path,
    make: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut options = atomic_write_file::AtomicWriteFile::options();
    // A symbolic link in its place is replaced by the page (its target is left alone); the
    // page must not take the link's own mode, which is 0777: world-writable.
    #[cfg(unix)]
    if std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink()) {
        use atomic_write_file::unix::OpenOptionsExt;
        options.preserve_mode(false).preserve_owner(false);
    }
    let mut file = options.open(path)?;
    {
        // Through the secret filter, as every file pm-sync writes.
        let mut out = crate::redact::FileWriter::new(std::io::BufWriter::new(&mut file));
        make(&mut out)?;
        out.finish()?.flush()?;
    }
    file.commit()
}
