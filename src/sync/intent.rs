//! The status a person gave an item in their own words — "Done", "in progress", "Won't do",
//! "Erledigt", "完了", a ticked box — read as one of three intents, matched against Jira's
//! statuses and transitions.
//!
//! Words are read whole or by their head (`Done (merged #12)`, `✅ fixed`), without case,
//! emoji or punctuation around them, in English, German, French, Spanish, Portuguese, Italian,
//! Dutch, Japanese, Chinese and Korean. "To Do", "Open", "Blocked" and anything unknown say
//! nothing: the new ticket keeps the workflow's first status.

use crate::jira::issues::Transition;
use crate::jira::model::{Status, StatusCategory};
use crate::report::model::{ActionItem, KnownStatuses};

/// Where a person says an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Finished: a status in Jira's done category.
    Done,
    /// Being worked on: a status in the indeterminate category.
    InProgress,
    /// Dropped: a done-category status named for it (Won't Do, Cancelled…).
    WontDo,
}

/// The words an item's status shows, and what they mean, when they mean one of the intents: the
/// status text, else a ticked box (`[x]`, Done).
pub fn of_item(item: &ActionItem) -> Option<(Intent, String)> {
    let text = item.status_text().trim();
    if !text.is_empty() {
        return of_words(text).map(|intent| (intent, text.to_owned()));
    }
    item.checkbox
        .filter(|checkbox| checkbox.checked)
        .map(|_| (Intent::Done, "[x]".to_owned()))
}

/// What `words` mean (see the module header); `[x]` is a ticked box.
pub fn of_words(words: &str) -> Option<Intent> {
    let trimmed = words.trim();
    // A ticked box, or a check mark alone (`✅`, `✔️`, `☑`, `✓`).
    let check_marks = !trimmed.is_empty()
        && trimmed
            .chars()
            .all(|c| matches!(c, '✅' | '✔' | '☑' | '✓' | '\u{fe0f}' | ' '));
    if trimmed.eq_ignore_ascii_case("[x]") || check_marks {
        return Some(Intent::Done);
    }
    let normal = normalise(words);
    if let Some(intent) = lookup(&normal) {
        return Some(intent);
    }
    // The head before a separator: `Done (PR #12)`, `in progress - Ann`, `fixed: v2.3`.
    let head = [
        " (", "(", " - ", " – ", " — ", ",", ":", ";", " / ", " by ", " on ", " in v",
    ]
    .iter()
    .filter_map(|stop| normal.find(stop))
    .min()
    .map(|end| normal[..end].trim());
    head.filter(|head| !head.is_empty()).and_then(lookup)
}

/// What Jira's `status` means: its category, Won't Do and its kin told apart by name.
pub fn of_status(status: &Status) -> Option<Intent> {
    intent_of_target(&status.name, status.category)
}

fn intent_of_target(name: &str, category: StatusCategory) -> Option<Intent> {
    match category {
        StatusCategory::Done if of_words(name) == Some(Intent::WontDo) => Some(Intent::WontDo),
        StatusCategory::Done => Some(Intent::Done),
        StatusCategory::Indeterminate => Some(Intent::InProgress),
        StatusCategory::New | StatusCategory::Undefined => None,
    }
}

/// Whether the item's status already says what Jira's `status` says in a person's words, so
/// that no status edit is needed and the words stay as written (no marker beside them): the
/// status name in other case (`In progress` for `In Progress`), or words of the same meaning
/// that are not themselves a status name Jira knows (`Erledigt` for Done — a known name such as
/// `Closed` is pm-sync's to keep current). A task box that does not match yet still needs the
/// edit that ticks it.
pub fn words_agree(item: &ActionItem, status: &Status, known: &KnownStatuses) -> bool {
    let text = item.status_text().trim();
    if text.is_empty() || text == &*status.name {
        return false;
    }
    let done = status.category == StatusCategory::Done;
    if item
        .checkbox
        .is_some_and(|checkbox| checkbox.checked != done)
    {
        return false;
    }
    text.eq_ignore_ascii_case(&status.name)
        || (!known.knows(text) && of_words(text).is_some_and(|i| Some(i) == of_status(status)))
}

