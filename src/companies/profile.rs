//! The company profile (企业画像): scale, employees, revenue band, industry code (GB/T 4754),
//! area and tags. Policies are matched on these fields; notices to the zone are addressed by
//! them. Admins and the company's officer keep it; the company sees its own.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use super::errors::CompaniesReason;
use super::model::Company;
use super::repo;
use crate::actor::{Actor, Role};
use crate::db::schema::company_profiles;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, UserId};
use crate::text::single_line;

crate::stored_enum!(
    /// Enterprise scale under the national SME classification (统计上大中小微型企业划分办法).
    CompanyScale {
        /// 大型企业.
        Large => "LARGE",
        /// 中型企业.
        Medium => "MEDIUM",
        /// 小型企业.
        Small => "SMALL",
        /// 微型企业.
        Micro => "MICRO",
    }
);

crate::stored_enum!(
    /// Yearly operating revenue (营业收入), in bands.
    RevenueBand {
        /// Below 5 million yuan.
        Below5m => "BELOW_5M",
        /// 5 to 20 million yuan.
        From5mTo20m => "FROM_5M_TO_20M",
        /// 20 to 100 million yuan.
        From20mTo100m => "FROM_20M_TO_100M",
        /// 100 to 400 million yuan.
        From100mTo400m => "FROM_100M_TO_400M",
        /// 400 million yuan and more.
        Above400m => "ABOVE_400M",
    }
);

pub const MAX_AREA_CHARS: usize = 50;
pub const MAX_TAG_CHARS: usize = 20;
pub const MAX_TAGS: usize = 20;
pub const MAX_EMPLOYEES: i32 = 10_000_000;

/// A company's profile as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = company_profiles, primary_key(company_id))]
pub struct CompanyProfile {
    pub company_id: CompanyId,
    pub scale: Option<CompanyScale>,
    pub employees: Option<i32>,
    pub revenue_band: Option<RevenueBand>,
    /// GB/T 4754 code: a section letter, then its division, group or class digits (`C3360`).
    pub industry_code: String,
    pub area: String,
    /// A JSON array of tags (高新技术企业, 专精特新, 外资, …).
    pub tags: String,
    pub version: i32,
    pub updated_by: Option<UserId>,
    pub updated_at: NaiveDateTime,
}

impl CompanyProfile {
    /// An empty profile (a company whose profile was never filled in).
    pub fn empty(company_id: CompanyId, now: NaiveDateTime) -> CompanyProfile {
        CompanyProfile {
            company_id,
            scale: None,
            employees: None,
            revenue_band: None,
            industry_code: String::new(),
            area: String::new(),
            tags: "[]".into(),
            version: 0,
            updated_by: None,
            updated_at: now,
        }
    }

    /// The tags as a list.
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

impl crate::audit::Audited for CompanyProfile {
    const TARGET: &'static str = "companyProfile";
    fn target_id(&self) -> String {
        self.company_id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "scale": self.scale.map(|s| s.as_str()), "employees": self.employees,
            "revenueBand": self.revenue_band.map(|b| b.as_str()), "industryCode": self.industry_code,
            "area": self.area, "tags": self.tag_list(), "version": self.version,
        })
    }
}

/// The fields a profile change sets; a field left `None` keeps its value.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub scale: Option<Option<CompanyScale>>,
    pub employees: Option<Option<i32>>,
    pub revenue_band: Option<Option<RevenueBand>>,
    pub industry_code: Option<String>,
    pub area: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// A GB/T 4754 code: one section letter A–T, then nothing or 2 to 4 digits.
pub fn clean_industry_code(code: &str) -> AppResult<String> {
    let code = code.trim().to_uppercase();
    let mut chars = code.chars();
    let valid = match chars.next() {
        None => true,
        Some(section) => {
            let digits: Vec<char> = chars.collect();
            ('A'..='T').contains(&section)
                && (digits.is_empty() || (2..=4).contains(&digits.len()))
                && digits.iter().all(|c| c.is_ascii_digit())
        }
    };
    if valid {
        Ok(code)
    } else {
        Err(AppError::bad_field("industryCode", CompaniesReason::INDUSTRY_CODE_INVALID).arg("code", code))
    }
}

