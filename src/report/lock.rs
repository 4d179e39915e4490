//! An advisory lock against a second pm-sync working on the same report at the same time,
//! keyed by the file's identity (its inode), leaving no file behind.
//!
//! What is locked: the report file itself, opened **read-only** (`flock` needs no write access,
//! so nobody's stale lock file can block a run, and nothing is created beside the report). Every
//! name of one file — hard links, symlinks, `./a/../a/pm.md` — reaches the same inode and so the
//! same lock.
//!
//! The catch is that saving renames a new file over the report: the path then names a new inode
//! that nobody has locked. Two rules close that gap, both built on a short-lived lock of the
//! report's **folder** (an `flock` on the folder's own descriptor, again no file):
//! 1. taking the lock happens under the folder lock: open the report, lock its inode, check the
//!    path still names that inode, let go of the folder;
//! 2. a save happens under the folder lock too ([`ReportLock::saving`]), and the new inode is
//!    locked before the folder is let go.
//!
//! So nobody can open the new inode between the rename and its lock. The old inodes stay locked
//! until the run ends: a hard link elsewhere still names one of them, and a process that waits on
//! that name must wait for the whole run, not just the first save. The folder lock is only ever
//! held for a moment (never while waiting for a report lock), so runs on different reports of
//! one folder do not wait on each other.
//!
//! When the lock is held, the message names the holder (pid, user, command line) as the kernel
//! lists it in `/proc/locks` (Linux; elsewhere it says "another process").

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::error::ReportError;

/// How long [`lock`] waits for another process to let go.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Holds the report's lock until dropped.
#[derive(Debug)]
pub struct ReportLock {
    /// The report's real path (symlinks resolved).
    path: PathBuf,
    /// The report's folder, locked for a moment around saves.
    folder: PathBuf,
    /// Every inode this run has had at the report's path, each opened read-only and locked.
    files: Vec<File>,
}

impl ReportLock {
    /// The file whose inode is locked: the report's real path (symlinks resolved).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `save` (which may rename a new file over the report) under the folder lock, then
    /// locks the inode the path names afterwards, so no other process can slip in between.
    pub fn saving<T>(
        &mut self,
        save: impl FnOnce() -> Result<T, ReportError>,
    ) -> Result<T, ReportError> {
        let folder = lock_folder(&self.folder, &self.path, LOCK_WAIT)?;
        let saved = save();
        let relocked = self.lock_current();
        drop(folder);
        let saved = saved?;
        relocked?;
        Ok(saved)
    }

    /// [`ReportLock::saving`] for many reports at once (saves overlapped): the folder of every
    /// lock is held while `save` runs, then each report's new file is locked. Folders are
    /// locked once each, in path order, so two runs never wait on each other in a circle.
    pub fn saving_many<T>(
        locks: &mut [&mut ReportLock],
        save: impl FnOnce() -> T,
    ) -> Result<T, ReportError> {
        let mut folders: Vec<(&Path, &Path)> = locks
            .iter()
            .map(|lock| (lock.folder.as_path(), lock.path.as_path()))
            .collect();
        folders.sort();
        folders.dedup_by(|a, b| a.0 == b.0);
        let guards = folders
            .into_iter()
            .map(|(folder, path)| lock_folder(folder, path, LOCK_WAIT))
            .collect::<Result<Vec<_>, _>>()?;
        let saved = save();
        let relocked: Result<(), ReportError> =
            locks.iter_mut().try_for_each(|lock| lock.lock_current());
        drop(guards);
        relocked?;
        Ok(saved)
    }

    /// Locks the inode the path names now, unless it is one this lock already holds.
    fn lock_current(&mut self) -> Result<(), ReportError> {
        let file = open_read_only(&self.path)?;
        let identity = identity_of(&file.metadata().map_err(|c| read_error(&self.path, c))?);
        for held in &self.files {
            if held.metadata().ok().map(|m| identity_of(&m)) == Some(identity) {
                return Ok(());
            }
        }
        match file.try_lock() {
            Ok(()) => {
                self.files.push(file);
                Ok(())
            }
            // Nobody can open the new inode while we hold the folder lock, unless something
            // other than pm-sync replaced the report meanwhile.
            Err(TryLockError::WouldBlock) => Err(locked(&self.path, Duration::ZERO)),
            Err(TryLockError::Error(cause)) => Err(read_error(&self.path, cause)),
        }
    }

    /// Who holds the lock of the report at `path` (pid, user, command line), when the system
    /// says; `None` when it is free or the system does not tell (non-Linux).
    pub fn holder_of(path: &Path) -> Option<String> {
        let real = std::fs::canonicalize(path).ok()?;
        let metadata = std::fs::metadata(&real).ok()?;
        holder(&metadata)
    }
}

impl Drop for ReportLock {
    fn drop(&mut self) {
        // Closing the files releases the locks too; unlocking first says so explicitly.
        for file in &self.files {
            let _ = file.unlock();
        }
    }
}

/// The file whose inode is locked for the report at `path`: its real path (symlinks resolved).
/// Nothing is created there; the report itself is locked.
pub fn lock_path(path: &Path) -> Result<PathBuf, ReportError> {
    std::fs::canonicalize(path).map_err(|cause| read_error(path, cause))
}

