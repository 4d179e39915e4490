//! The words people use for action items in ten languages — section headings and column
//! headers — and the folding that lets one phrase match every way of writing it: case, accents,
//! full-width forms, punctuation, numbering and emoji ignored.
//!
//! Phrases are normalised stems, matched anywhere in a heading: `remediation` covers
//! "Remediations", "6. Remediation plan" and "Remédiation"; `*massnahm` (a leading `*`: inside a
//! word too) covers the German compounds "Folgemaßnahmen" and "Gegenmaßnahmen". A phrase ending
//! in a space must end a word (`to do ` is not "to document"). Phrases in scripts written
//! without spaces (Chinese, Japanese, Korean, whose headings space words either way) are matched
//! in the heading with its spaces removed.

/// How sure a heading match is: a strong phrase names the action items ("Corrective
/// actions"); a fair one names what comes next ("Next steps"); a weak one often holds them
/// ("Improvements", "Prevention"). A weaker heading is used only when no stronger one has items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Strength {
    Strong,
    /// Names what comes next, which is often but not only action items ("Next steps",
    /// "Recommendations"): used when no strong heading has items.
    Fair,
    Weak,
}

/// Headings that name the action items, per language.
const STRONG: &[&str] = &[
    // English
    "action item",
    "actionitem",
    "action point",
    "follow up",
    "followup",
    "corrective",
    "preventive action",
    "preventative action",
    "preventive measure",
    "preventative measure",
    "remediation",
    "resulting action",
    "todo",
    "to do ",
    "how we prevent",
    "how we will prevent",
    "how will we prevent",
    "how we are preventing",
    "how are we preventing",
    "how were preventing",
    "how to prevent",
    "prevent recurrence",
    "preventing recurrence",
    "prevent this from",
    "prevent it from",
    "preventing this from",
    "preventing it from",
    "prevent future",
    "preventing future",
    "recurrence prevention",
    // German
    "*massnahm",
    "aktionspunkt",
    "folgeaufgabe",
    "handlungsbedarf",
    "abhilfe",
    // French
    "actions correctives",
    "action corrective",
    "mesures correctives",
    "mesure corrective",
    "actions preventives",
    "action preventive",
    "mesures preventives",
    "actions a mener",
    "actions de suivi",
    "suivi des actions",
    "points daction",
    "taches a faire",
    // Spanish
    "acciones correctivas",
    "accion correctiva",
    "acciones preventivas",
    "medidas correctivas",
    "medidas preventivas",
    "acciones de seguimiento",
    "elementos de accion",
    "puntos de accion",
    "acciones a tomar",
    "remediacion",
    "tareas pendientes",
    "acciones de mejora",
    // Portuguese
    "acoes corretivas",
    "acao corretiva",
    "acoes preventivas",
    "medidas corretivas",
    "itens de acao",
    "acoes de acompanhamento",
    "remediacao",
    "acoes de melhoria",
    // Italian
    "azioni correttive",
    "azione correttiva",
    "azioni preventive",
    "misure correttive",
    "misure preventive",
    "azioni da intraprendere",
    "punti di azione",
    "azioni di miglioramento",
    // Dutch
    "actiepunt",
    "vervolgactie",
    "*maatregel",
    // Japanese
    "再発防止",
    "アクションアイテム",
    "対策",
    "改善策",
    "是正",
    "予防措置",
    "フォローアップ",
    "残課題",
    "宿題",
    "やること",
    // Chinese
    "改进措施",
    "改進措施",
    "后续行动",
    "後續行動",
    "后续措施",
    "後續措施",
    "后续跟进",
    "後續跟進",
    "行动项",
    "行動項",
    "待办",
    "待辦",
    "整改",
    "改进项",
    "改進項",
    "预防措施",
    "預防措施",
    "纠正措施",
    "糾正措施",
    "防范措施",
    "防範措施",
    "跟进事项",
    "跟進事項",
    "改进计划",
    "改進計劃",
    // Korean
    "조치사항",
    "후속조치",
    "재발방지",
    "개선사항",
    "액션아이템",
    "대책",
    "할일",
    "개선조치",
    "예방조치",
    "시정조치",
    "후속작업",
];

