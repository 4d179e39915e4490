//! Owner → assignee: one assignable-user search per person, exact matches only.
//!
//! `GET /user/assignable/search?project=KEY` returns only users who may be assigned issues in
//! the project (active, with the Assignable User permission), so one request both finds the
//! person and proves they can take the ticket. Cloud matches `query` against display name and
//! e-mail, but hides the e-mail in the answer when the user's profile visibility says so
//! ("Privacy controls are applied to the response", Atlassian's Find users assignable to
//! issues); Data Center matches `username` against username, display name and e-mail.

use reqwest::Method;
use serde::Deserialize;

use super::client::{Call, JiraClient};
use super::error::JiraError;
use super::model::Deployment;

/// What a search for one owner found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMatch {
    /// Exactly one assignable user: Cloud account id, or Data Center username.
    Found { id: String, display_name: String },
    /// Nobody assignable matches.
    NotFound,
    /// Several assignable users match equally well (display names listed).
    Ambiguous(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireUser {
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email_address: Option<String>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

impl JiraClient {
    /// Finds the one user assignable in `project` whom `who` names: an e-mail, a Data Center
    /// username, an `@handle` or a display name.
    pub async fn find_assignable(&self, project: &str, who: &str) -> Result<UserMatch, JiraError> {
        let deployment = self.deployment().await?;
        let api = self.api().await?;
        let term = who.trim().trim_start_matches('@');
        let param = if deployment == Deployment::Cloud {
            "query"
        } else {
            "username"
        };
        let call = Call::new(Method::GET, format!("{api}/user/assignable/search"))
            .query("project", project)
            .query(param, term)
            .query("maxResults", "50")
            .permission("Browse users and groups")
            .subject(format!("assignable users of project `{project}`"));
        let users: Vec<WireUser> = self.send(&call).await?.decode(&call)?;
        Ok(pick(
            who,
            users.into_iter().filter(|u| u.active).collect(),
            deployment,
        ))
    }
}

/// The exact match among the users the search returned; never a mere prefix match.
fn pick(who: &str, users: Vec<WireUser>, deployment: Deployment) -> UserMatch {
    let who = who.trim();
    let handle = who.strip_prefix('@');
    let term = handle.unwrap_or(who);
    let is_email = term.contains('@');
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let exact: Vec<&WireUser> = users
        .iter()
        .filter(|u| {
            let email = u.email_address.as_deref().unwrap_or_default();
            let local = email.split('@').next().unwrap_or_default();
            let name = u.name.as_deref().unwrap_or_default();
            let account = u.account_id.as_deref().unwrap_or_default();
            (is_email && same(email, term))
                || same(name, term)
                || same(account, term)
                || same(&u.display_name, term)
                || (handle.is_some() && !local.is_empty() && same(local, term))
        })
        .collect();
    let chosen: Vec<&WireUser> = if exact.is_empty() && is_email {
        // Cloud hides an e-mail the owner keeps private, yet still matches the query on it:
        // a single answer without a visible e-mail is that person.
        let hidden: Vec<&WireUser> = users
            .iter()
            .filter(|u| u.email_address.as_deref().unwrap_or_default().is_empty())
            .collect();
        if hidden.len() == users.len() {
            hidden
        } else {
            Vec::new()
        }
    } else {
        exact
    };
    match chosen.as_slice() {
        [] => UserMatch::NotFound,
        [one] => {
            let id = if deployment == Deployment::Cloud {
                one.account_id.clone()
            } else {
                one.name.clone()
            };
            match id {
                Some(id) => UserMatch::Found {
                    id,
                    display_name: one.display_name.clone(),
                },
                None => UserMatch::NotFound,
            }
        }
        many => UserMatch::Ambiguous(many.iter().map(|u| u.display_name.clone()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(account: &str, display: &str, email: Option<&str>) -> WireUser {
        WireUser {
            account_id: Some(account.into()),
            name: None,
            display_name: display.into(),
            email_address: email.map(str::to_owned),
            active: true,
        }
    }

    #[test]
    fn a_prefix_match_is_not_the_owner() {
        let users = vec![user("1", "Alice Smith", Some("alice@x.com"))];
        assert_eq!(pick("Al", users, Deployment::Cloud), UserMatch::NotFound);
    }

    #[test]
    fn a_hidden_email_still_finds_its_only_user() {
        let users = vec![user("1", "Bob", None)];
        assert!(matches!(
            pick("bob@x.com", users, Deployment::Cloud),
            UserMatch::Found { id, .. } if id == "1"
        ));
        let two = vec![user("1", "Bob", None), user("2", "Bobby", None)];
        assert!(matches!(
            pick("bob@x.com", two, Deployment::Cloud),
            UserMatch::Ambiguous(_)
        ));
    }

    #[test]
    fn handles_and_display_names_match_exactly() {
        let users = vec![
            user("1", "Carol King", Some("carol@x.com")),
            user("2", "Carol Kingsley", Some("ck@x.com")),
        ];
        assert!(matches!(
            pick("@carol", users, Deployment::Cloud),
            UserMatch::Found { id, .. } if id == "1"
        ));
        let same_name = vec![user("1", "Dan", None), user("2", "Dan", None)];
        assert!(matches!(
            pick("Dan", same_name, Deployment::Cloud),
            UserMatch::Ambiguous(_)
        ));
    }
}
