//! Jira's data model as pm-sync needs it: newtypes for keys, statuses, issues.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

pub use crate::key::IssueKey;

/// Jira's status categories (`statusCategory.key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusCategory {
    /// `new`: To Do.
    New,
    /// `indeterminate`: In Progress.
    Indeterminate,
    /// `done`: Done.
    Done,
    /// `undefined` or anything else.
    #[serde(other)]
    Undefined,
}

/// An issue's workflow status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Display name, e.g. `In Progress`: shared by the issues read together that are in it
    /// (see [`SharedParts`]), and by the outcome rows that show it (one pointer each).
    pub name: crate::thin::SharedText,
    /// Its category.
    pub category: StatusCategory,
}

/// An issue's labels, shared by the issues that carry the same ones (see [`SharedParts`]):
/// behind one thin pointer, as 100,000 issues hold one each.
// A thin pointer (`Arc<Vec<_>>`), not `Arc<[_]>`'s two words.
#[allow(clippy::rc_buffer)]
pub type LabelList = std::sync::Arc<Vec<String>>;

/// An issue's id (`10042`), held as the number it is: 8 bytes, where a boxed string was 16
/// and an allocation (a resync holds one per linked ticket). Written as Jira writes it, a
/// string of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IssueId(u64);

impl IssueId {
    /// The id Jira writes as `text` (digits); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok().map(IssueId))
            .flatten()
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for IssueId {
    fn from(id: u64) -> Self {
        IssueId(id)
    }
}

impl TryFrom<String> for IssueId {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        IssueId::parse(&text).ok_or_else(|| format!("issue id {text:?} is not a number"))
    }
}

impl From<IssueId> for String {
    fn from(id: IssueId) -> String {
        id.0.to_string()
    }
}

impl std::fmt::Display for IssueId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The fields of an issue pm-sync reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Its id, e.g. `10042`.
    pub id: IssueId,
    /// Current key (after a move, the new one).
    pub key: IssueKey,
    pub summary: Box<str>,
    /// Shared between issues that carry the same ones (a report's tickets all carry its date
    /// label, severity and mark): see [`SharedParts`].
    pub labels: LabelList,
    pub status: Status,
    /// Resolution name, when resolved.
    pub resolution: Option<crate::thin::ThinText>,
    /// Assignee, due date and priority, as Jira has them (behind a pointer, when any is set).
    #[serde(default)]
    pub planning: PlanningBox,
    /// When it was created, resolved and due (read for `check` and the dashboard; a sync,
    /// which never reads them, lets them go as the issue arrives).
    #[serde(default)]
    pub tracking: TrackingBox,
}

/// Hands out what issues read one after another share, held once: one list for issues with
/// the same labels as the issue before (a report's tickets carry the same three, so 100,000
/// of them read in pages of 100 hold ~1,000 lists, not 100,000), and one record per assignee
/// (a team of 200 owns 100,000 tickets).
#[derive(Debug, Default)]
pub struct SharedParts {
    last_labels: Option<LabelList>,
    people: std::collections::HashMap<String, Person>,
    /// Plannings with a priority and neither assignee nor due date, one per priority.
    unassigned: Vec<std::sync::Arc<Planning>>,
    /// A workflow has a handful of statuses: looked through, not hashed.
    statuses: Vec<crate::thin::SharedText>,
}

impl SharedParts {
    /// `labels`, as the last list handed out when it is the same.
    pub fn share(&mut self, labels: LabelList) -> LabelList {
        match &self.last_labels {
            Some(last) if *last == labels => last.clone(),
            _ => {
                self.last_labels = Some(labels.clone());
                labels
            }
        }
    }

    /// The status named `name`, as handed out before.
    pub fn status(&mut self, name: String) -> crate::thin::SharedText {
        if let Some(known) = self.statuses.iter().find(|known| ***known == *name) {
            return known.clone();
        }
        let shared = crate::thin::SharedText::from(name);
        // Bounded: a run that meets more names than a workflow has shares the first ones.
        if self.statuses.len() < 64 {
            self.statuses.push(shared.clone());
        }
        shared
    }

    /// `person`, as handed out before when Jira described them the same way.
    pub fn person(&mut self, person: Assignee) -> std::sync::Arc<Assignee> {
        self.shared_person(std::sync::Arc::new(person))
    }

