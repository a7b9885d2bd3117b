use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{zone_issue_members, zone_issues};
use crate::ids::{RequestId, UserId};

/// One problem shared by several companies' requests (一事多企).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = zone_issues)]
pub struct ZoneIssue {
    pub id: i64,
    pub title: String,
    /// The member request that holds the shared department tasks, plan and time limit.
    pub carrier_request_id: RequestId,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the shared handling first ended (resolved or marked unresolvable).
    pub resolved_at: Option<NaiveDateTime>,
    pub version: i32,
}

impl ZoneIssue {
    /// The readable number, `GX-2026-000012` (共性).
    pub fn number(&self) -> String {
        use chrono::Datelike;
        format!("GX-{}-{:06}", self.created_at.year(), self.id)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = zone_issues)]
pub struct NewZoneIssue {
    pub title: String,
    pub carrier_request_id: RequestId,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A request's membership of a zone issue; `left_at` once it left.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = zone_issue_members)]
pub struct Member {
    pub id: i64,
    pub zone_issue_id: i64,
    pub request_id: RequestId,
    pub linked_by: UserId,
    pub linked_at: NaiveDateTime,
    pub left_by: Option<UserId>,
    pub left_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = zone_issue_members)]
pub struct NewMember {
    pub zone_issue_id: i64,
    pub request_id: RequestId,
    pub linked_by: UserId,
    pub linked_at: NaiveDateTime,
}

/// Where a zone issue stands, derived from its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneIssueStatus {
    /// Being handled once for all its members.
    Open,
    /// The shared handling ended; members confirm (or are handled again alone).
    Resolved,
    /// Every member is finished (closed, withdrawn, rejected or unresolvable) or has left.
    Closed,
}

impl crate::audit::Audited for ZoneIssue {
    const TARGET: &'static str = "zone_issue";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "title": self.title, "carrierRequestId": self.carrier_request_id.get(),
            "resolvedAt": self.resolved_at, "version": self.version,
        })
    }
}