/// Tags: single-line, short, no duplicates, kept in the order given.
pub fn clean_tags(field: &str, tags: &[String]) -> AppResult<Vec<String>> {
    if tags.len() > MAX_TAGS {
        return Err(AppError::bad_field(field, CompaniesReason::TOO_MANY_TAGS).arg("max", MAX_TAGS));
    }
    let mut clean: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = single_line(MAX_TAG_CHARS).required(field, tag)?;
        if !clean.contains(&tag) {
            clean.push(tag);
        }
    }
    Ok(clean)
}

pub fn clean_area(area: &str) -> AppResult<String> {
    single_line(MAX_AREA_CHARS).blank_allowed("area", area)
}

/// Checks a change before any write.
pub fn clean_change(change: ProfileChange) -> AppResult<ProfileChange> {
    if let Some(Some(employees)) = change.employees {
        if !(0..=MAX_EMPLOYEES).contains(&employees) {
            return Err(AppError::bad_field(
                "employees",
                CompaniesReason::EMPLOYEES_OUT_OF_RANGE,
            ));
        }
    }
    Ok(ProfileChange {
        industry_code: change.industry_code.as_deref().map(clean_industry_code).transpose()?,
        area: change.area.as_deref().map(clean_area).transpose()?,
        tags: change.tags.as_deref().map(|t| clean_tags("tags", t)).transpose()?,
        ..change
    })
}

/// Who may change a company's profile: admins and the company's current officer.
pub fn may_edit(conn: &mut DbConnection, actor: &Actor, company_id: CompanyId) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Admin => true,
        Role::Officer => repo::active_officer_id(conn, company_id)? == Some(actor.user_id),
        Role::Company | Role::Department => false,
    })
}

/// Applies a (cleaned) change inside the caller's transaction, with its audit entry. A stale
/// `expected_version` gives CONFLICT. Returns the company, the profile before and after.
pub fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    company_id: CompanyId,
    expected_version: Option<i32>,
    change: &ProfileChange,
    now: NaiveDateTime,
) -> AppResult<(Company, Option<CompanyProfile>, CompanyProfile)> {
    let company =
        repo::find_by_id(conn, company_id)?.ok_or_else(|| AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND))?;
    if !may_edit(conn, actor, company_id)? {
        return Err(AppError::forbidden(CompaniesReason::PROFILE_EDIT_FORBIDDEN));
    }
    let before = repo::find_profile(conn, company_id)?;
    let current = before.clone().unwrap_or_else(|| CompanyProfile::empty(company_id, now));
    if let Some(expected) = expected_version {
        if expected != current.version {
            return Err(
                AppError::conflict(CompaniesReason::PROFILE_CHANGED_MEANWHILE).with_version(i64::from(current.version))
            );
        }
    }
    let after = CompanyProfile {
        company_id,
        scale: change.scale.unwrap_or(current.scale),
        employees: change.employees.unwrap_or(current.employees),
        revenue_band: change.revenue_band.unwrap_or(current.revenue_band),
        industry_code: change.industry_code.clone().unwrap_or(current.industry_code),
        area: change.area.clone().unwrap_or(current.area),
        tags: match &change.tags {
            Some(tags) => serde_json::to_string(tags).map_err(|e| AppError::internal(e.to_string()))?,
            None => current.tags,
        },
        version: current.version + 1,
        updated_by: Some(actor.user_id),
        updated_at: now,
    };
    let after = match &before {
        None => repo::insert_profile(conn, &after)?,
        Some(before) => repo::update_profile(conn, before.version, &after)?.ok_or_else(|| {
            AppError::conflict(CompaniesReason::PROFILE_CHANGED_MEANWHILE).with_version(i64::from(before.version))
        })?,
    };
    crate::audit::record(
        conn,
        actor.user_id,
        "updateCompanyProfile",
        before.as_ref(),
        Some(&after),
        now,
    )?;
    Ok((company, before, after))
}

/// The profile of a company the actor may see (an empty one where none was filled in).
pub async fn visible(
    state: &crate::state::AppState,
    actor: &Actor,
    company_id: CompanyId,
) -> AppResult<CompanyProfile> {
    let actor = actor.clone();
    let now = state.clock.now_naive();
    state
        .db
        .read(move |conn| {
            if !super::service::can_see_company(conn, &actor, company_id)? {
                return Err(AppError::not_found(CompaniesReason::COMPANY_NOT_FOUND));
            }
            Ok(repo::find_profile(conn, company_id)?.unwrap_or_else(|| CompanyProfile::empty(company_id, now)))
        })
        .await
}
