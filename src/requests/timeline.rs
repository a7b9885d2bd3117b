//! The structured timeline: the parts of an event (who, which departments, the user's own
//! words, due times, verdicts) as a typed payload stored as JSON in `request_events.details`,
//! and the event's sentence rendered from its kind and parts in the reader's language.
//!
//! The user's own words (`note`, `reason`, `answer`, `result`, `comment`, `question`,
//! `message`, `responsible`, `approach`, names) are put into the sentence exactly as written,
//! never translated. Times are shown in the zone's time zone with its offset
//! (`2026-03-06 17:00 +08:00`). Events written before the timeline was structured have no
//! details and keep the text they were written with.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::model::{Channel, EventKind};
use crate::clock::to_utc;
use crate::i18n::{self, Locale, Reason};
use crate::ids::DepartmentId;

/// A department named by an event, as it was called when the event was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDepartment {
    pub id: DepartmentId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Whether the department leads (牵头) the request.
    #[serde(default)]
    pub lead: bool,
}

impl EventDepartment {
    pub fn new(id: DepartmentId, name: String, name_en: Option<String>, lead: bool) -> EventDepartment {
        EventDepartment {
            id,
            name,
            name_en: name_en.filter(|n| !n.trim().is_empty()),
            lead,
        }
    }

    /// The department's name in `locale` (the Chinese name when it has no English one).
    pub fn name_in(&self, locale: Locale) -> &str {
        match (locale, &self.name_en) {
            (Locale::En, Some(en)) => en,
            _ => &self.name,
        }
    }
}

/// A threshold of a time limit the sweeper fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeLimitStage {
    /// The reminder (提醒) at 75 % of the limit.
    Reminder,
    /// The limit passed unmet.
    Overdue,
    /// Chased (催办) one escalation interval after the due time.
    Chasing,
    /// Under the admins' supervision (督办).
    Supervision,
    /// Reported to the zone's leaders (通报).
    Reprimand,
}

/// Which time limit an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeLimitKind {
    /// The request's first-reply limit.
    FirstReply,
    /// The request's resolution limit.
    Resolve,
    /// A department task's reply limit.
    TaskReply,
}

/// The parts of one timeline event. Every field is optional: each kind of event fills the ones
/// it has (see docs/requests.md, "The timeline's parts").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDetails {
    /// The name of who did it, as it was then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// Whether an urge came from the administration (督办) rather than the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_administration: Option<bool>,
    /// The channel a request was raised through (a `Channel` value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The departments dispatched to, or the department of the task the event concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departments: Option<Vec<EventDepartment>>,
    /// The department a task was transferred from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_department: Option<EventDepartment>,
    /// The department a task was transferred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_department: Option<EventDepartment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Who in the department handles it (a plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
    /// How the department handles it (a plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approach: Option<String>,
    /// The due time: of a plan, of the limit an alert is about, the one an extension moves to
    /// (or, refused, the one that stands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// The due time before an extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing_number: Option<String>,
    /// How long the time limits stood still waiting for the company, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waited_minutes: Option<i64>,
    /// The days without feedback after which a resolved request closes by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<TimeLimitStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<TimeLimitKind>,
    /// The company's verdict: solved (解决).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved: Option<bool>,
    /// The company's verdict: satisfied (满意).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfied: Option<bool>,
    /// The verdict was given by phone (回访) and recorded by an officer or admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<bool>,
    /// Who at the company was called (a callback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callee: Option<String>,
    /// When the company was called (a callback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_at: Option<DateTime<Utc>>,
}

impl EventDetails {
    /// Details naming who did it.
    pub fn by(actor_name: &str) -> EventDetails {
        EventDetails {
            actor_name: Some(actor_name.to_string()),
            ..Default::default()
        }
    }

    /// The payload as stored in `request_events.details`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("event details serialize")
    }

    /// The payload of a stored event; `None` for events written before the timeline was
    /// structured (or a payload this version cannot read, whose stored text then stands).
    pub fn from_json(json: Option<&str>) -> Option<EventDetails> {
        json.and_then(|json| serde_json::from_str(json).ok())
    }

    /// The channel as its enum value.
    pub fn channel(&self) -> Option<Channel> {
        self.channel.as_deref().and_then(Channel::from_text)
    }
}