/// Headings that name what comes next: action items more often than not.
const FAIR: &[&str] = &[
    "next step",
    "action plan",
    "what we are doing",
    "what were doing",
    "what we will do",
    "what we ll do",
    "what well do",
    "nachste schritt",
    "prochaines etapes",
    "proximos pasos",
    "siguientes pasos",
    "plan de accion",
    "plano de acao",
    "proximos passos",
    "prossimi passi",
    "piano dazione",
    "piano di azione",
    "volgende stappen",
    "vervolgstap",
    "下一步",
    "다음단계",
    "今後の対応",
    "향후계획",
    "plan daction",
    "plan d action",
    "recommendation",
    "recomendac",
    "recomendacion",
    "raccomandazion",
    "empfehlung",
    "aanbeveling",
    "recommandation",
    "提言",
    "권고사항",
    "后续计划",
    "後續計劃",
    "行动计划",
    "行動計劃",
];

/// Headings that often hold the action items, but not always.
const WEAK: &[&str] = &[
    "improvement",
    "prevention",
    "preventive",
    "preventing",
    "actions ",
    "going forward",
    "moving forward",
    "whats next",
    "aufgaben",
    "verbesserung",
    "vorbeugung",
    "taches ",
    "amelioration",
    "suivi ",
    "seguimiento",
    "tareas ",
    "mejoras",
    "acciones ",
    "pendientes",
    "prevencion",
    "acompanhamento",
    "tarefas",
    "melhorias",
    "acoes ",
    "pendencias",
    "prevencao",
    "miglioramenti",
    "azioni ",
    "prevenzione",
    "acties ",
    "verbeterpunt",
    "opvolging",
    "改善",
    "課題",
    "タスク",
    "今後",
    "改进",
    "改進",
    "优化",
    "后续",
    "後續",
    "跟进",
    "跟進",
    "개선",
    "향후",
];

/// Words that make a weak match about what was done during the incident ("Actions taken").
const NOT_PLANS: &[&str] = &[
    " taken ",
    " timeline",
    " performed",
    " during ",
    " ergriffen",
    " ergriffene ",
    " durchgefuhrt",
    " prises ",
    " tomadas ",
    " realizadas ",
    " adottate ",
    " genomen ",
    " must contain ",
    "実施済",
    "実施した",
    "已采取",
    "已完成",
    "완료된",
];

/// Headings of parts that hold task lists which are not action items (process checklists).
const CHECKLISTS: &[&str] = &[
    "checklist",
    "check list",
    "steps to close",
    "before closing",
    "before you",
    "how to use",
    "instructions",
    "review checklist",
    "checkliste",
    "liste de controle",
    "lista de verificacion",
    "lista de verificacao",
    "完成标准",
    "チェックリスト",
    "체크리스트",
];

/// Words of a title or heading that say the document is about an incident.
const INCIDENT: &[&str] = &[
    "incident",
    "outage",
    "postmortem",
    "post mortem",
    "root cause",
    "retrospective",
    "rca ",
    "impact",
    "timeline",
    "storung",
    "vorfall",
    "ursache",
    "incidente",
    "incidencia",
    "panne",
    "causa raiz",
    "cause racine",
    "chronologie",
    "cronologia",
    "interruption",
    "インシデント",
    "障害",
    "事故",
    "故障",
    "复盘",
    "複盤",
    "根本原因",
    "장애",
    "사고",
    "포스트모템",
    "근본원인",
];

