//! The erasure's record and the retention settings' report.

use serde_json::{json, Value};

use crate::ids::UserId;

/// The name an erased person is shown under, wherever their name was.
pub const ERASED_NAME: &str = "已注销用户";

/// What one erasure did, table by table (rows deleted or masked): the audit log's snapshot.
#[derive(Debug, Clone)]
pub struct Erasure {
    pub user_id: UserId,
    pub tables: Vec<(&'static str, usize)>,
}

impl crate::audit::Audited for Erasure {
    const TARGET: &'static str = "user";
    fn target_id(&self) -> String {
        self.user_id.to_string()
    }
    fn snapshot(&self) -> Value {
        let tables: serde_json::Map<String, Value> = self
            .tables
            .iter()
            .map(|(table, rows)| ((*table).to_string(), json!(rows)))
            .collect();
        json!({ "erased": true, "tables": tables })
    }
}

/// What a download of one's own data is recorded as (the document itself is not kept).
#[derive(Debug, Clone)]
pub struct PersonalDataExport {
    pub user_id: UserId,
    pub sections: Vec<(String, usize)>,
}

impl crate::audit::Audited for PersonalDataExport {
    const TARGET: &'static str = "user";
    fn target_id(&self) -> String {
        self.user_id.to_string()
    }
    fn snapshot(&self) -> Value {
        let sections: serde_json::Map<String, Value> = self
            .sections
            .iter()
            .map(|(name, rows)| (name.clone(), json!(rows)))
            .collect();
        json!({ "sections": sections })
    }
}

/// One round of the retention purge: rows deleted per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub notifications: usize,
    pub push_deliveries: usize,
    pub sms_deliveries: usize,
    pub login_throttles: usize,
    pub refresh_tokens: usize,
    /// Signed-in devices (`sessions` rows) whose refresh tokens are all gone.
    pub sessions: usize,
    /// A kind filled its batch: more may be waiting.
    pub more: bool,
}

impl RetentionReport {
    pub fn total(&self) -> usize {
        self.notifications
            + self.push_deliveries
            + self.sms_deliveries
            + self.login_throttles
            + self.refresh_tokens
            + self.sessions
    }
}
