//! Workflow transitions: `GET` and `POST /rest/api/{2,3}/issue/{key}/transitions`, as Jira's
//! REST reference describes them (§9 of `shared/jira-api.md`, [S1]).
//!
//! The fake's one workflow lets every status go to every other: one transition per target
//! status, named after it (ids 11 To Do, 21 In Progress, 31 Done, 41 Won't Do), as a simplified
//! Jira Software workflow does. `GET` lists the transitions from the current status with their
//! target status (`to`, with its category); `POST` with `{"transition": {"id": …}}` moves the
//! issue (204), sets or clears the resolution, and answers 400 for a missing or unknown id and
//! 404 for an unknown issue. Transition screens (`fields`, `update`) are not modelled.

use serde_json::{Value, json};

use super::{Reply, State, error, no_content, reply, status_info};

/// (transition id, target status) of the fake's workflow.
const WORKFLOW: [(&str, &str); 4] = [
    ("11", "To Do"),
    ("21", "In Progress"),
    ("31", "Done"),
    ("41", "Won't Do"),
];

const NOT_FOUND: &str = "Issue does not exist or you do not have permission to see it.";

impl State {
    /// `GET /issue/{key}/transitions`.
    pub(super) fn get_transitions(&self, key: &str) -> Reply {
        let Some(issue) = self.resolve(key).and_then(|id| self.issues.get(&id)) else {
            return error(404, NOT_FOUND);
        };
        let transitions: Vec<Value> = WORKFLOW
            .iter()
            .filter(|(_, to)| *to != issue.status)
            .map(|(id, to)| {
                let (sid, cid, ckey, cname, colour) =
                    status_info(to).expect("workflow statuses are known");
                json!({
                    "id": id, "name": to, "hasScreen": false, "isGlobal": true,
                    "isInitial": false, "isAvailable": true, "isConditional": false,
                    "isLooped": false,
                    "to": {
                        "self": format!("{}/rest/api/2/status/{sid}", self.base_url),
                        "id": sid, "name": to,
                        "statusCategory": {"id": cid, "key": ckey, "name": cname, "colorName": colour}
                    }
                })
            })
            .collect();
        reply(
            200,
            json!({"expand": "transitions", "transitions": transitions}),
        )
    }

    /// `POST /issue/{key}/transitions`.
    pub(super) fn do_transition(&mut self, key: &str, body: Option<&Value>) -> Reply {
        let Some(current) = self
            .resolve(key)
            .and_then(|id| self.issues.get(&id))
            .map(|issue| issue.status.clone())
        else {
            return error(404, NOT_FOUND);
        };
        let Some(id) = body
            .and_then(|b| b.get("transition"))
            .and_then(|t| t.get("id"))
            .and_then(|id| {
                id.as_str()
                    .map(str::to_owned)
                    .or_else(|| id.as_u64().map(|n| n.to_string()))
            })
        else {
            return error(400, "Missing 'transition' identifier");
        };
        match WORKFLOW
            .iter()
            .find(|(tid, to)| *tid == id && *to != current)
        {
            Some((_, to)) => {
                self.transition(key, to);
                no_content()
            }
            None => error(
                400,
                &format!("Transition id '{id}' is not valid for this issue."),
            ),
        }
    }
}
