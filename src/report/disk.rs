//! The report's file: checking it still holds what was read, and replacing it atomically —
//! one file, or many at once with their flushes overlapped — through one [`Durability`] seam.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// How written files and renames reach stable storage. The default, [`RealDisk`], calls
/// `fsync`; a benchmark or a test may install another in-process with [`set_durability`]
/// (to count flushes, or to simulate a slow disk). Never chosen from the environment.
pub trait Durability: Send + Sync {
    /// Flushes the data and metadata of `file` (open for writing at `path`).
    fn sync_file(&self, file: &File, path: &Path) -> io::Result<()>;
    /// Makes the entries of `folder` durable: a rename, a new or removed file.
    fn sync_folder(&self, folder: &Path) -> io::Result<()>;
}

/// `fsync` for real.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealDisk;

impl Durability for RealDisk {
    fn sync_file(&self, file: &File, _path: &Path) -> io::Result<()> {
        file.sync_all()
    }

    fn sync_folder(&self, folder: &Path) -> io::Result<()> {
        // Only Unix can open and sync a folder; elsewhere a rename is as durable as it gets.
        #[cfg(unix)]
        File::open(folder)?.sync_all()?;
        #[cfg(not(unix))]
        let _ = folder;
        Ok(())
    }
}

static DURABILITY: RwLock<Option<Arc<dyn Durability>>> = RwLock::new(None);

/// Installs `durability` for every later save in this process (a library-level hook for
/// benchmarks and tests; the binary never calls it).
pub fn set_durability(durability: Arc<dyn Durability>) {
    *DURABILITY.write().unwrap_or_else(|e| e.into_inner()) = Some(durability);
}

fn durability() -> Arc<dyn Durability> {
    DURABILITY
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_else(|| Arc::new(RealDisk))
}

/// Flushes `file`, written at `path`, through the installed [`Durability`].
pub fn sync_file(file: &File, path: &Path) -> io::Result<()> {
    durability().sync_file(file, path)
}

/// Makes the entries of `folder` durable through the installed [`Durability`].
pub fn sync_folder(folder: &Path) -> io::Result<()> {
    durability().sync_folder(folder)
}

/// When the folder holding a replaced file is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderSync {
    /// Before the replace returns: the new contents survive a power loss.
    Now,
    /// Later, by the caller ([`sync_folder`]): after a power loss the file holds either its old
    /// or its new contents, both complete. For saves that a later durable save supersedes.
    Deferred,
}

/// The length and a 64-bit hash of a file's bytes: enough to tell whether a file still holds
/// what was read, without keeping a second copy of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    len: u64,
    hash: u64,
}

impl Fingerprint {
    /// The fingerprint of `bytes`.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        let mut hasher = FingerprintHasher::new();
        hasher.write(bytes);
        hasher.finish()
    }
}

/// Hashes bytes given in any number of pieces: the same bytes give the same fingerprint however
/// they are split.
pub(crate) struct FingerprintHasher {
    len: u64,
    // SipHash-1-3 with fixed keys: the same in every run and on every machine.
    hasher: std::hash::DefaultHasher,
}

impl FingerprintHasher {
    pub(crate) fn new() -> Self {
        FingerprintHasher {
            len: 0,
            hasher: std::hash::DefaultHasher::new(),
        }
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        use std::hash::Hasher;
        self.len += bytes.len() as u64;
        self.hasher.write(bytes);
    }

    pub(crate) fn finish(&self) -> Fingerprint {
        use std::hash::Hasher;
        Fingerprint {
            len: self.len,
            hash: self.hasher.finish(),
        }
    }
}

/// How a report path is opened by [`open_regular`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read only.
    Read,
    /// Write, neither truncating nor creating: checks write access without touching a byte or
    /// a time. Not append: Linux lets an append-only file (`chattr +a`) be opened for append,
    /// though the save's rename can never replace it; a plain write open is refused for it, as
    /// for an immutable one.
    Write,
}