/// Locks the report at `path`, waiting up to [`LOCK_WAIT`] for another process to finish.
pub fn lock(path: &Path) -> Result<ReportLock, ReportError> {
    lock_with_timeout(path, LOCK_WAIT)
}

/// Locks the report at `path`, waiting up to `wait` for another holder to let go.
///
/// The lock is for a run that will rewrite the report, so a report that is read-only (no write
/// permission bit, or not writable by this user) is refused here, before anything is sent.
pub fn lock_with_timeout(path: &Path, wait: Duration) -> Result<ReportLock, ReportError> {
    let real = lock_path(path)?;
    refuse_read_only(path, &real)?;
    let folder = real
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let started = Instant::now();
    loop {
        let waited = started.elapsed();
        let guard = lock_folder(&folder, path, wait.saturating_sub(waited))?;
        let file = open_read_only(&real)?;
        match file.try_lock() {
            Ok(()) => {
                // Under the folder lock nobody renames, but an editor might have replaced the
                // file before we took it: lock what the path names now.
                let now = std::fs::metadata(&real).map_err(|c| read_error(path, c))?;
                let ours = file.metadata().map_err(|c| read_error(path, c))?;
                drop(guard);
                if identity_of(&now) == identity_of(&ours) {
                    return Ok(ReportLock {
                        path: real,
                        folder,
                        files: vec![file],
                    });
                }
            }
            Err(TryLockError::WouldBlock) => {
                drop(guard);
                let waited = started.elapsed();
                if waited >= wait {
                    let error = locked(path, waited);
                    if let Ok(metadata) = file.metadata() {
                        let who = holder(&metadata).unwrap_or_else(|| {
                            "another process (the system does not say which)".into()
                        });
                        tracing::error!("{}: the report's lock is held by {who}", path.display());
                    }
                    return Err(error);
                }
                thread::sleep((wait - waited).min(Duration::from_millis(50)));
            }
            Err(TryLockError::Error(cause)) => return Err(read_error(path, cause)),
        }
    }
}

/// Refuses a report that pm-sync could not save in place, before anything is sent to Jira:
/// saving would either fail after Jira changed (exit 3, tickets whose keys only the journal
/// knows) or, as root or by renaming over it, rewrite a file someone marked read-only.
///
/// - the report must be writable: no write bit, or an open for writing refused (which also
///   catches an append-only or immutable file, whose open for append alone would succeed);
/// - its folder must take a new file (the atomic save writes one beside the report and renames
///   it): checked by creating and removing an empty probe file, the only test that holds for
///   root too (permission bits do not stop root; a read-only mount, `chattr +i` or an ACL do,
///   and `access(W_OK)` misses some of those);
/// - in a sticky folder (`/tmp`) the report must be this user's (or the folder's): only they
///   may rename over it;
/// - it must have one name only: the rename gives the report a new inode, so a second hard
///   link would keep the old bytes without the keys, and a sync of that name would file every
///   ticket again.
fn refuse_read_only(path: &Path, real: &Path) -> Result<(), ReportError> {
    let metadata = std::fs::metadata(real).map_err(|c| read_error(path, c))?;
    let refuse = |why: String, fix: &str| ReportError::Write {
        path: path.to_owned(),
        cause: io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{why}; pm-sync rewrites reports, so nothing was sent to Jira — {fix}"),
        ),
    };
    if !metadata.is_file() {
        return Err(read_error(path, super::disk::not_regular()));
    }
    if metadata.permissions().readonly() {
        return Err(refuse(
            "the report is read-only (no write permission bit)".to_owned(),
            "make it writable (chmod u+w) or preview with --dry-run",
        ));
    }
    if let Err(cause) = super::disk::open_regular(real, super::disk::Access::Write) {
        return Err(refuse(
            format!("the report is not writable by this user ({cause})"),
            "make it writable (chmod u+w; an append-only or immutable flag, shown by lsattr, \
             goes with chattr -a -i) or preview with --dry-run",
        ));
    }
    let folder = super::disk::folder_of(real);
    let probed = probe_folder(&folder);
    if let Err(cause) = probed {
        return Err(refuse(
            format!(
                "its folder {} does not take new files ({cause}), and saving writes a new file \
                 there and renames it over the report",
                folder.display()
            ),
            "make the folder writable (chmod u+w, or mount it read-write) or preview with \
             --dry-run",
        ));
    }
    if let Ok(me) = probed
        && let Some(owner) = sticky_owner(&folder, &metadata, me)
    {
        return Err(refuse(
            format!(
                "its folder {} is sticky (like /tmp: only a file's owner may replace it) and \
                 the report belongs to {owner}, so the save could not rename a new file over it",
                folder.display()
            ),
            "sync it as its owner, or copy it to a file of your own (then delete the old one)",
        ));
    }
    let links = hard_links(&metadata);
    if links > 1 {
        return Err(refuse(
            format!(
                "the report has {links} hard links, and saving replaces the file, so the other \
                 names would keep the old text without the ticket keys (and a sync of one of \
                 them would file every ticket again)"
            ),
            "keep one name (delete the other links, or make them symbolic links: ln -sf)",
        ));
    }
    Ok(())
}

