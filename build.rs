//! Records the version shown by `pm-sync --version`: the package version, plus the git
//! revision when built from a git checkout.

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let revision = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok());
    let full = match revision {
        Some(revision) => format!("{version} ({})", revision.trim()),
        None => version,
    };
    println!("cargo:rustc-env=PM_SYNC_VERSION={full}");
    // In a linked worktree `.git` is a file, so ask git where HEAD and the refs live, and watch
    // only paths that exist: cargo treats a missing one as changed and rebuilds every time.
    println!("cargo:rerun-if-changed=build.rs");
    for name in ["HEAD", "refs/heads", "packed-refs"] {
        let path = std::process::Command::new("git")
            .args(["rev-parse", "--git-path", name])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok());
        if let Some(path) = path.map(|p| p.trim().to_owned())
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