crate::reasons! {
    /// The sentences of timeline events, one per kind of event and variant, with the parts as
    /// `{placeholders}`.
    pub enum EventText {
        EVENT_RAISED => "{actor}提交诉求（{channel}）", "raised by {actor} ({channel})";
        EVENT_ACCEPTED => "{actor}受理诉求", "accepted by {actor}";
        EVENT_REJECTED => "不予受理：{reason}", "rejected: {reason}";
        EVENT_ANSWERED => "答复：{answer}", "answered: {answer}";
        EVENT_DISPATCHED => "派单至{departments}", "dispatched to {departments}";
        EVENT_DISPATCHED_WITH_NOTE => "派单至{departments}：{note}", "dispatched to {departments}: {note}";
        EVENT_POOLED => "放入抢单池，待部门认领", "put in the open pool for departments to claim";
        EVENT_POOLED_WITH_NOTE => "放入抢单池，待部门认领：{note}", "put in the open pool for departments to claim: {note}";
        EVENT_CLAIMED => "{department}从抢单池认领", "claimed from the pool by {department}";
        EVENT_SIGNED => "{department}签收", "signed for by {department}";
        EVENT_RETURNED => "{department}退单（不属本部门职责）：{reason}", "returned by {department} as not its remit: {reason}";
        EVENT_TRANSFERRED => "由{from}转办至{to}：{reason}", "transferred from {from} to {to}: {reason}";
        EVENT_PLANNED => "{department}办理计划：{responsible}负责，{due}前办结：{approach}", "plan of {department}: {responsible} handles it by {due}: {approach}";
        EVENT_COMPLETED => "{department}办结任务：{result}", "{department} finished its task: {result}";
        EVENT_NOTE => "进展说明：{note}", "progress note: {note}";
        EVENT_RESOLVED => "办结：{answer}", "resolved: {answer}";
        EVENT_UNRESOLVABLE => "按现行政策暂不能解决（备案号 {filingNumber}）：{reason}", "cannot be solved under current policy (filed as {filingNumber}): {reason}";
        EVENT_CONFIRMED => "企业评价：{solved}，{satisfied}", "the company's verdict: {solved}, {satisfied}";
        EVENT_CONFIRMED_WITH_COMMENT => "企业评价：{solved}，{satisfied}：{comment}", "the company's verdict: {solved}, {satisfied}: {comment}";
        EVENT_VERDICT_SOLVED => "已解决", "solved";
        EVENT_VERDICT_NOT_SOLVED => "未解决", "not solved";
        EVENT_VERDICT_SATISFIED => "满意", "satisfied";
        EVENT_VERDICT_NOT_SATISFIED => "不满意", "not satisfied";
        EVENT_WITHDRAWN => "企业撤回诉求", "withdrawn by the company";
        EVENT_WITHDRAWN_WITH_REASON => "企业撤回诉求：{reason}", "withdrawn by the company: {reason}";
        EVENT_URGED_BY_COMPANY => "企业催办", "urged by the company";
        EVENT_URGED_BY_COMPANY_WITH_MESSAGE => "企业催办：{message}", "urged by the company: {message}";
        EVENT_URGED_BY_ADMINISTRATION => "管委会督办催促", "urged by the administration (督办)";
        EVENT_URGED_BY_ADMINISTRATION_WITH_MESSAGE => "管委会督办催促：{message}", "urged by the administration (督办): {message}";
        EVENT_AUTO_CLOSED => "企业{days}天内未反馈，自动关闭", "closed automatically: no feedback from the company within {days} days";
        EVENT_INFO_REQUESTED => "请企业补充材料：{question}", "information asked of the company: {question}";
        EVENT_INFO_PROVIDED => "企业于{hours}小时后补充材料，时限相应顺延：{answer}", "the company answered after {hours} h; the time limits moved by that much: {answer}";
        EVENT_EXTENSION_REQUESTED => "申请延期：由{from}延至{until}：{reason}", "extension asked from {from} to {until}: {reason}";
        EVENT_EXTENSION_APPROVED => "延期获批：期限由{from}改为{until}", "extension granted: due {until} instead of {from}";
        EVENT_EXTENSION_APPROVED_WITH_NOTE => "延期获批：期限由{from}改为{until}：{note}", "extension granted: due {until} instead of {from}: {note}";
        EVENT_EXTENSION_REFUSED => "延期未获批：仍于{due}到期", "extension refused: still due {due}";
        EVENT_EXTENSION_REFUSED_WITH_NOTE => "延期未获批：仍于{due}到期：{note}", "extension refused: still due {due}: {note}";
        EVENT_DUE_REMINDER => "提醒：{limit}已过75%，{due}到期", "reminder (提醒): 75 % of the {limit} has passed; due {due}";
        EVENT_OVERDUE => "超期：{limit}已于{due}到期，未完成", "overdue: the {limit} passed at {due} unmet";
        EVENT_CHASED => "催办：{limit}已于{due}到期，仍无进展", "chased (催办): the {limit} passed at {due} and nothing has moved";
        EVENT_SUPERVISED => "督办：{limit}已于{due}到期", "under supervision (督办): the {limit} passed at {due}";
        EVENT_REPRIMANDED => "通报园区领导：{limit}已于{due}到期", "reported to the zone's leaders (通报): the {limit} passed at {due}";
        EVENT_LIMIT_FIRST_REPLY => "首次答复时限", "first-reply limit";
        EVENT_LIMIT_RESOLVE => "办结时限", "resolution limit";
        EVENT_LIMIT_TASK_REPLY => "部门答复时限", "department's reply limit";
        EVENT_CALLBACK => "回访{callee}（{calledAt}）：{solved}，{satisfied}", "callback (回访) to {callee} ({calledAt}): {solved}, {satisfied}";
        EVENT_CALLBACK_WITH_COMMENT => "回访{callee}（{calledAt}）：{solved}，{satisfied}：{comment}", "callback (回访) to {callee} ({calledAt}): {solved}, {satisfied}: {comment}";
        EVENT_ZONE_ISSUE_LINKED => "与园区内其他企业反映的同类问题合并办理（一事多企），办理进展将同步告知", "handled together with the same problem raised by other companies in the zone (一事多企); you are told of every step";
        EVENT_ZONE_ISSUE_LEFT => "退出合并办理，单独办理", "no longer handled together with other companies: handled on its own";
        EVENT_ZONE_ISSUE_LEFT_WITH_REASON => "退出合并办理，单独办理：{reason}", "no longer handled together with other companies: handled on its own: {reason}";
        EVENT_DEPARTMENT_LEAD => "{department}（牵头）", "{department} (lead)";
    }
}

