//! `check --changed [BASE]`: the files git says changed since a base — by default the merge
//! base with the default branch — so a pull request is gated on its own reports, not on every
//! open item in the folder.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

/// What changed since a base, as git sees it from the working directory.
pub(super) struct Changed {
    /// The base as given, or the default branch found (`origin/main`).
    pub base: String,
    /// The commit the changes are counted from: the merge base of `base` and `HEAD`.
    pub merge_base: String,
    /// Every file changed since `merge_base` — committed, staged, modified, or new and not
    /// ignored; deletions left out — as canonical paths.
    pub files: HashSet<PathBuf>,
}

impl Changed {
    /// Whether `path` (canonical) is one of the changed files.
    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains(path)
    }
}

/// The files changed since `base` (`None`: the default branch's merge base with `HEAD`).
pub(super) fn since(base: Option<&str>) -> Result<Changed, Error> {
    let root = PathBuf::from(git(None, &["rev-parse", "--show-toplevel"])?.trim());
    let base = match base {
        // A revision never starts with `-`: as an argument to git it would be an option.
        Some(base) if base.starts_with('-') => {
            return Err(Error::config(
                format!("check --changed={base:?} is not a revision (it starts with `-`)"),
                "name a branch, tag or commit, e.g. --changed=origin/main",
            ));
        }
        Some(base) => base.to_owned(),
        None => default_branch(&root)?,
    };
    let merge_base = git(Some(&root), &["merge-base", &base, "HEAD"])
        .map_err(|error| {
            Error::config(
                format!("check --changed: no merge base of `{base}` and HEAD ({error})"),
                "fetch the base with its history (in GitHub Actions: actions/checkout with \
                 fetch-depth: 0; in GitLab: GIT_DEPTH: 0), or name another with --changed=BASE",
            )
        })?
        .trim()
        .to_owned();
    // The working tree against the merge base: the branch's commits and what is not committed
    // yet. Paths are relative to the repository root; -z keeps unusual names intact.
    let diff = git(
        Some(&root),
        &[
            "diff",
            "--name-only",
            "-z",
            "--diff-filter=d",
            &merge_base,
            "--",
        ],
    )?;
    let untracked = git(
        Some(&root),
        &[
            "ls-files",
            "-z",
            "--others",
            "--exclude-standard",
            "--full-name",
        ],
    )?;
    let files = diff
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|name| !name.is_empty())
        .filter_map(|name| std::fs::canonicalize(root.join(name)).ok())
        .collect();
    Ok(Changed {
        base,
        merge_base,
        files,
    })
}

/// The default branch: what `origin/HEAD` points at, else the first of `origin/main`,
/// `origin/master`, `main` and `master` that exists.
fn default_branch(root: &Path) -> Result<String, Error> {
    if let Ok(head) = git(
        Some(root),
        &[
            "symbolic-ref",
            "--quiet",
            "--short",
            "refs/remotes/origin/HEAD",
        ],
    ) {
        return Ok(head.trim().to_owned());
    }
    for candidate in ["origin/main", "origin/master", "main", "master"] {
        let spec = format!("{candidate}^{{commit}}");
        if git(Some(root), &["rev-parse", "--verify", "--quiet", &spec]).is_ok() {
            return Ok(candidate.to_owned());
        }
    }
    Err(Error::config(
        "check --changed: cannot tell the default branch (no origin/HEAD, origin/main, \
         origin/master, main or master here)",
        "name the base: --changed=BASE, e.g. --changed=origin/main",
    ))
}

/// Runs git and returns its stdout; a failure carries git's own message.
fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, Error> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    let output = command.args(args).output().map_err(|error| {
        Error::config(
            format!("check --changed needs git, which did not start: {error}"),
            "install git, or check every report (leave out --changed)",
        )
    })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(Error::config(
        format!("check --changed: git {}: {}", args.join(" "), stderr.trim()),
        "run it inside the repository's working tree (or leave out --changed)",
    ))
}