/// Opens the file at `path` only if it is a regular file, and never blocks doing it: the open
/// is non-blocking (a FIFO with no writer, or a device, would otherwise wait forever), and what
/// was opened is checked with `fstat` before anything is read. Folders, FIFOs, sockets and
/// devices are refused with [`io::ErrorKind::InvalidInput`].
pub(crate) fn open_regular(path: &Path, access: Access) -> io::Result<File> {
    let mut options = OpenOptions::new();
    match access {
        Access::Read => options.read(true),
        Access::Write => options.write(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOCTTY: a terminal device must not become this process's controlling terminal.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        // A FIFO opened for writing without a reader answers ENXIO under O_NONBLOCK.
        #[cfg(unix)]
        Err(error) if error.raw_os_error() == Some(libc::ENXIO) => return Err(not_regular()),
        Err(error) => return Err(error),
    };
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    Ok(file)
}

/// The bytes of the regular file at `path`, opened as [`open_regular`] opens it: a sidecar
/// pm-sync keeps beside a report (its journal, its cell records) that someone replaced by a
/// FIFO or a device is refused at once instead of blocking the run forever.
pub(crate) fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_regular(path, Access::Read)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A small regular file pm-sync reads whole (its config file, a CA bundle), opened as reports
/// are (never blocking on a FIFO or a device): at most `max` bytes, else
/// [`io::ErrorKind::FileTooLarge`]. Read through a bounded handle, so `/dev/zero` behind a
/// link, or a file that grows while it is read, never fills the memory.
pub fn read_regular_at_most(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path, Access::Read)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("the file is larger than the {max} bytes allowed"),
        ));
    }
    Ok(bytes)
}

/// The error for a path that is not a regular file.
pub(crate) fn not_regular() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "not a regular file (a folder, FIFO, socket or device); a report is a Markdown file",
    )
}

/// Whether the file at `path` has the fingerprint `expected`, read in chunks.
pub(crate) fn has_fingerprint(path: &Path, expected: Fingerprint) -> io::Result<bool> {
    let mut file = open_regular(path, Access::Read)?;
    if file.metadata()?.len() != expected.len {
        return Ok(false);
    }
    let mut hasher = FingerprintHasher::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(hasher.finish() == expected);
        }
        hasher.write(&buffer[..read]);
    }
}

/// Whether the file at `path` holds exactly `expected`, compared in chunks so a large report is
/// not read into memory a second time.
pub(crate) fn holds(path: &Path, expected: &[u8]) -> io::Result<bool> {
    let mut file = open_regular(path, Access::Read)?;
    if file.metadata()?.len() != expected.len() as u64 {
        return Ok(false);
    }
    let mut buffer = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(at == expected.len());
        }
        if expected.get(at..at + read) != Some(&buffer[..read]) {
            return Ok(false);
        }
        at += read;
    }
}

/// The file to write: symlinks resolved, so saving replaces the target rather than the link.
pub(crate) fn target(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// The folder holding `path` (`.` for a bare file name).
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Replaces the file at `path` with `bytes`: a temporary file in the same folder, written,
/// flushed and renamed over it; the folder synced now or later (`folder`). The file's
/// permissions (and, where allowed, owner) are kept.
pub fn replace(path: &Path, bytes: &[u8], folder: FolderSync) -> io::Result<()> {
    let temp = write_temporary(path, bytes)?;
    if let Err(error) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(error);
    }
    if folder == FolderSync::Now {
        sync_folder(&folder_of(path))?;
    }
    Ok(())
}

/// A new file written beside the one it is to replace ([`write_beside`]), not yet in its
/// place: [`Beside::commit`] renames it over the file; dropped, it is removed and the file
/// stays as it was.
#[derive(Debug)]
pub struct Beside {
    temp: Option<PathBuf>,
    path: PathBuf,
}

/// Writes what `write` writes (masked as [`replace`] masks) to a temporary file beside `path`,
/// flushed, with `path`'s permissions, to replace it once checked: a big report's new bytes
/// written as they are made, never held whole.
pub fn write_beside(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> io::Result<Beside> {
    let temp = write_temporary_with(path, &mut |file| {
        let mut masked = crate::redact::FileWriter::new(file);
        write(&mut masked)?;
        masked.finish().map(drop)
    })?;
    Ok(Beside {
        temp: Some(temp),
        path: path.to_owned(),
    })
}

impl Beside {
    /// Where the new file is until it is committed.
    pub fn temp_path(&self) -> &Path {
        self.temp.as_deref().unwrap_or(&self.path)
    }

    /// Renames the new file over the old one; the folder synced now or later (`folder`).
    pub fn commit(mut self, folder: FolderSync) -> io::Result<()> {
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        if let Err(error) = std::fs::rename(&temp, &self.path) {
            let _ = std::fs::remove_file(&temp);
            return Err(error);
        }
        if folder == FolderSync::Now {
            sync_folder(&folder_of(&self.path))?;
        }
        Ok(())
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Replaces many files at once: temporary files written and flushed in parallel, renamed, then
/// one folder sync per folder. One result per file, in order; a file whose temporary file
/// could not be written keeps its old contents, and the others are still replaced.
pub fn replace_many(files: &[(&Path, &[u8])]) -> Vec<io::Result<()>> {
    // Flushing is waiting on the disk, not computing: a few threads overlap the waits.
    let workers = files.len().clamp(1, 16);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut temps: Vec<Option<io::Result<PathBuf>>> = (0..files.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some((path, bytes)) = files.get(at) else {
                            return done;
                        };
                        done.push((at, write_temporary(path, bytes)));
                    }
                })
            })
            .collect();
        for handle in handles {
            for (at, temp) in handle.join().unwrap_or_default() {
                temps[at] = Some(temp);
            }
        }
    });
    let mut folders = BTreeSet::new();
    let mut results: Vec<io::Result<()>> = files
        .iter()
        .zip(temps)
        .map(|((path, _), temp)| {
            let temp = temp.unwrap_or_else(|| Err(io::Error::other("the save thread failed")))?;
            if let Err(error) = std::fs::rename(&temp, path) {
                let _ = std::fs::remove_file(&temp);
                return Err(error);
            }
            folders.insert(folder_of(path));
            Ok(())
        })
        .collect();
    for folder in folders {
        if let Err(error) = sync_folder(&folder) {
            // Every file renamed into that folder may not be durable: say so for each.
            for ((path, _), result) in files.iter().zip(results.iter_mut()) {
                if result.is_ok() && folder_of(path) == folder {
                    *result = Err(io::Error::new(error.kind(), error.to_string()));
                }
            }
        }
    }
    results
}

