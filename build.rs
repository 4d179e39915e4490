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
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
}
