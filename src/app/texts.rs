//! Every table of texts in one list: the reasons of every domain's refusals and the labels of
//! the enum values the apps show. The `labels` query hands the labels to the apps in the
//! reader's language; the test below holds every table to the rules (a stable
//! SCREAMING_SNAKE_CASE code, unique across the crate; a Chinese and an English text; the same
//! placeholders in both).

use async_graphql::{Object, SimpleObject};

use crate::actor::Role;
use crate::i18n::{self, TextRow};
use crate::requests::model::{Channel, EventKind, RequestKind, RequestStatus, TaskStatus};
use crate::sla::model::Urgency;

/// Every table of reasons (the codes of `extensions.reason`).
pub fn reason_tables() -> Vec<Vec<TextRow>> {
    vec![
        crate::error::CoreReason::rows(),
        crate::graphql::errors::DocumentReason::rows(),
        super::http::HttpReason::rows(),
        crate::auth::errors::AuthReason::rows(),
        crate::requests::errors::RequestsReason::rows(),
        crate::users::errors::UsersReason::rows(),
        crate::companies::errors::CompaniesReason::rows(),
        crate::departments::errors::DepartmentsReason::rows(),
        crate::notifications::errors::NotificationsReason::rows(),
        crate::attachments::errors::AttachmentsReason::rows(),
        crate::evaluations::errors::EvaluationsReason::rows(),
        crate::visits::errors::VisitsReason::rows(),
        crate::sla::errors::SlaReason::rows(),
        crate::stats::errors::StatsReason::rows(),
        crate::privacy::errors::PrivacyReason::rows(),
        crate::demo::errors::DemoReason::rows(),
        crate::projects::errors::ProjectsReason::rows(),
        crate::policies::errors::PoliciesReason::rows(),
        crate::notices::errors::NoticesReason::rows(),
        crate::requests::zone_issues::errors::ZoneIssueReason::rows(),
        crate::requests::similar::errors::SimilarReason::rows(),
        crate::knowledge::errors::KnowledgeReason::rows(),
    ]
}

/// Every table of enum labels.
pub fn label_tables() -> Vec<Vec<TextRow>> {
    vec![
        RequestStatus::label_rows(),
        TaskStatus::label_rows(),
        RequestKind::label_rows(),
        Channel::label_rows(),
        Urgency::label_rows(),
        EventKind::label_rows(),
        Role::label_rows(),
        crate::projects::model::ProjectStage::label_rows(),
    ]
}

/// The sentences of timeline events (rendered when read, `requests::timeline`).
pub fn sentence_tables() -> Vec<Vec<TextRow>> {
    vec![crate::requests::timeline::EventText::rows()]
}

/// The label of one enum value, in the reader's language.
#[derive(SimpleObject)]
pub struct EnumLabel {
    /// The GraphQL enum (`RequestStatus`, `TaskStatus`, `RequestKind`, `Channel`, `Urgency`,
    /// `EventKind`, `Role`).
    pub enum_name: &'static str,
    /// The enum value as the schema spells it (`SUBMITTED`).
    pub value: &'static str,
    /// What the app shows for it (待受理 in zh-CN, submitted in en).
    pub label: &'static str,
}

#[derive(Default)]
pub struct TextsQuery;

#[Object]
impl TextsQuery {
    /// The labels of every enum value the apps show, in the reader's language (the caller's
    /// locale, or the `Accept-Language` header's): one call fills an app's tables. Needs no
    /// sign-in.
    async fn labels(&self) -> Vec<EnumLabel> {
        let locale = i18n::current();
        label_tables()
            .into_iter()
            .flatten()
            .map(|row| EnumLabel {
                enum_name: row.table,
                value: row.code,
                label: locale.pick(row.zh, row.en),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn is_chinese(c: char) -> bool {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
    }

    fn check(row: &TextRow) {
        assert!(
            !row.zh.trim().is_empty(),
            "{}::{} has no zh-CN text",
            row.table,
            row.code
        );
        assert!(!row.en.trim().is_empty(), "{}::{} has no en text", row.table, row.code);
        assert!(
            row.zh.chars().any(is_chinese),
            "{}::{}: the zh-CN text {:?} is not Chinese",
            row.table,
            row.code,
            row.zh
        );
        let mut zh: Vec<&str> = i18n::placeholders(row.zh);
        let mut en: Vec<&str> = i18n::placeholders(row.en);
        zh.sort_unstable();
        en.sort_unstable();
        // A zh-CN text may leave out the field name English sentences start with.
        en.retain(|p| *p != "field" || zh.contains(&"field"));
        assert_eq!(
            zh, en,
            "{}::{}: placeholders differ between zh-CN and en",
            row.table, row.code
        );
    }

    #[test]
    fn every_reason_has_a_unique_code_and_both_texts() {
        let mut seen = HashSet::new();
        for row in reason_tables().iter().flatten() {
            assert!(
                !row.code.is_empty()
                    && row
                        .code
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "{}::{} is not SCREAMING_SNAKE_CASE",
                row.table,
                row.code
            );
            assert!(seen.insert(row.code), "the reason {} is declared twice", row.code);
            check(row);
        }
        assert!(
            seen.len() > 100,
            "only {} reasons: a table is missing from reason_tables()",
            seen.len()
        );
    }

    #[test]
    fn every_event_sentence_has_a_unique_code_and_both_texts() {
        let reasons: HashSet<&str> = reason_tables().iter().flatten().map(|r| r.code).collect();
        let mut seen = HashSet::new();
        for row in sentence_tables().iter().flatten() {
            assert!(seen.insert(row.code), "the sentence {} is declared twice", row.code);
            assert!(!reasons.contains(row.code), "{} is also a reason", row.code);
            check(row);
        }
    }

    #[test]
    fn every_label_has_both_texts() {
        for table in label_tables() {
            let mut seen = HashSet::new();
            for row in &table {
                assert!(seen.insert(row.code), "{}::{} is labelled twice", row.table, row.code);
                check(row);
            }
        }
        assert_eq!(RequestStatus::label_rows().len(), RequestStatus::ALL.len());
        assert_eq!(EventKind::label_rows().len(), EventKind::ALL.len());
    }
}
