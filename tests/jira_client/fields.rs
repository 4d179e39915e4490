//! Company create screens: createmeta schemas and allowed values, values converted to the
//! shape Jira checks, assignable-user search with Cloud's hidden e-mails, both flavours.

use pm_sync::jira::CreateOutcome;
use pm_sync::jira::fields;
use pm_sync::jira::model::NewLink;
use pm_sync::jira::users::UserMatch;

use super::*;

#[tokio::test]
async fn createmeta_schemas_convert_values_that_the_create_accepts() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        jira.use_company_screen();
        jira.add_issue_type("OPS", "Epic");
        let epic = jira.seed_issue_of_type("OPS", "Epic", "Incident 2026-03-04", &[]);
        let c = client(&jira);
        let screen = c.create_fields("OPS", "Task").await.unwrap();
        let cloud = flavor == Flavor::Cloud;
        let team = fields::find(&screen, "team").expect("Team by name, any case");
        assert_eq!(
            fields::allowed_labels(&team.allowed_values),
            ["Platform", "Payments", "SRE"]
        );
        let mut new = new_issue("With every kind of field", &["sev1"]);
        for (name, values) in [
            ("Component/s", vec!["database", "Auth"]),
            ("customfield_10010", vec!["SRE"]),
            ("Region", vec!["EMEA > Dublin"]),
            ("Story Points", vec!["3"]),
            ("Fix Version/s", vec!["2026.2"]),
            ("Priority", vec!["high"]),
            ("Due Date", vec!["2026-04-01"]),
        ] {
            let field = fields::find(&screen, name).unwrap_or_else(|| panic!("{name}"));
            let values: Vec<String> = values.into_iter().map(str::to_owned).collect();
            let value = fields::to_json(field, &values, cloud).unwrap();
            new.fields.insert(field.field_id.clone(), value);
        }
        let (parent_id, parent_value) = if cloud {
            ("parent".to_owned(), serde_json::json!({ "key": epic }))
        } else {
            let link = fields::epic_link(&screen).expect("DC screen has Epic Link");
            (link.field_id.clone(), serde_json::json!(epic))
        };
        new.fields.insert(parent_id.clone(), parent_value);
        new.links.push(NewLink {
            link_type: "Relates".into(),
            to: epic.clone(),
        });

        let out = c.create_issues(&[new]).await;
        let CreateOutcome::Created { key, .. } = &out[0] else {
            panic!("{flavor:?}: {out:?}");
        };
        let (set, links) = jira.issue_fields(key.as_str());
        assert_eq!(
            set["components"],
            serde_json::json!([{"id": "10001"}, {"id": "10000"}])
        );
        assert_eq!(
            set["customfield_10020"],
            serde_json::json!({"id": "30000", "child": {"id": "30002"}})
        );
        assert_eq!(set["priority"], serde_json::json!({"id": "2"}));
        assert_eq!(set["duedate"], serde_json::json!("2026-04-01"));
        assert!(set.contains_key(&parent_id), "{flavor:?}: {set:?}");
        assert_eq!(links, [("Relates".to_owned(), epic.clone())]);
    }
}

#[tokio::test]
async fn a_value_outside_the_allowed_ones_names_them() {
    let jira = FakeJira::start(Flavor::DataCenter).await;
    jira.use_company_screen();
    let screen = client(&jira).create_fields("OPS", "Task").await.unwrap();
    let team = fields::find(&screen, "Team").unwrap();
    let problem = fields::to_json(team, &["Growth".to_owned()], false).unwrap_err();
    assert!(problem.message.contains("Growth"), "{problem:?}");
    assert_eq!(problem.allowed, ["Platform", "Payments", "SRE"]);
}

#[tokio::test]
async fn owners_are_found_by_email_even_when_hidden_by_name_or_handle_never_by_prefix() {
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        jira.use_company_screen();
        let c = client(&jira);
        let found = |m: &UserMatch| match m {
            UserMatch::Found { display_name, .. } => display_name.clone(),
            other => format!("{other:?}"),
        };
        // Bob hides his e-mail on Cloud: the search still matches it.
        let bob = c.find_assignable("OPS", "bob@example.com").await.unwrap();
        assert_eq!(found(&bob), "Bob Jones", "{flavor:?}");
        let alice = c.find_assignable("OPS", "Alice Smith").await.unwrap();
        assert_eq!(found(&alice), "Alice Smith", "{flavor:?}");
        let handle = c.find_assignable("OPS", "@alice").await.unwrap();
        assert_eq!(found(&handle), "Alice Smith", "{flavor:?}");
        assert_eq!(
            c.find_assignable("OPS", "Ali").await.unwrap(),
            UserMatch::NotFound,
            "{flavor:?}: a prefix is not a person"
        );
        // Inactive and not-assignable people are not offered by Jira.
        for who in ["carol@example.com", "dan@example.com"] {
            assert_eq!(
                c.find_assignable("OPS", who).await.unwrap(),
                UserMatch::NotFound,
                "{flavor:?}: {who}"
            );
        }
        assert!(matches!(
            c.find_assignable("OPS", "Sam Lee").await.unwrap(),
            UserMatch::Ambiguous(names) if names.len() == 2
        ));
    }
}

#[tokio::test]
async fn a_create_screen_whose_pages_never_move_on_is_an_error_not_a_hang() {
    use crate::support::fake_jira::{Endpoint, Fault};
    for flavor in FLAVORS {
        let jira = FakeJira::start(flavor).await;
        let c = client(&jira);
        c.deployment().await.unwrap();
        // The first page whatever is asked, with a total that never comes.
        let list = if flavor == Flavor::Cloud {
            "fields"
        } else {
            "values"
        };
        let page = format!(
            r#"{{"startAt":0,"maxResults":1,"total":1000000000,"isLast":false,
            "{list}":[{{"fieldId":"summary","key":"summary","name":"Summary","required":true,
            "hasDefaultValue":false,"operations":["set"],"schema":{{"type":"string","system":"summary"}}}}]}}"#
        );
        jira.inject(Fault::Response {
            endpoint: Some(Endpoint::CreateMetaFields),
            status: 200,
            headers: Vec::new(),
            body: page,
            times: 1_000,
        });
        let project = c.project("OPS").await.unwrap();
        let task = project
            .issue_types
            .into_iter()
            .find(|t| t.name == "Task")
            .unwrap();
        let err = c.create_fields_of("OPS", task).await.unwrap_err();
        assert!(
            err.to_string().contains("do not move on"),
            "{flavor:?}: {err}"
        );
        assert_eq!(
            jira.requests().count(Endpoint::CreateMetaFields),
            2,
            "{flavor:?}"
        );
    }
}