/// Creates and removes an empty file in `folder`: whether a save could write there. Returns
/// the new file's owner, the user a save's files belong to (no unsafe call to ask for it).
fn probe_folder(folder: &Path) -> io::Result<Option<u32>> {
    let probe = folder.join(format!(".pm-sync-probe.{}.tmp", std::process::id()));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    let owner = file_owner(&file);
    std::fs::remove_file(&probe)?;
    Ok(owner)
}

#[cfg(unix)]
fn file_owner(file: &File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    file.metadata().ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn file_owner(_file: &File) -> Option<u32> {
    None
}

/// In a sticky folder (mode `+t`, like `/tmp`) only the owner of a file, of the folder, or root
/// may rename over the file, however writable both are: the report's owner (as "user N") when
/// that stops user `me` from saving it.
#[cfg(unix)]
fn sticky_owner(folder: &Path, report: &std::fs::Metadata, me: Option<u32>) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = me?;
    let folder = std::fs::metadata(folder).ok()?;
    let sticky = folder.mode() & 0o1000 != 0;
    (sticky && me != 0 && report.uid() != me && folder.uid() != me)
        .then(|| format!("user {}", report.uid()))
}

#[cfg(not(unix))]
fn sticky_owner(_folder: &Path, _report: &std::fs::Metadata, _me: Option<u32>) -> Option<String> {
    None
}

#[cfg(unix)]
fn hard_links(metadata: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    metadata.nlink()
}

#[cfg(not(unix))]
fn hard_links(_metadata: &std::fs::Metadata) -> u64 {
    1
}

/// Holds the folder's lock while alive.
struct FolderGuard(File);

impl Drop for FolderGuard {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// Locks `folder` (its own descriptor, no file created), waiting up to `wait`. Holders keep it
/// for a moment only (taking a report lock, or one save).
fn lock_folder(folder: &Path, report: &Path, wait: Duration) -> Result<FolderGuard, ReportError> {
    let dir = File::open(folder).map_err(|cause| read_error(folder, cause))?;
    let started = Instant::now();
    loop {
        match dir.try_lock() {
            Ok(()) => return Ok(FolderGuard(dir)),
            Err(TryLockError::WouldBlock) => {
                let waited = started.elapsed();
                if waited >= wait {
                    return Err(locked(report, waited));
                }
                thread::sleep((wait - waited).min(Duration::from_millis(10)));
            }
            Err(TryLockError::Error(cause)) => return Err(read_error(folder, cause)),
        }
    }
}

fn open_read_only(path: &Path) -> Result<File, ReportError> {
    super::disk::open_regular(path, super::disk::Access::Read)
        .map_err(|cause| read_error(path, cause))
}

fn locked(path: &Path, waited: Duration) -> ReportError {
    ReportError::Locked {
        path: path.to_owned(),
        lock_path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()),
        waited,
    }
}

fn read_error(path: &Path, cause: io::Error) -> ReportError {
    ReportError::Read {
        path: path.to_owned(),
        cause,
    }
}

/// (device, inode): what makes two names one file.
type Identity = (u64, u64);

#[cfg(unix)]
fn identity_of(metadata: &std::fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn identity_of(metadata: &std::fs::Metadata) -> Identity {
    // Without inode numbers, the size and time tell a replaced file from the one locked.
    let time = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    (metadata.len(), time)
}

/// The holder of an `flock` on the file with `metadata`, from `/proc/locks` (Linux).
#[cfg(target_os = "linux")]
fn holder(metadata: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let dev = metadata.dev();
    // glibc's major/minor encoding of dev_t, as /proc/locks prints them (hex major:minor).
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    let wanted = format!("{major:02x}:{minor:02x}:{}", metadata.ino());
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let pid = locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // Waiters are listed as `N: -> FLOCK ...`; only holders count.
        if fields.get(1) == Some(&"->") || fields.get(1) != Some(&"FLOCK") {
            return None;
        }
        (fields.get(5) == Some(&wanted.as_str())).then(|| fields.get(4).map(|p| (*p).to_owned()))?
    })?;
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let command = std::fs::read(proc_dir.join("cmdline"))
        .ok()
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|part| !part.is_empty())
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty());
    let user = std::fs::metadata(&proc_dir)
        .ok()
        .map(|m| user_name(m.uid()));
    let mut text = format!("process {pid}");
    if let Some(user) = user {
        text.push_str(&format!(" of user {user}"));
    }
    if let Some(command) = command {
        text.push_str(&format!(" (`{command}`)"));
    }
    Some(text)
}

#[cfg(not(target_os = "linux"))]
fn holder(_metadata: &std::fs::Metadata) -> Option<String> {
    None
}

/// The name of user `uid` from `/etc/passwd`, else the number.
#[cfg(target_os = "linux")]
fn user_name(uid: u32) -> String {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let id = fields.nth(1)?;
                (id.parse() == Ok(uid)).then(|| name.to_owned())
            })
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}