/// Writes `bytes` to a new temporary file beside `path` (named `.NAME.pm-sync.N.tmp`, so a
/// crash leaves something recognisable), with `path`'s permissions, flushed. Returns its path.
fn write_temporary(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    // Every file pm-sync saves (reports, journals) passes the secret filter here. A report
    // that holds a secret is refused when loaded, so for reports this changes nothing.
    write_temporary_with(path, &mut |file| {
        file.write_all(&crate::redact::bytes(bytes))
    })
}

/// [`write_temporary`], the file's bytes written by `write`.
fn write_temporary_with(
    path: &Path,
    write: &mut dyn FnMut(&mut File) -> io::Result<()>,
) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?
        .to_string_lossy()
        .into_owned();
    let folder = folder_of(path);
    let existing = std::fs::metadata(path).ok();
    let (temp, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = folder.join(format!(".{name}.pm-sync.{}-{n}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    };
    let written = (|| {
        if let Some(existing) = &existing {
            file.set_permissions(existing.permissions())?;
            keep_owner(&file, existing)?;
        }
        write(&mut file)?;
        sync_file(&file, &temp)
    })();
    if let Err(error) = written {
        drop(file);
        let _ = std::fs::remove_file(&temp);
        return Err(error);
    }
    Ok(temp)
}

/// Gives the new file the old one's owner and group, when this user may (root, or a group
/// change within the user's groups); a plain user's file is theirs already.
#[cfg(unix)]
fn keep_owner(file: &File, existing: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let own = file.metadata()?;
    if own.uid() == existing.uid() && own.gid() == existing.gid() {
        return Ok(());
    }
    match std::os::unix::fs::fchown(file, Some(existing.uid()), Some(existing.gid())) {
        Err(error) if error.kind() == io::ErrorKind::PermissionDenied => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &File, _existing: &std::fs::Metadata) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_read_in_chunks_matches_the_one_of_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.md");
        // Over two read buffers, so the file is hashed in several pieces.
        let bytes: Vec<u8> = (0..150_000u32).map(|n| (n % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert!(has_fingerprint(&path, Fingerprint::of(&bytes)).unwrap());
        let mut changed = bytes.clone();
        changed[140_000] ^= 1;
        assert!(!has_fingerprint(&path, Fingerprint::of(&changed)).unwrap());
        assert!(!has_fingerprint(&path, Fingerprint::of(&bytes[1..])).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn read_regular_refuses_a_fifo_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("journal.json");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // A blocking read would wait for a writer forever; this returns at once.
        let error = read_regular(&fifo).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        std::fs::write(dir.path().join("r.json"), "{}").unwrap();
        assert_eq!(read_regular(&dir.path().join("r.json")).unwrap(), b"{}");
    }

    #[test]
    fn replace_many_writes_every_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..20)
            .map(|n| dir.path().join(format!("{n}.md")))
            .collect();
        for path in &paths {
            std::fs::write(path, "old").unwrap();
        }
        let texts: Vec<String> = (0..20).map(|n| format!("new {n}")).collect();
        let files: Vec<(&Path, &[u8])> = paths
            .iter()
            .zip(&texts)
            .map(|(p, t)| (p.as_path(), t.as_bytes()))
            .collect();
        assert!(replace_many(&files).iter().all(Result::is_ok));
        for (path, text) in paths.iter().zip(&texts) {
            assert_eq!(&std::fs::read_to_string(path).unwrap(), text);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 20);
    }

    #[cfg(unix)]
    #[test]
    fn replace_keeps_the_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pm.md");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace(&path, b"new", FolderSync::Now).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }
}