    /// `planning` as an issue holds it: its assignee's record shared (see
    /// [`SharedParts::person`]) and, without a due date (a ticket's own), the planning itself
    /// shared with the issues handed here before that have the same assignee and priority (a
    /// team of 200 owns 100,000 tickets: ~200 plannings, not one box per ticket).
    pub fn planning(&mut self, mut planning: Planning) -> PlanningBox {
        if let Some(person) = planning.assignee.take() {
            planning.assignee = Some(self.shared_person(person));
        }
        if planning == Planning::NONE || planning.due.is_some() {
            return PlanningBox::new(planning);
        }
        let known = match &planning.assignee {
            Some(person) => match self.people.get_mut(id_of(person)) {
                Some(entry) => &mut entry.plannings,
                None => return PlanningBox::new(planning),
            },
            None => &mut self.unassigned,
        };
        let same = |held: &&std::sync::Arc<Planning>| {
            held.priority == planning.priority
                && match (&held.assignee, &planning.assignee) {
                    (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
                    (a, b) => a.is_none() && b.is_none(),
                }
        };
        if let Some(held) = known.iter().find(same) {
            return BoxedUnlessEmpty(Some(held.clone()));
        }
        let shared = std::sync::Arc::new(planning);
        // Bounded: a person's tickets have a handful of priorities.
        if known.len() < 16 {
            known.push(shared.clone());
        }
        BoxedUnlessEmpty(Some(shared))
    }

    /// Shares `issue`'s assignee and planning with the issues handed here before: issues
    /// read by concurrent requests, each converted with parts of its own, end up holding one
    /// record per person (pages of 100 tickets among 200 owners shared nothing).
    pub fn share_assignee(&mut self, issue: &mut Issue) {
        if issue.planning.0.is_some() {
            issue.planning = self.planning((*issue.planning).clone());
        }
    }

    /// The record handed out before for the person `person` describes the same way, else
    /// `person`, kept for the next.
    fn shared_person(&mut self, person: std::sync::Arc<Assignee>) -> std::sync::Arc<Assignee> {
        match self.people.get(id_of(&person)) {
            Some(known) if *known.record == *person => known.record.clone(),
            _ => {
                self.people.insert(
                    id_of(&person).to_owned(),
                    Person {
                        record: person.clone(),
                        plannings: Vec::new(),
                    },
                );
                person
            }
        }
    }
}

/// A person as [`SharedParts`] hands them out: their record, and the plannings without a due
/// date of their tickets (one per priority).
#[derive(Debug)]
struct Person {
    record: std::sync::Arc<Assignee>,
    plannings: Vec<std::sync::Arc<Planning>>,
}

/// What names a user: the account id (Cloud), else the username (Data Center), else the
/// display name.
fn id_of(person: &Assignee) -> &str {
    person
        .account_id
        .as_deref()
        .or(person.name.as_deref())
        .unwrap_or(&person.display_name)
}

/// Who, by when, how urgent: the fields the report's Owner, Due and Priority cells update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planning {
    /// Shared by the issues of one assignee (see [`SharedParts`]).
    pub assignee: Option<std::sync::Arc<Assignee>>,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    /// Priority name.
    pub priority: Option<String>,
}

impl Planning {
    /// None of the fields set.
    pub const NONE: Planning = Planning {
        assignee: None,
        due: None,
        priority: None,
    };
}

/// A part of an issue most issues leave empty, read through `Deref`: behind a pointer when
/// anything in it is set, a null pointer when nothing is. A sync holds every linked ticket
/// (100,000 for a report that big), and most have no due date or priority, and none of the
/// dates sync lets go: 8 bytes each rather than ~150 ([`Planning`]) or ~56 ([`Tracking`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoxedUnlessEmpty<T>(Option<std::sync::Arc<T>>);

/// What [`BoxedUnlessEmpty`] reads when nothing is set.
pub trait Empty: PartialEq + 'static {
    /// The value with nothing set.
    fn empty() -> &'static Self;
}

impl Empty for Planning {
    fn empty() -> &'static Self {
        &Planning::NONE
    }
}

impl Empty for Tracking {
    fn empty() -> &'static Self {
        &Tracking::NONE
    }
}

