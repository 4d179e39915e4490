//! The fake's people, and `GET /user/assignable/search` as Cloud and Data Center answer it.
//!
//! Sources: "Find users assignable to issues" (Cloud REST v3, [S1]): `query` "is matched
//! against user attributes, such as displayName, and emailAddress" by prefix; only users who can
//! be assigned in the project are returned; "Privacy controls are applied to the response
//! based on the users' preferences. This could mean, for example, that the user's email address
//! is hidden" (the match still happens). Data Center (REST v2, [S19]): `username` matches
//! username, display name or e-mail; users carry `name` and `key`, no `accountId`.

use serde_json::{Value, json};

use super::Flavor;

/// One person in the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUser {
    /// Cloud account id.
    pub account_id: String,
    /// Data Center username.
    pub name: String,
    pub display_name: String,
    pub email: String,
    /// False: the profile hides the e-mail (Cloud only; Data Center always shows it).
    pub email_visible: bool,
    pub active: bool,
    /// Has the Assignable User permission in every project.
    pub assignable: bool,
}

impl FakeUser {
    /// An active, assignable user with a visible e-mail.
    pub fn new(username: &str, display_name: &str, email: &str) -> Self {
        Self {
            account_id: format!("5b10ac8d82e05b22cc7d-{username}"),
            name: username.into(),
            display_name: display_name.into(),
            email: email.into(),
            email_visible: true,
            active: true,
            assignable: true,
        }
    }

    /// Its id as the flavour writes it in a user field.
    pub fn id(&self, flavor: Flavor) -> &str {
        match flavor {
            Flavor::Cloud => &self.account_id,
            Flavor::DataCenter => &self.name,
        }
    }

    /// The user as Jira shows it (Cloud hides a private e-mail).
    pub fn json(&self, flavor: Flavor, base: &str) -> Value {
        match flavor {
            Flavor::Cloud => {
                let mut v = json!({"self": format!("{base}/rest/api/3/user?accountId={}", self.account_id),
                                   "accountId": self.account_id, "accountType": "atlassian",
                                   "displayName": self.display_name, "active": self.active});
                if self.email_visible {
                    v["emailAddress"] = json!(self.email);
                }
                v
            }
            Flavor::DataCenter => {
                json!({"self": format!("{base}/rest/api/2/user?username={}", self.name),
                                         "name": self.name, "key": format!("JIRAUSER{}", 10000 + self.name.len()),
                                         "emailAddress": self.email, "displayName": self.display_name,
                                         "active": self.active})
            }
        }
    }
}

/// Some people: Alice (e-mail visible), Bob (e-mail hidden on Cloud), Carol (inactive), Dan
/// (not assignable), and two display names "Sam Lee" (ambiguous).
pub fn default_users() -> Vec<FakeUser> {
    let mut bob = FakeUser::new("bob", "Bob Jones", "bob@example.com");
    bob.email_visible = false;
    let mut carol = FakeUser::new("carol", "Carol King", "carol@example.com");
    carol.active = false;
    let mut dan = FakeUser::new("dan", "Dan Brown", "dan@example.com");
    dan.assignable = false;
    vec![
        FakeUser::new("alice", "Alice Smith", "alice@example.com"),
        bob,
        carol,
        dan,
        FakeUser::new("slee", "Sam Lee", "sam.lee@example.com"),
        FakeUser::new("slee2", "Sam Lee", "samuel.lee@example.com"),
    ]
}

/// The answer to `GET /user/assignable/search` with `query` (Cloud) or `username` (DC).
pub fn assignable_search(users: &[FakeUser], flavor: Flavor, term: &str, base: &str) -> Value {
    let term = term.to_lowercase();
    let matches = |u: &FakeUser| {
        let starts = |s: &str| {
            let s = s.to_lowercase();
            s.starts_with(&term) || s.split_whitespace().any(|w| w.starts_with(&term))
        };
        starts(&u.display_name)
            || starts(&u.email)
            || (flavor == Flavor::DataCenter && starts(&u.name))
            || (flavor == Flavor::Cloud && u.account_id == term)
    };
    Value::Array(
        users
            .iter()
            .filter(|u| u.active && u.assignable && !term.is_empty() && matches(u))
            .map(|u| u.json(flavor, base))
            .collect(),
    )
}