/// Column headers by role.
const ITEM_COLUMNS: &[&str] = &[
    "action item",
    "action items",
    "actionitem",
    "action",
    "actions",
    "item",
    "items",
    "task",
    "tasks",
    "description",
    "follow up",
    "follow ups",
    "followup",
    "followups",
    "corrective action",
    "remediation",
    "todo",
    "to do",
    "what",
    "action point",
    "measure",
    "measures",
    "aufgabe",
    "aufgaben",
    "massnahme",
    "massnahmen",
    "aktion",
    "beschreibung",
    "tache",
    "taches",
    "mesure",
    "mesures",
    "action corrective",
    "tarea",
    "tareas",
    "accion",
    "acciones",
    "descripcion",
    "medida",
    "medidas",
    "elemento de accion",
    "tarefa",
    "tarefas",
    "acao",
    "acoes",
    "descricao",
    "item de acao",
    "azione",
    "azioni",
    "attivita",
    "compito",
    "descrizione",
    "misura",
    "actie",
    "acties",
    "actiepunt",
    "taak",
    "taken",
    "omschrijving",
    "beschrijving",
    "maatregel",
    "アクション",
    "対策",
    "内容",
    "タスク",
    "項目",
    "対応内容",
    "対応",
    "アクションアイテム",
    "やること",
    "行动项",
    "行動項",
    "措施",
    "任务",
    "任務",
    "事项",
    "事項",
    "改进措施",
    "描述",
    "待办",
    "조치",
    "조치사항",
    "조치항목",
    "개선항목",
    "작업",
    "할일",
    "내용",
    "항목",
    "액션",
    "과제",
];
const STATUS_COLUMNS: &[&str] = &[
    "status",
    "state",
    "zustand",
    "statut",
    "etat",
    "estado",
    "situacao",
    "stato",
    "staat",
    "状態",
    "ステータス",
    "状況",
    "進捗",
    "状态",
    "狀態",
    "进度",
    "進度",
    "상태",
    "진행상황",
    "진행상태",
];
const TICKET_COLUMNS: &[&str] = &[
    "ticket",
    "tickets",
    "jira",
    "jira ticket",
    "issue",
    "key",
    "bug",
    "bug #",
    "bug#",
    "bugs",
    "tracking",
    "tracked in",
    "link",
    "links",
    "vorgang",
    "billet",
    "incidencia",
    "chamado",
    "チケット",
    "工单",
    "工單",
    "单号",
    "티켓",
    "이슈",
];
const OWNER_COLUMNS: &[&str] = &[
    "owner",
    "owners",
    "assignee",
    "who",
    "dri",
    "responsible",
    "verantwortlich",
    "verantwortliche",
    "verantwortlicher",
    "zustandig",
    "besitzer",
    "responsable",
    "proprietaire",
    "porteur",
    "dueno",
    "encargado",
    "responsavel",
    "dono",
    "responsabile",
    "assegnatario",
    "eigenaar",
    "verantwoordelijke",
    "担当",
    "担当者",
    "负责人",
    "負責人",
    "责任人",
    "責任人",
    "담당자",
    "담당",
    "책임자",
];
const DUE_COLUMNS: &[&str] = &[
    "due",
    "due date",
    "due by",
    "deadline",
    "eta",
    "target date",
    "when",
    "fallig",
    "falligkeit",
    "frist",
    "termin",
    "echeance",
    "date limite",
    "date cible",
    "fecha limite",
    "vencimiento",
    "fecha",
    "prazo",
    "data limite",
    "scadenza",
    "vervaldatum",
    "streefdatum",
    "期限",
    "期日",
    "納期",
    "截止日期",
    "截止时间",
    "截止時間",
    "截止",
    "기한",
    "마감일",
    "마감",
    "완료예정일",
];
const PRIORITY_COLUMNS: &[&str] = &[
    "priority",
    "pri",
    "prio",
    "prioritat",
    "priorite",
    "prioridad",
    "prioridade",
    "priorita",
    "prioriteit",
    "優先度",
    "優先順位",
    "优先级",
    "優先級",
    "우선순위",
];

/// What a column header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Item,
    Status,
    Ticket,
    Owner,
    Due,
    Priority,
}