/// An issue's [`Planning`] (see [`BoxedUnlessEmpty`]).
pub type PlanningBox = BoxedUnlessEmpty<Planning>;

/// An issue's [`Tracking`] (see [`BoxedUnlessEmpty`]).
pub type TrackingBox = BoxedUnlessEmpty<Tracking>;

impl<T: Empty> BoxedUnlessEmpty<T> {
    /// `value`, boxed unless nothing in it is set.
    pub fn new(value: T) -> Self {
        BoxedUnlessEmpty((value != *T::empty()).then(|| std::sync::Arc::new(value)))
    }
}

impl<T: Empty> std::ops::Deref for BoxedUnlessEmpty<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.0.as_deref().unwrap_or(T::empty())
    }
}

impl<T: Empty + Serialize> Serialize for BoxedUnlessEmpty<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de, T: Empty + Deserialize<'de>> Deserialize<'de> for BoxedUnlessEmpty<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(BoxedUnlessEmpty::new)
    }
}

/// An issue's assignee: a user as Jira sends it (e-mail only when the profile shows it).
pub type Assignee = User;

/// An issue's dates: `created`, `resolutiondate` and `duedate` (its assignee is in
/// [`Planning`]).
/// Every part is optional: Jira leaves them empty, and a date Jira formats unexpectedly is
/// dropped rather than failing the read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// `created`, with Jira's offset.
    pub created: Option<DateTime<FixedOffset>>,
    /// `resolutiondate`: when the issue got its resolution; cleared when it is reopened.
    pub resolved: Option<DateTime<FixedOffset>>,
    /// `duedate` (a date without time).
    pub due: Option<NaiveDate>,
}

impl Tracking {
    /// No date known.
    pub const NONE: Tracking = Tracking {
        created: None,
        resolved: None,
        due: None,
    };

    /// Parses Jira's date-time (`2020-04-14T19:38:22.561+0000`, or RFC 3339); `None` when it
    /// is neither.
    pub fn parse_datetime(text: &str) -> Option<DateTime<FixedOffset>> {
        DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
            .or_else(|_| DateTime::parse_from_rfc3339(text))
            .ok()
    }
}

/// One issue to create. A big sync plans one per item before sending them in bulk, so what
/// many share (project, issue type, a report's labels) is shared, not copied per issue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewIssue {
    pub project: std::sync::Arc<str>,
    pub issue_type: std::sync::Arc<str>,
    pub summary: String,
    /// Plain text; sent as ADF on Cloud v3, as a string on v2.
    pub description: Option<String>,
    /// Shared by the issues of one report; `Arc::make_mut` gives one issue its own.
    pub labels: std::sync::Arc<Vec<String>>,
    /// Further create-screen fields, already in the JSON shape their schema asks for
    /// (components, priority, assignee, duedate, parent, custom fields, ...).
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Issue links to add on create (`update.issuelinks`).
    pub links: Vec<NewLink>,
}

/// A link from a new issue to an existing one, e.g. "relates to OPS-100".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The link type's name, e.g. `Relates`.
    pub link_type: String,
    /// The issue linked to.
    pub to: String,
}

/// What became of one item of a bulk create, in request order.
#[derive(Debug)]
pub enum CreateOutcome {
    /// Jira created it.
    Created { id: String, key: IssueKey },
    /// Jira refused it (validation); nothing was created.
    Rejected { message: String },
    /// The request may or may not have created it (timeout, lost response, 5xx after send).
    /// Reconcile before creating again.
    Ambiguous { message: String },
}

/// The result of reading many issues by key.
///
/// Each found issue is behind a pointer as it arrives: a caller that keeps them (sync keeps
/// every linked ticket) shares them rather than moving 100,000 issues out of a list into its
/// own. The key asked is held apart only when it is not the issue's own (a moved issue, a key
/// asked in another case): 8 bytes a ticket found under its key, where a copy of every asked
/// key beside each was ~40 and made a resync's peak.
#[derive(Debug, Default)]
pub struct FetchedIssues {
    /// Found under their own key, in the order asked.
    found: Vec<std::sync::Arc<Issue>>,
    /// Found under another key than their own: (the key asked, the issue).
    found_as: Vec<(IssueKey, std::sync::Arc<Issue>)>,
    /// Keys Jira does not know (deleted, or not visible to this user).
    pub missing: Vec<IssueKey>,
}

