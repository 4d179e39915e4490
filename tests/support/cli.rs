//! Runs the `pm-sync` binary like a user's session: a temporary working directory, a clean
//! environment (no colour, no stray config), and Jira settings pointing at a fake Jira.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::fake_jira::{FAKE_EMAIL, FAKE_TOKEN, FakeJira, Flavor};

/// A hermetic pm-sync invocation builder.
pub struct PmSync {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    /// Run as this user and group id (Unix, from root only): see [`PmSync::run_as_user`].
    user: Option<u32>,
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}------- stderr -------\n{}[exit status: {}]",
            self.stdout, self.stderr, self.code
        )
    }
}

impl PmSync {
    /// A session with no Jira settings at all.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let home = dir.path().to_string_lossy().into_owned();
        Self {
            env: vec![
                ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
                ("HOME".into(), home.clone()),
                ("XDG_CONFIG_HOME".into(), format!("{home}/.config")),
                ("NO_COLOR".into(), "1".into()),
                ("COLUMNS".into(), "100".into()),
                ("RUST_BACKTRACE".into(), "0".into()),
                // Retries and reconcile polls in milliseconds, not seconds.
                ("PM_SYNC_TEST_MIN_RETRY_DELAY_MS".into(), "5".into()),
                ("PM_SYNC_TEST_RECONCILE_POLL_MS".into(), "20".into()),
                ("PM_SYNC_TEST_RECONCILE_WAIT_MS".into(), "2000".into()),
            ],
            dir,
            user: None,
        }
    }

    /// A session configured (by environment) for `fake`.
    pub fn against(fake: &FakeJira, flavor: Flavor) -> Self {
        let mut session = Self::new()
            .env("JIRA_URL", &fake.url())
            .env("JIRA_PROJECT", "OPS")
            .env("JIRA_API_TOKEN", FAKE_TOKEN);
        match flavor {
            Flavor::Cloud => {
                session = session
                    .env("JIRA_EMAIL", FAKE_EMAIL)
                    .env("JIRA_DEPLOYMENT", "cloud")
            }
            Flavor::DataCenter => session = session.env("JIRA_DEPLOYMENT", "datacenter"),
        }
        session
    }

    /// Sets (or replaces) an environment variable.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.into(), value.into()));
        self
    }

    /// Removes an environment variable.
    pub fn without_env(mut self, name: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self
    }

    /// Runs the binary as user and group `id` (the caller must be root): for tests of
    /// permissions, which do not stop root. The working directory is opened to everyone.
    #[cfg(unix)]
    pub fn run_as_user(mut self, id: u32) -> Self {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(self.dir.path(), std::fs::Permissions::from_mode(0o777))
            .expect("open the working directory");
        self.user = Some(id);
        self
    }

    /// The working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file below the working directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// Reads a file below the working directory.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).expect("read file")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin!("pm-sync"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        #[cfg(unix)]
        if let Some(id) = self.user {
            use std::os::unix::process::CommandExt;
            command.uid(id).gid(id);
        }
        command
    }

    /// Runs pm-sync to completion. Blocking runs happen off the async runtime so the fake
    /// Jira keeps answering.
    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_env(&[], args).await
    }

    /// Runs pm-sync with some variables changed for this run only (`None` unsets one).
    pub async fn run_env(&self, env: &[(&str, Option<&str>)], args: &[&str]) -> Output {
        let mut command = self.command(args);
        for (name, value) in env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("pm-sync runs");
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts pm-sync without waiting, for tests that kill it mid-run.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pm-sync starts")
    }
}

impl Default for PmSync {
    fn default() -> Self {
        Self::new()
    }
}
