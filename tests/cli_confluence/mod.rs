//! Post-mortems that live in Confluence, Cloud and Data Center, as a user runs them: sync,
//! resync, refresh after a transition, check; a person's edit between read and write; no edit
//! permission; a run that dies after its creates; `--cql` over many pages; request budgets.

mod pages;

use crate::support::cli::PmSync;
use crate::support::fake_confluence::{FAKE_PAT, FakeConfluence};
use crate::support::fake_jira::{FakeJira, Flavor};

/// Both flavours: Jira and Confluence of the same kind.
pub const FLAVORS: [Flavor; 2] = [Flavor::Cloud, Flavor::DataCenter];

/// The seed template's action items as a Confluence table page (storage format).
pub const TABLE_PAGE: &str = include_str!("../fixtures/confluence/table-page.xhtml");
/// An Atlassian-style page: a task list with a Jira macro and a status lozenge.
pub const TASKS_PAGE: &str = include_str!("../fixtures/confluence/tasks-page.xhtml");

/// A fake Jira, a fake Confluence of the same flavour (Cloud on the Jira site under `/wiki`
/// with the same account; Data Center on its own host with its own PAT), and a session
/// configured for both, with its state directory in the session's folder.
pub async fn setup(flavor: Flavor) -> (FakeJira, FakeConfluence, PmSync) {
    let jira = FakeJira::start(flavor).await;
    let pm = PmSync::against(&jira, flavor);
    let state = pm.dir().join("state").to_string_lossy().into_owned();
    let (confluence, pm) = match flavor {
        Flavor::Cloud => {
            let confluence = FakeConfluence::cloud(&jira).await;
            (confluence, pm.env("CONFLUENCE_DEPLOYMENT", "cloud"))
        }
        Flavor::DataCenter => {
            let confluence = FakeConfluence::data_center().await;
            let url = confluence.url();
            (
                confluence,
                pm.env("CONFLUENCE_URL", &url)
                    .env("CONFLUENCE_DEPLOYMENT", "datacenter")
                    .env("CONFLUENCE_PAT", FAKE_PAT),
            )
        }
    };
    (jira, confluence, pm.env("XDG_STATE_HOME", &state))
}