/// One issue a read found, and the key it was asked for.
#[derive(Debug, Clone)]
pub struct FoundIssue {
    /// The key asked, when it is not the issue's own.
    asked_as: Option<IssueKey>,
    pub issue: std::sync::Arc<Issue>,
}

impl FoundIssue {
    /// The key it was asked for (its own, unless moved or asked in another case).
    pub fn asked(&self) -> &IssueKey {
        self.asked_as.as_ref().unwrap_or(&self.issue.key)
    }

    /// The key asked when it is not the issue's own (`None`: asked under its own key), and
    /// the issue.
    pub fn into_parts(self) -> (Option<IssueKey>, std::sync::Arc<Issue>) {
        (self.asked_as, self.issue)
    }
}

impl FetchedIssues {
    /// What a read found (each with the key asked) and the keys it did not.
    pub fn new(
        found: impl IntoIterator<Item = (IssueKey, std::sync::Arc<Issue>)>,
        missing: Vec<IssueKey>,
    ) -> Self {
        let mut fetched = FetchedIssues {
            missing,
            ..FetchedIssues::default()
        };
        for (asked, issue) in found {
            fetched.push_found(asked, issue);
        }
        fetched
    }

    /// Adds `issue`, found when `asked` was asked for.
    pub fn push_found(&mut self, asked: IssueKey, issue: std::sync::Arc<Issue>) {
        if asked == issue.key {
            self.push_own(issue);
        } else {
            self.found_as.push((asked, issue));
        }
    }

    /// Adds `issue`, found under its own key.
    pub(crate) fn push_own(&mut self, issue: std::sync::Arc<Issue>) {
        crate::freeing::push_gently(&mut self.found, issue);
    }

    /// How many issues were found.
    pub fn found_count(&self) -> usize {
        self.found.len() + self.found_as.len()
    }

    /// The issues found, each with the key asked: those found under their own key in the
    /// order asked, then the others.
    pub fn found(&self) -> impl Iterator<Item = (&IssueKey, &std::sync::Arc<Issue>)> {
        let own = self.found.iter().map(|issue| (&issue.key, issue));
        own.chain(self.found_as.iter().map(|(asked, issue)| (asked, issue)))
    }

    /// The issues found, in the order of [`FetchedIssues::found`], each let go as it is taken.
    pub fn into_found(self) -> impl Iterator<Item = FoundIssue> {
        let own = crate::freeing::take_freeing(self.found).map(|issue| FoundIssue {
            asked_as: None,
            issue,
        });
        own.chain(self.found_as.into_iter().map(|(asked, issue)| FoundIssue {
            asked_as: Some(asked),
            issue,
        }))
    }
}

/// Which Jira flavour the client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Deployment {
    /// Ask `/rest/api/2/serverInfo`.
    Auto,
    /// Jira Cloud: REST v3, ADF, enhanced search.
    Cloud,
    /// Jira Data Center / Server: REST v2, startAt search.
    #[serde(alias = "server")]
    Datacenter,
}

/// A user as Jira sends it (`/myself`, an issue's assignee, user search).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Cloud account id (absent on Data Center).
    #[serde(default)]
    pub account_id: Option<String>,
    /// Data Center username (absent on Cloud).
    #[serde(default)]
    pub name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// Email, when the user's privacy settings show it.
    #[serde(default)]
    pub email_address: Option<String>,
}

impl User {
    /// The name to show: the display name, else (Data Center without one) the username.
    pub fn shown_name(&self) -> &str {
        match &self.name {
            Some(name) if self.display_name.is_empty() => name,
            _ => &self.display_name,
        }
    }
}

/// An issue type of a project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IssueType {
    /// Numeric id as a string.
    pub id: String,
    /// Display name, e.g. `Task`.
    pub name: String,
    /// True for sub-task types.
    #[serde(default)]
    pub subtask: bool,
}

/// A project with its issue types.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Numeric id as a string.
    pub id: String,
    /// Project key, e.g. `OPS`.
    pub key: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Issue types usable in this project.
    #[serde(default)]
    pub issue_types: Vec<IssueType>,
}