/// The transition that moves a ticket to what `words` (meaning `intent`) say: the one whose
/// target status is named as written, else one whose target is named for the same intent
/// (`Closed` for "finished"), else one whose target's category matches (done, or
/// indeterminate) and whose name means no other intent.
pub fn choose_transition<'t>(
    offered: &'t [Transition],
    intent: Intent,
    words: &str,
) -> Option<&'t Transition> {
    let target = |t: &Transition| t.to.as_ref().map(|to| (to.name.clone(), to.category()));
    let wanted = words.trim();
    offered
        .iter()
        .find(|t| target(t).is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case(wanted)))
        .or_else(|| {
            offered.iter().find(|t| {
                target(t).is_some_and(|(name, category)| {
                    of_words(&name) == Some(intent)
                        && intent_of_target(&name, category) == Some(intent)
                })
            })
        })
        .or_else(|| {
            offered.iter().find(|t| {
                target(t).is_some_and(|(name, category)| {
                    intent_of_target(&name, category) == Some(intent)
                        && of_words(&name).is_none_or(|named| named == intent)
                })
            })
        })
}

/// Lower case, curly quotes straight, emoji and punctuation around the words dropped, spaces
/// collapsed.
fn normalise(words: &str) -> String {
    let straight = words.replace(['’', '‘', '`', '´'], "'");
    let trimmed = straight.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
    trimmed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn lookup(normal: &str) -> Option<Intent> {
    if normal.is_empty() {
        return None;
    }
    [
        (DONE_WORDS, Intent::Done),
        (IN_PROGRESS_WORDS, Intent::InProgress),
        (WONT_DO_WORDS, Intent::WontDo),
    ]
    .into_iter()
    .find_map(|(words, intent)| words.contains(&normal).then_some(intent))
}

const DONE_WORDS: &[&str] = &[
    "done",
    "complete",
    "completed",
    "finished",
    "fixed",
    "resolved",
    "closed",
    "shipped",
    "merged",
    "deployed",
    "implemented",
    "released",
    "delivered",
    "mitigated",
    "addressed",
    "erledigt",
    "fertig",
    "abgeschlossen",
    "behoben",
    "gelöst",
    "umgesetzt",
    "fait",
    "terminé",
    "termine",
    "résolu",
    "corrigé",
    "fini",
    "hecho",
    "terminado",
    "terminada",
    "completado",
    "completada",
    "resuelto",
    "cerrado",
    "listo",
    "feito",
    "concluído",
    "concluido",
    "resolvido",
    "finalizado",
    "fechado",
    "fatto",
    "completato",
    "risolto",
    "chiuso",
    "klaar",
    "gedaan",
    "afgerond",
    "opgelost",
    "完了",
    "対応済み",
    "対応済",
    "済",
    "済み",
    "解決済み",
    "完成",
    "已完成",
    "已解决",
    "已修复",
    "已关闭",
    "完毕",
    "완료",
    "해결",
    "해결됨",
    "종료",
];

const IN_PROGRESS_WORDS: &[&str] = &[
    "in progress",
    "in-progress",
    "inprogress",
    "wip",
    "doing",
    "started",
    "ongoing",
    "underway",
    "under way",
    "in review",
    "in development",
    "in arbeit",
    "in bearbeitung",
    "läuft",
    "in umsetzung",
    "en cours",
    "en curso",
    "en progreso",
    "en proceso",
    "em andamento",
    "em progresso",
    "in corso",
    "bezig",
    "in uitvoering",
    "対応中",
    "進行中",
    "作業中",
    "进行中",
    "处理中",
    "진행 중",
    "진행중",
    "작업 중",
    "작업중",
];

const WONT_DO_WORDS: &[&str] = &[
    "won't do",
    "wont do",
    "won't fix",
    "wontfix",
    "wont fix",
    "will not do",
    "will not fix",
    "not doing",
    "cancelled",
    "canceled",
    "dropped",
    "rejected",
    "declined",
    "abandoned",
    "obsolete",
    "descoped",
    "out of scope",
    "wird nicht gemacht",
    "verworfen",
    "abgelehnt",
    "abgebrochen",
    "entfällt",
    "annulé",
    "abandonné",
    "rejeté",
    "ne sera pas fait",
    "cancelado",
    "cancelada",
    "descartado",
    "descartada",
    "rechazado",
    "no se hará",
    "não será feito",
    "annullato",
    "scartato",
    "geannuleerd",
    "vervallen",
    "中止",
    "見送り",
    "対応しない",
    "却下",
    "取消",
    "已取消",
    "不做",
    "不修复",
    "放弃",
    "취소",
    "안 함",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_words_in_several_languages() {
        for (words, intent) in [
            ("Done", Intent::Done),
            ("DONE ✅", Intent::Done),
            ("✅ fixed", Intent::Done),
            ("Done (merged #12)", Intent::Done),
            ("Erledigt", Intent::Done),
            ("完了", Intent::Done),
            ("In progress", Intent::InProgress),
            ("WIP - Ann", Intent::InProgress),
            ("en cours", Intent::InProgress),
            ("진행 중", Intent::InProgress),
            ("Won’t do", Intent::WontDo),
            ("wontfix", Intent::WontDo),
            ("Cancelado", Intent::WontDo),
            ("[x]", Intent::Done),
            ("✅", Intent::Done),
            ("✔️", Intent::Done),
        ] {
            assert_eq!(of_words(words), Some(intent), "{words}");
        }
        for words in [
            "To Do",
            "Open",
            "Blocked",
            "",
            "n/a",
            "see OPS-1",
            "Donegal",
        ] {
            assert_eq!(of_words(words), None, "{words}");
        }
    }

    #[test]
    fn the_transition_is_chosen_by_target_name_then_intent_then_category() {
        let offered: Vec<Transition> = serde_json::from_value(serde_json::json!([
            {"id": "11", "name": "Start", "to": {"name": "Doing",
                "statusCategory": {"key": "indeterminate"}}},
            {"id": "21", "name": "Drop", "to": {"name": "Won't Do",
                "statusCategory": {"key": "done"}}},
            {"id": "31", "name": "Finish", "to": {"name": "Closed",
                "statusCategory": {"key": "done"}}},
            {"id": "41", "name": "Ship", "to": {"name": "Released",
                "statusCategory": {"key": "done"}}}
        ]))
        .unwrap();
        let pick = |intent, words| choose_transition(&offered, intent, words).map(|t| &*t.id);
        assert_eq!(pick(Intent::Done, "released"), Some("41"));
        assert_eq!(pick(Intent::Done, "Erledigt"), Some("31"));
        assert_eq!(pick(Intent::WontDo, "cancelled"), Some("21"));
        assert_eq!(pick(Intent::InProgress, "WIP"), Some("11"));
        let only_wont_do = &offered[..2];
        assert_eq!(
            choose_transition(only_wont_do, Intent::Done, "Done").map(|t| &*t.id),
            None,
            "finished is never filed as dropped"
        );
    }

    #[test]
    fn jira_statuses_mean_an_intent_by_category_and_name() {
        let status = |name: &str, category| Status {
            name: name.into(),
            category,
        };
        assert_eq!(
            of_status(&status("Closed", StatusCategory::Done)),
            Some(Intent::Done)
        );
        assert_eq!(
            of_status(&status("Won't Do", StatusCategory::Done)),
            Some(Intent::WontDo)
        );
        assert_eq!(
            of_status(&status("Review", StatusCategory::Indeterminate)),
            Some(Intent::InProgress)
        );
        assert_eq!(of_status(&status("To Do", StatusCategory::New)), None);
        let mut known = KnownStatuses::default();
        known.insert("Done", true);
        known.insert("Closed", true);
        let agree = |words: &str, name: &str, category| {
            let item = ActionItem::detached(1, "Add an alert", None, words);
            words_agree(&item, &status(name, category), &known)
        };
        assert!(agree("Erledigt", "Done", StatusCategory::Done));
        assert!(agree("done", "Done", StatusCategory::Done));
        assert!(!agree("Erledigt", "To Do", StatusCategory::New));
        assert!(
            !agree("Done", "Done", StatusCategory::Done),
            "nothing to keep"
        );
        assert!(
            !agree("Closed", "Done", StatusCategory::Done),
            "pm-sync's own name"
        );
    }
}
