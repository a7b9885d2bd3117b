use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::companies::model::Company;
use crate::companies::profile::CompanyProfile;
use crate::db::schema::{zone_notice_recipients, zone_notices};
use crate::ids::{CompanyId, UserId, ZoneNoticeId};

crate::stored_enum!(
    /// What a notice to the zone is about.
    NoticeCategory {
        /// 政策通知: a policy notice.
        Policy => "POLICY",
        /// 停电停水预警: a planned outage of power, water, gas or roads.
        Outage => "OUTAGE",
        /// 会议通知: a meeting or training.
        Meeting => "MEETING",
        /// Anything else.
        Other => "OTHER",
    }
);

/// Who a notice goes to: every company, or those meeting every filter given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Audience {
    pub all_companies: bool,
    /// The industry code (GB/T 4754) starts with one of these.
    pub industry_code_prefixes: Vec<String>,
    /// The company is in one of these areas.
    pub areas: Vec<String>,
    /// The company has at least one of these tags.
    pub any_tags: Vec<String>,
    /// Only key enterprises (true) or only others (false).
    pub key_enterprise: Option<bool>,
    /// Only the companies this officer serves.
    pub officer_id: Option<UserId>,
}

impl Audience {
    /// True when no filter is set.
    pub fn unfiltered(&self) -> bool {
        self.industry_code_prefixes.is_empty()
            && self.areas.is_empty()
            && self.any_tags.is_empty()
            && self.key_enterprise.is_none()
            && self.officer_id.is_none()
    }

    /// Whether the company is addressed; `officer_companies` are the companies of
    /// `officer_id` when it is set.
    pub fn includes(&self, company: &Company, profile: &CompanyProfile, officer_companies: &[CompanyId]) -> bool {
        if self.all_companies {
            return true;
        }
        let tags = profile.tag_list();
        (self.industry_code_prefixes.is_empty()
            || (!profile.industry_code.is_empty()
                && self
                    .industry_code_prefixes
                    .iter()
                    .any(|p| profile.industry_code.starts_with(p.as_str()))))
            && (self.areas.is_empty() || self.areas.contains(&profile.area))
            && (self.any_tags.is_empty() || self.any_tags.iter().any(|t| tags.contains(t)))
            && self.key_enterprise.is_none_or(|k| company.key_enterprise == k)
            && (self.officer_id.is_none() || officer_companies.contains(&company.id))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = zone_notices)]
pub struct ZoneNotice {
    pub id: ZoneNoticeId,
    pub category: NoticeCategory,
    pub title: String,
    pub body: String,
    pub important: bool,
    /// The `Audience` as JSON.
    pub audience: String,
    pub sent_by: UserId,
    pub sent_at: NaiveDateTime,
}

impl ZoneNotice {
    pub fn audience(&self) -> Audience {
        serde_json::from_str(&self.audience).unwrap_or_default()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = zone_notices)]
pub struct NewZoneNotice {
    pub category: NoticeCategory,
    pub title: String,
    pub body: String,
    pub important: bool,
    pub audience: String,
    pub sent_by: UserId,
    pub sent_at: NaiveDateTime,
}

/// One company a notice was sent to, and whether its staff read it.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = zone_notice_recipients)]
pub struct NoticeRecipient {
    pub id: i64,
    pub notice_id: ZoneNoticeId,
    pub company_id: CompanyId,
    pub read_at: Option<NaiveDateTime>,
    pub read_by: Option<UserId>,
    pub reminded_at: Option<NaiveDateTime>,
}

impl crate::audit::Audited for ZoneNotice {
    const TARGET: &'static str = "zoneNotice";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "category": self.category.as_str(), "title": self.title, "important": self.important,
            "audience": self.audience(),
        })
    }
}