impl Project {
    /// The issue type named `name` (case-insensitive).
    pub fn issue_type(&self, name: &str) -> Option<&IssueType> {
        self.issue_types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

/// One field of the create screen (createmeta).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "WireFieldMeta")]
pub struct FieldMeta {
    /// Field id, e.g. `summary`, `labels`, `customfield_10010`.
    pub field_id: String,
    /// Display name.
    pub name: String,
    /// Whether a create without it fails.
    pub required: bool,
    /// Whether Jira fills it when absent.
    pub has_default_value: bool,
    /// The field's type, which decides the JSON shape of its value.
    pub schema: FieldSchema,
    /// The values an option, priority, component or version field accepts (empty: any).
    pub allowed_values: Vec<AllowedValue>,
}

/// A field's `schema` in createmeta, e.g. `{"type":"array","items":"component","system":"components"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FieldSchema {
    /// `string`, `number`, `date`, `datetime`, `user`, `priority`, `option`, `array`, ...
    #[serde(default, rename = "type")]
    pub kind: String,
    /// For arrays: the type of the items (`string`, `option`, `component`, `version`, `user`).
    #[serde(default)]
    pub items: Option<String>,
    /// For custom fields: the plugin key, e.g.
    /// `com.atlassian.jira.plugin.system.customfieldtypes:select`.
    #[serde(default)]
    pub custom: Option<String>,
    /// For system fields: the field id, e.g. `priority`.
    #[serde(default)]
    pub system: Option<String>,
}

/// One allowed value: options carry `value`, priorities, components and versions `name`;
/// cascading selects list their `children`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AllowedValue {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    /// Disabled options are listed but refused.
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub children: Vec<AllowedValue>,
}

impl AllowedValue {
    /// The text a person writes for it: `value` for options, else `name`.
    pub fn label(&self) -> &str {
        self.value
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or_default()
    }
}

/// Cloud sends both `fieldId` and `key`; Data Center sends `fieldId`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireFieldMeta {
    #[serde(default)]
    field_id: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    has_default_value: bool,
    #[serde(default)]
    schema: FieldSchema,
    #[serde(default)]
    allowed_values: Vec<AllowedValue>,
}

impl From<WireFieldMeta> for FieldMeta {
    fn from(w: WireFieldMeta) -> Self {
        Self {
            field_id: w.field_id.or(w.key).unwrap_or_default(),
            name: w.name,
            required: w.required,
            has_default_value: w.has_default_value,
            schema: w.schema,
            allowed_values: w.allowed_values,
        }
    }
}

/// The create screen of one project and issue type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateFields {
    /// The issue type these fields belong to.
    pub issue_type: IssueType,
    /// Every field on the create screen.
    pub fields: Vec<FieldMeta>,
}

/// The fields pm-sync fills on create (description is optional for it).
pub const FIELDS_WE_FILL: &[&str] = &["project", "issuetype", "summary", "description", "labels"];

impl CreateFields {
    /// True when `field_id` is on the create screen (e.g. `labels`).
    pub fn has(&self, field_id: &str) -> bool {
        self.fields.iter().any(|f| f.field_id == field_id)
    }

    /// Required fields without a default that pm-sync does not fill: creates will fail.
    pub fn required_unfilled(&self) -> Vec<&FieldMeta> {
        self.fields
            .iter()
            .filter(|f| f.required && !f.has_default_value)
            .filter(|f| !FIELDS_WE_FILL.contains(&f.field_id.as_str()))
            .collect()
    }
}