/// A time in the zone's time zone with its offset: `2026-03-06 17:00 +08:00`.
pub fn zone_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M %:z").to_string()
}

/// A stored (UTC) time as [`zone_time`] shows it.
pub fn zone_time_naive(at: NaiveDateTime, zone: Tz) -> String {
    zone_time(to_utc(at), zone)
}

fn word(text: EventText, locale: Locale) -> String {
    text.template(locale).to_string()
}

fn or_empty(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn department_list(departments: &[EventDepartment], locale: Locale) -> String {
    let names: Vec<String> = departments
        .iter()
        .map(|d| {
            let name = d.name_in(locale).to_string();
            if d.lead {
                i18n::render(
                    EventText::EVENT_DEPARTMENT_LEAD.template(locale),
                    &[("department", name)],
                )
            } else {
                name
            }
        })
        .collect();
    names.join(locale.pick("、", ", "))
}

fn first_department(details: &EventDetails, locale: Locale) -> String {
    details
        .departments
        .as_ref()
        .and_then(|d| d.first())
        .map(|d| d.name_in(locale).to_string())
        .unwrap_or_default()
}

fn limit_name(limit: Option<TimeLimitKind>, locale: Locale) -> String {
    let text = match limit {
        Some(TimeLimitKind::FirstReply) => EventText::EVENT_LIMIT_FIRST_REPLY,
        Some(TimeLimitKind::Resolve) => EventText::EVENT_LIMIT_RESOLVE,
        Some(TimeLimitKind::TaskReply) | None => EventText::EVENT_LIMIT_TASK_REPLY,
    };
    word(text, locale)
}

/// The template of an event of `kind` with `details`, and the values of its placeholders.
fn sentence(
    kind: EventKind,
    details: &EventDetails,
    locale: Locale,
    zone: Tz,
) -> (EventText, Vec<(&'static str, String)>) {
    use EventText as T;
    let time = |at: Option<DateTime<Utc>>| at.map(|at| zone_time(at, zone)).unwrap_or_default();
    let actor = ("actor", or_empty(&details.actor_name));
    let department = ("department", first_department(details, locale));
    let note = ("note", or_empty(&details.note));
    let reason = ("reason", or_empty(&details.reason));
    let answer = ("answer", or_empty(&details.answer));
    let has_note = details.note.is_some();
    match kind {
        EventKind::Raised => (
            T::EVENT_RAISED,
            vec![
                actor,
                (
                    "channel",
                    details
                        .channel()
                        .map(|c| c.label(locale).to_string())
                        .unwrap_or_else(|| or_empty(&details.channel)),
                ),
            ],
        ),
        EventKind::Accepted => (T::EVENT_ACCEPTED, vec![actor]),
        EventKind::Rejected => (T::EVENT_REJECTED, vec![reason]),
        EventKind::Answered => (T::EVENT_ANSWERED, vec![answer]),
        EventKind::Dispatched => {
            let departments = (
                "departments",
                department_list(details.departments.as_deref().unwrap_or_default(), locale),
            );
            if has_note {
                (T::EVENT_DISPATCHED_WITH_NOTE, vec![departments, note])
            } else {
                (T::EVENT_DISPATCHED, vec![departments])
            }
        }
        EventKind::Pooled if has_note => (T::EVENT_POOLED_WITH_NOTE, vec![note]),
        EventKind::Pooled => (T::EVENT_POOLED, vec![]),
        EventKind::Claimed => (T::EVENT_CLAIMED, vec![department]),
        EventKind::Signed => (T::EVENT_SIGNED, vec![department]),
        EventKind::Returned => (T::EVENT_RETURNED, vec![department, reason]),
        EventKind::Transferred => (
            T::EVENT_TRANSFERRED,
            vec![
                (
                    "from",
                    details
                        .from_department
                        .as_ref()
                        .map(|d| d.name_in(locale).to_string())
                        .unwrap_or_default(),
                ),
                (
                    "to",
                    details
                        .to_department
                        .as_ref()
                        .map(|d| d.name_in(locale).to_string())
                        .unwrap_or_default(),
                ),
                reason,
            ],
        ),
        EventKind::Planned => (
            T::EVENT_PLANNED,
            vec![
                department,
                ("responsible", or_empty(&details.responsible)),
                ("due", time(details.due_at)),
                ("approach", or_empty(&details.approach)),
            ],
        ),
        EventKind::Completed => (
            T::EVENT_COMPLETED,
            vec![department, ("result", or_empty(&details.result))],
        ),
        EventKind::Note => (T::EVENT_NOTE, vec![note]),
        EventKind::Resolved => (T::EVENT_RESOLVED, vec![answer]),
        EventKind::Unresolvable => (
            T::EVENT_UNRESOLVABLE,
            vec![("filingNumber", or_empty(&details.filing_number)), reason],
        ),
        EventKind::Closed | EventKind::Reopened | EventKind::CallbackRecorded => {
            let solved = (
                "solved",
                word(
                    if details.solved == Some(true) {
                        T::EVENT_VERDICT_SOLVED
                    } else {
                        T::EVENT_VERDICT_NOT_SOLVED
                    },
                    locale,
                ),
            );
            let satisfied = (
                "satisfied",
                word(
                    if details.satisfied == Some(true) {
                        T::EVENT_VERDICT_SATISFIED
                    } else {
                        T::EVENT_VERDICT_NOT_SATISFIED
                    },
                    locale,
                ),
            );
            let callback = kind == EventKind::CallbackRecorded || details.callback == Some(true);
            if callback {
                let callee = ("callee", or_empty(&details.callee));
                let called = ("calledAt", time(details.called_at));
                return match &details.comment {
                    Some(comment) => (
                        T::EVENT_CALLBACK_WITH_COMMENT,
                        vec![callee, called, solved, satisfied, ("comment", comment.clone())],
                    ),
                    None => (T::EVENT_CALLBACK, vec![callee, called, solved, satisfied]),
                };
            }
            match &details.comment {
                Some(comment) => (
                    T::EVENT_CONFIRMED_WITH_COMMENT,
                    vec![solved, satisfied, ("comment", comment.clone())],
                ),
                None => (T::EVENT_CONFIRMED, vec![solved, satisfied]),
            }
        }
        EventKind::Withdrawn if details.reason.is_some() => (T::EVENT_WITHDRAWN_WITH_REASON, vec![reason]),
        EventKind::Withdrawn => (T::EVENT_WITHDRAWN, vec![]),
        EventKind::Urged => {
            let admin = details.by_administration == Some(true);
            match (&details.message, admin) {
                (Some(m), true) => (
                    T::EVENT_URGED_BY_ADMINISTRATION_WITH_MESSAGE,
                    vec![("message", m.clone())],
                ),
                (Some(m), false) => (T::EVENT_URGED_BY_COMPANY_WITH_MESSAGE, vec![("message", m.clone())]),
                (None, true) => (T::EVENT_URGED_BY_ADMINISTRATION, vec![]),
                (None, false) => (T::EVENT_URGED_BY_COMPANY, vec![]),
            }
        }
        EventKind::AutoClosed => (
            T::EVENT_AUTO_CLOSED,
            vec![("days", details.days.unwrap_or_default().to_string())],
        ),
        EventKind::InfoRequested => (T::EVENT_INFO_REQUESTED, vec![("question", or_empty(&details.question))]),
        EventKind::InfoProvided => {
            let hours = details.waited_minutes.unwrap_or_default() as f64 / 60.0;
            (T::EVENT_INFO_PROVIDED, vec![("hours", format!("{hours:.1}")), answer])
        }
        EventKind::ExtensionRequested => (
            T::EVENT_EXTENSION_REQUESTED,
            vec![
                ("from", time(details.previous_due_at)),
                ("until", time(details.due_at)),
                reason,
            ],
        ),
        EventKind::ExtensionApproved => {
            let args = vec![
                ("from", time(details.previous_due_at)),
                ("until", time(details.due_at)),
                note,
            ];
            if has_note {
                (T::EVENT_EXTENSION_APPROVED_WITH_NOTE, args)
            } else {
                (T::EVENT_EXTENSION_APPROVED, args)
            }
        }
        EventKind::ExtensionRefused => {
            let args = vec![("due", time(details.due_at)), note];
            if has_note {
                (T::EVENT_EXTENSION_REFUSED_WITH_NOTE, args)
            } else {
                (T::EVENT_EXTENSION_REFUSED, args)
            }
        }
        EventKind::ZoneIssueLinked => (T::EVENT_ZONE_ISSUE_LINKED, vec![]),
        EventKind::ZoneIssueLeft if details.reason.is_some() => (T::EVENT_ZONE_ISSUE_LEFT_WITH_REASON, vec![reason]),
        EventKind::ZoneIssueLeft => (T::EVENT_ZONE_ISSUE_LEFT, vec![]),
        EventKind::DueReminder
        | EventKind::Overdue
        | EventKind::Chased
        | EventKind::Supervised
        | EventKind::Reprimanded => {
            let text = match kind {
                EventKind::DueReminder => T::EVENT_DUE_REMINDER,
                EventKind::Overdue => T::EVENT_OVERDUE,
                EventKind::Chased => T::EVENT_CHASED,
                EventKind::Supervised => T::EVENT_SUPERVISED,
                _ => T::EVENT_REPRIMANDED,
            };
            (
                text,
                vec![
                    ("limit", limit_name(details.limit, locale)),
                    ("due", time(details.due_at)),
                ],
            )
        }
    }
}

/// The sentence of an event of `kind` with `details`, in `locale`, times in `zone`.
pub fn render(kind: EventKind, details: &EventDetails, locale: Locale, zone: Tz) -> String {
    let (text, args) = sentence(kind, details, locale, zone);
    i18n::render(text.template(locale), &args)
}

/// The text of a stored event for a reader in `locale`: rendered from its details, or the text
/// it was written with when it has none.
pub fn text_of(event: &super::model::Event, locale: Locale, zone: Tz) -> String {
    match EventDetails::from_json(event.details.as_deref()) {
        Some(details) => render(event.kind, &details, locale, zone),
        None => event.text.clone(),
    }
}

/// The table of every event sentence for `docs/requests.md` (between its `timeline` markers).
pub fn markdown() -> String {
    let mut out = String::from("| template | zh-CN | en |\n|---|---|---|\n");
    for row in EventText::rows() {
        out.push_str(&format!("| `{}` | {} | {} |\n", row.code, row.zh, row.en));
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn department(id: i64, name: &str, name_en: Option<&str>, lead: bool) -> EventDepartment {
        EventDepartment::new(DepartmentId::from(id), name.into(), name_en.map(Into::into), lead)
    }

    #[test]
    fn a_dispatch_reads_in_both_languages_with_the_note_unchanged() {
        let details = EventDetails {
            departments: Some(vec![
                department(1, "城管局", Some("Urban Management"), true),
                department(2, "税务局", None, false),
            ]),
            note: Some("请协调".into()),
            ..EventDetails::by("雷均")
        };
        let zone = chrono_tz::Asia::Shanghai;
        assert_eq!(
            render(EventKind::Dispatched, &details, Locale::ZhCn, zone),
            "派单至城管局（牵头）、税务局：请协调"
        );
        assert_eq!(
            render(EventKind::Dispatched, &details, Locale::En, zone),
            "dispatched to Urban Management (lead), 税务局: 请协调"
        );
        let stored = details.to_json();
        assert_eq!(EventDetails::from_json(Some(&stored)), Some(details));
        assert!(!stored.contains("comment"), "empty parts are left out: {stored}");
    }

    #[test]
    fn times_show_in_the_zone_with_its_offset() {
        let at = Utc.with_ymd_and_hms(2026, 3, 6, 9, 0, 0).unwrap();
        assert_eq!(zone_time(at, chrono_tz::Asia::Shanghai), "2026-03-06 17:00 +08:00");
        let details = EventDetails {
            departments: Some(vec![department(1, "城管局", None, true)]),
            responsible: Some("王芳".into()),
            approach: Some("现场核查".into()),
            due_at: Some(at),
            ..EventDetails::by("王芳")
        };
        assert_eq!(
            render(EventKind::Planned, &details, Locale::En, chrono_tz::Asia::Shanghai),
            "plan of 城管局: 王芳 handles it by 2026-03-06 17:00 +08:00: 现场核查"
        );
    }

    #[test]
    fn every_kind_renders_without_a_placeholder_left() {
        let details = EventDetails {
            channel: Some("APP".into()),
            departments: Some(vec![department(1, "城管局", None, true)]),
            from_department: Some(department(1, "城管局", None, true)),
            to_department: Some(department(2, "税务局", None, true)),
            note: Some("n".into()),
            reason: Some("r".into()),
            answer: Some("a".into()),
            result: Some("x".into()),
            comment: Some("c".into()),
            question: Some("q".into()),
            message: Some("m".into()),
            responsible: Some("p".into()),
            approach: Some("w".into()),
            due_at: Some(Utc::now()),
            previous_due_at: Some(Utc::now()),
            filing_number: Some("F-1".into()),
            waited_minutes: Some(90),
            days: Some(7),
            stage: Some(TimeLimitStage::Overdue),
            limit: Some(TimeLimitKind::Resolve),
            solved: Some(true),
            satisfied: Some(false),
            by_administration: Some(true),
            ..EventDetails::by("雷均")
        };
        for kind in EventKind::ALL {
            for locale in [Locale::ZhCn, Locale::En] {
                let text = render(*kind, &details, locale, chrono_tz::Asia::Shanghai);
                assert!(!text.contains('{'), "{kind:?} in {locale:?}: {text}");
            }
        }
    }
}