/// The role a column header names, in any of the languages, if any. A header naming a
/// tracker card (`Trello Card`) is a ticket column.
pub(crate) fn column(header: &str) -> Option<Column> {
    let folded = Folded::of(header);
    let words = folded.spaced.trim();
    if words.is_empty() {
        return None;
    }
    let compact = folded.compact.as_str();
    let is = |list: &[&str]| {
        list.iter().any(|name| {
            if is_unspaced_phrase(name) {
                compact == *name
            } else {
                words == *name
            }
        })
    };
    // Bug # and the like keep their sign: compare the raw lower-case text too.
    let raw = header.trim().to_lowercase();
    if is(TICKET_COLUMNS) || TICKET_COLUMNS.contains(&raw.as_str()) {
        return Some(Column::Ticket);
    }
    if words.ends_with(" card") || words == "card" {
        return Some(Column::Ticket);
    }
    [
        (ITEM_COLUMNS, Column::Item),
        (STATUS_COLUMNS, Column::Status),
        (OWNER_COLUMNS, Column::Owner),
        (DUE_COLUMNS, Column::Due),
        (PRIORITY_COLUMNS, Column::Priority),
    ]
    .into_iter()
    .find(|(list, _)| is(list))
    .map(|(_, role)| role)
}

/// The vocabulary phrase `heading` holds, and how sure it is.
pub(crate) fn heading(heading: &str) -> Option<(Strength, &'static str)> {
    let folded = Folded::of(heading);
    if NOT_PLANS
        .iter()
        .any(|word| folded.spaced.contains(word) || folded.compact.contains(word))
    {
        return None;
    }
    [
        (STRONG, Strength::Strong),
        (FAIR, Strength::Fair),
        (WEAK, Strength::Weak),
    ]
    .into_iter()
    .find_map(|(list, strength)| find(&folded, list).map(|phrase| (strength, phrase)))
}

/// Whether a heading names a process checklist ("Steps to close", "Review checklist"): its
/// task list is not action items.
pub(crate) fn is_checklist(heading: &str) -> bool {
    find(&Folded::of(heading), CHECKLISTS).is_some()
}

/// Whether a title or heading names an incident or a part of a post-mortem ("Root cause",
/// "Timeline", "障害報告").
pub(crate) fn is_incident(text: &str) -> bool {
    find(&Folded::of(text), INCIDENT).is_some()
}

/// Whether `text` (a paragraph or list item that is a label) names the action items with a
/// strong phrase: "**Follow-up actions:**".
pub(crate) fn is_label_phrase(text: &str) -> Option<&'static str> {
    let folded = Folded::of(text);
    find(&folded, STRONG).or_else(|| find(&folded, FAIR))
}

fn find(folded: &Folded, phrases: &[&'static str]) -> Option<&'static str> {
    phrases.iter().copied().find(|phrase| folded.holds(phrase))
}

/// A phrase written in a script without spaces between words.
fn is_unspaced_phrase(phrase: &str) -> bool {
    !phrase.is_ascii()
}

/// A text folded for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Folded {
    /// Words separated by one space, with a space before the first and after the last.
    pub(crate) spaced: String,
    /// The words without spaces.
    pub(crate) compact: String,
}

impl Folded {
    /// Folds `text`: full-width forms as ASCII, accents dropped, lower case, anything but
    /// letters and digits a word break (a hyphen or apostrophe inside a word joins it:
    /// "Follow-up" = "Followup"), leading section numbers dropped.
    pub(crate) fn of(text: &str) -> Folded {
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut chars = text.chars().map(fold_width).peekable();
        let mut previous: Option<char> = None;
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() {
                push_folded(&mut word, c);
                previous = Some(c);
                continue;
            }
            let joiner = matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\'' | '\u{2019}');
            let between_letters = previous.is_some_and(char::is_alphanumeric)
                && chars.peek().is_some_and(|n| n.is_alphanumeric());
            previous = Some(c);
            if joiner && between_letters && !word.is_empty() {
                continue;
            }
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        while words.len() > 1 && is_numeral(&words[0]) {
            words.remove(0);
        }
        let mut spaced = String::with_capacity(text.len() + 2);
        spaced.push(' ');
        for w in &words {
            spaced.push_str(w);
            spaced.push(' ');
        }
        Folded {
            spaced,
            compact: words.concat(),
        }
    }

    /// Whether the text holds `phrase` (see the module header for the forms).
    fn holds(&self, phrase: &str) -> bool {
        if is_unspaced_phrase(phrase) {
            return self.compact.contains(phrase);
        }
        if let Some(inside) = phrase.strip_prefix('*') {
            return self.spaced.contains(inside);
        }
        let mut at = 0;
        while let Some(found) = self.spaced[at..].find(phrase) {
            let start = at + found;
            if start > 0 && self.spaced.as_bytes()[start - 1] == b' ' {
                return true;
            }
            at = start + 1;
        }
        false
    }
}