#[cfg(test)]
impl Issue {
    /// An issue `key` (id 1) with `summary`, in status `status` of `category`, and nothing
    /// else set: the tests' ticket.
    pub(crate) fn sample(
        key: &str,
        summary: &str,
        status: &str,
        category: StatusCategory,
    ) -> Issue {
        Issue {
            id: 1.into(),
            key: IssueKey::parse(key).expect("a key"),
            summary: summary.into(),
            labels: Vec::new().into(),
            status: Status {
                name: status.into(),
                category,
            },
            resolution: None,
            planning: Default::default(),
            tracking: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_read_one_after_another_with_the_same_labels_share_one_list() {
        let labels = |names: &[&str]| -> LabelList {
            std::sync::Arc::new(names.iter().map(|n| n.to_string()).collect())
        };
        let mut sets = SharedParts::default();
        let first = sets.share(labels(&["sev1_20260101", "sev1"]));
        let second = sets.share(labels(&["sev1_20260101", "sev1"]));
        assert!(std::sync::Arc::ptr_eq(&first, &second));
        let other = sets.share(labels(&["sev1"]));
        assert_eq!(other.as_slice(), ["sev1".to_string()]);
        assert!(!std::sync::Arc::ptr_eq(&first, &other));
    }

    #[test]
    fn issues_of_one_assignee_share_one_record_until_jira_describes_them_otherwise() {
        let person = |id: &str, shown: &str| User {
            account_id: Some(id.into()),
            display_name: shown.into(),
            ..User::default()
        };
        let mut parts = SharedParts::default();
        let first = parts.person(person("5b10-li", "Li Wei"));
        let again = parts.person(person("5b10-li", "Li Wei"));
        assert!(std::sync::Arc::ptr_eq(&first, &again));
        let other = parts.person(person("5b10-sam", "Sam Lee"));
        assert_eq!(other.shown_name(), "Sam Lee");
        // Renamed in Jira between two pages: the new name is kept, not the old record.
        let renamed = parts.person(person("5b10-li", "Li Wei (SRE)"));
        assert_eq!(renamed.shown_name(), "Li Wei (SRE)");
        assert_eq!(first.shown_name(), "Li Wei");
        // Data Center without a display name shows the username.
        let dc = User {
            name: Some("lwei".into()),
            ..User::default()
        };
        assert_eq!(dc.shown_name(), "lwei");
        // Statuses are shared too.
        let to_do = parts.status("To Do".into());
        assert!(std::ptr::eq(
            to_do.as_ptr(),
            parts.status("To Do".into()).as_ptr()
        ));
        assert_eq!(&*parts.status("Done".into()), "Done");
        // Issues converted apart (concurrent pages) end up with one record per person.
        let mut apart = |person: User| {
            let mut issue = Issue {
                planning: PlanningBox::new(Planning {
                    assignee: Some(std::sync::Arc::new(person)),
                    ..Planning::default()
                }),
                ..issue_to_do("OPS-1")
            };
            parts.share_assignee(&mut issue);
            issue.planning.assignee.clone().unwrap()
        };
        let one = apart(person("5b10-kim", "Kim"));
        let two = apart(person("5b10-kim", "Kim"));
        assert!(std::sync::Arc::ptr_eq(&one, &two));
    }

    #[test]
    fn tickets_of_one_assignee_and_priority_share_one_planning_unless_each_has_a_due_date() {
        let kim = || User {
            account_id: Some("5b10-kim".into()),
            display_name: "Kim".into(),
            ..User::default()
        };
        let planning = |who: Option<User>, due: Option<&str>, priority: Option<&str>| Planning {
            assignee: who.map(std::sync::Arc::new),
            due: due.map(str::to_owned),
            priority: priority.map(str::to_owned),
        };
        let mut parts = SharedParts::default();
        let first = parts.planning(planning(Some(kim()), None, Some("High")));
        let again = parts.planning(planning(Some(kim()), None, Some("High")));
        let (Some(a), Some(b)) = (&first.0, &again.0) else {
            panic!("a planning with an assignee is held");
        };
        assert!(std::sync::Arc::ptr_eq(a, b), "one planning for both");
        assert_eq!(again.priority.as_deref(), Some("High"));
        assert_eq!(again.assignee.as_ref().unwrap().shown_name(), "Kim");
        // Another priority, a due date, or no assignee: a planning of its own, read as given.
        let low = parts.planning(planning(Some(kim()), None, Some("Low")));
        assert_eq!(low.priority.as_deref(), Some("Low"));
        assert!(!std::sync::Arc::ptr_eq(a, low.0.as_ref().unwrap()));
        let due = parts.planning(planning(Some(kim()), Some("2026-04-01"), Some("High")));
        let due_again = parts.planning(planning(Some(kim()), Some("2026-04-01"), Some("High")));
        assert_eq!(due.due.as_deref(), Some("2026-04-01"));
        assert!(!std::sync::Arc::ptr_eq(
            due.0.as_ref().unwrap(),
            due_again.0.as_ref().unwrap()
        ));
        let nobody = parts.planning(planning(None, None, Some("High")));
        assert!(nobody.assignee.is_none());
        assert_eq!(nobody.priority.as_deref(), Some("High"));
        assert!(
            parts.planning(Planning::default()).0.is_none(),
            "nothing set, no box"
        );
        // Jira describes Kim otherwise (renamed): the planning shows the new record.
        let renamed = parts.planning(planning(
            Some(User {
                display_name: "Kim (SRE)".into(),
                ..kim()
            }),
            None,
            Some("High"),
        ));
        assert_eq!(renamed.assignee.as_ref().unwrap().shown_name(), "Kim (SRE)");
    }

    #[test]
    fn dates_are_boxed_only_when_known_and_read_as_before() {
        let none = TrackingBox::new(Tracking::default());
        assert!(none.0.is_none(), "no date, no box");
        assert_eq!(none.created, None);
        let due = TrackingBox::new(Tracking {
            due: NaiveDate::from_ymd_opt(2026, 4, 1),
            ..Tracking::default()
        });
        assert_eq!(
            due.due.map(|d| d.to_string()).as_deref(),
            Some("2026-04-01")
        );
        let back: TrackingBox =
            serde_json::from_str(&serde_json::to_string(&due).unwrap()).unwrap();
        assert_eq!(back, due);
    }

    /// An issue `key` in To Do, with nothing else set.
    fn issue_to_do(key: &str) -> Issue {
        Issue::sample(key, "s", "To Do", StatusCategory::New)
    }

    #[test]
    fn found_issues_keep_the_key_asked_only_when_it_is_not_their_own() {
        let issue = |key: &str| std::sync::Arc::new(issue_to_do(key));
        let key = |k: &str| IssueKey::parse(k).unwrap();
        let fetched = FetchedIssues::new(
            [
                (key("OPS-1"), issue("OPS-1")),
                (key("OLD-7"), issue("NEW-2")),
                (key("OPS-3"), issue("OPS-3")),
            ],
            vec![key("OPS-9")],
        );
        assert_eq!(fetched.found_count(), 3);
        // Only the moved one holds a second key.
        assert_eq!((fetched.found.len(), fetched.found_as.len()), (2, 1));
        let asked: Vec<(&str, &str)> = fetched
            .found()
            .map(|(asked, issue)| (asked.as_str(), issue.key.as_str()))
            .collect();
        assert_eq!(
            asked,
            [("OPS-1", "OPS-1"), ("OPS-3", "OPS-3"), ("OLD-7", "NEW-2")]
        );
        let taken: Vec<(String, Option<IssueKey>)> = fetched
            .into_found()
            .map(|found| {
                let asked = found.asked().to_string();
                (asked, found.into_parts().0)
            })
            .collect();
        assert_eq!(
            taken,
            [
                ("OPS-1".to_owned(), None),
                ("OPS-3".to_owned(), None),
                ("OLD-7".to_owned(), Some(key("OLD-7")))
            ]
        );
    }

    #[test]
    fn an_issue_stays_small() {
        // A sync holds every linked ticket (100,000 for a report that big): its id is a
        // number, its key and resolution two words each, not three.
        assert!(std::mem::size_of::<Issue>() <= 88);
        assert_eq!(IssueId::parse(" 10042 "), Some(IssueId::from(10042)));
        assert_eq!(IssueId::parse("10x"), None);
        assert_eq!(IssueId::parse(""), None);
        assert_eq!(String::from(IssueId::from(7)), "7");
        assert_eq!(std::mem::size_of::<IssueKey>(), 16);
    }

    #[test]
    fn planning_is_boxed_only_when_set_and_reads_and_serializes_as_before() {
        let empty = PlanningBox::new(Planning::default());
        assert!(empty.0.is_none(), "an empty planning holds no box");
        assert_eq!(empty.due, None);
        assert_eq!(std::mem::size_of::<PlanningBox>(), 8);
        let set = PlanningBox::new(Planning {
            due: Some("2026-04-01".into()),
            ..Planning::default()
        });
        assert_eq!(set.due.as_deref(), Some("2026-04-01"));
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(
            json,
            r#"{"assignee":null,"due":"2026-04-01","priority":null}"#
        );
        let back: PlanningBox = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
        let none: PlanningBox =
            serde_json::from_str(&serde_json::to_string(&empty).unwrap()).unwrap();
        assert!(none.0.is_none());
    }
}