/// Section numbers: digits, roman numerals up to twelve, single letters `a`–`f` are not counted
/// (they are words in several languages).
fn is_numeral(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit())
        || matches!(
            word,
            "i" | "ii" | "iii" | "iv" | "v" | "vi" | "vii" | "viii" | "ix" | "x" | "xi" | "xii"
        )
}

/// Full-width ASCII forms (`Ａ`, `：`, `（`) as ASCII; the ideographic space as a space.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Pushes `c` lower-cased and without its accent (Latin letters; `ß` as `ss`, ligatures
/// spelled out).
fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for lower in c.to_lowercase() {
        match strip_accent(lower) {
            Some(plain) => out.push_str(plain),
            None => out.push(lower),
        }
    }
}

/// The plain letters of an accented lower-case Latin letter.
fn strip_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strong(h: &str) -> bool {
        matches!(heading(h), Some((Strength::Strong | Strength::Fair, _)))
    }

    #[test]
    fn headings_in_ten_languages_are_found() {
        for h in [
            "Action Items",
            "6. Prevention (Action Items)",
            "再発防止（Action Items）",
            "Remediations",
            "Resulting Action",
            "How are we preventing it from happening again?",
            "Corrective and Preventative Measures",
            "🛠️ Follow-up actions",
            "Ａｃｔｉｏｎ Ｉｔｅｍｓ",
            "Folgemaßnahmen",
            "Nächste Schritte",
            "Actions correctives",
            "Plan d'action",
            "Acciones correctivas",
            "Próximos pasos",
            "Ações corretivas",
            "Itens de ação",
            "Azioni correttive",
            "Actiepunten",
            "Vervolgacties",
            "再発防止策",
            "今後の対応",
            "改进措施",
            "後續行動",
            "후속 조치",
            "재발 방지 대책",
            "To-dos",
            "TODO",
        ] {
            assert!(strong(h), "{h:?}");
        }
    }

    #[test]
    fn weak_and_missing_headings() {
        assert_eq!(heading("Improvements").map(|m| m.0), Some(Strength::Weak));
        assert_eq!(heading("Prevention").map(|m| m.0), Some(Strength::Weak));
        for h in [
            "Actions taken",
            "Timeline",
            "Lessons learned",
            "What went well",
            "Root cause",
            "Método",
            "To document the outage",
            "Remediated issues",
            "Impact",
        ] {
            assert_eq!(heading(h), None, "{h:?}");
        }
    }

    #[test]
    fn column_headers_in_other_languages() {
        assert_eq!(column("Tarea"), Some(Column::Item));
        assert_eq!(column("Dueño"), Some(Column::Owner));
        assert_eq!(column("Prioridad"), Some(Column::Priority));
        assert_eq!(column("**Maßnahme**"), Some(Column::Item));
        assert_eq!(column("Fälligkeit"), Some(Column::Due));
        assert_eq!(column("Statut"), Some(Column::Status));
        assert_eq!(column("担当者"), Some(Column::Owner));
        assert_eq!(column("状态"), Some(Column::Status));
        assert_eq!(column("담당자"), Some(Column::Owner));
        assert_eq!(column("Trello Card"), Some(Column::Ticket));
        assert_eq!(column("Bug #"), Some(Column::Ticket));
        assert_eq!(column("Notes"), None);
    }
}
