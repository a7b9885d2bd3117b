use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::companies::model::Company;
use crate::companies::profile::CompanyProfile;
use crate::db::schema::{policies, policy_deliveries, policy_documents, policy_packages};
use crate::ids::{CompanyId, PolicyId, PolicyPackageId, RequestId, UserId};

crate::stored_enum!(
    /// Where a policy item stands.
    PolicyStatus {
        /// Being prepared; seen by admins only, matched to no one.
        Draft => "DRAFT",
        /// Published: matched to companies, who are told once.
        Published => "PUBLISHED",
        /// Withdrawn: no longer matched or shown to companies that were not told of it.
        Withdrawn => "WITHDRAWN",
    }
);

/// Who a policy is for: every rule given must hold (a rule left empty holds for everyone). A
/// profile field that was never filled in satisfies no rule on that field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Eligibility {
    /// The company's scale is one of these (`CompanyScale` codes).
    pub scales: Vec<String>,
    /// At least this many employees.
    pub employees_at_least: Option<i32>,
    /// Fewer than this many employees.
    pub employees_below: Option<i32>,
    /// The revenue band is one of these (`RevenueBand` codes).
    pub revenue_bands: Vec<String>,
    /// The industry code starts with one of these (`C` = manufacturing, `C39` = electronics).
    pub industry_code_prefixes: Vec<String>,
    /// The company is in one of these areas.
    pub areas: Vec<String>,
    /// The company has every one of these tags.
    pub all_tags: Vec<String>,
    /// The company has at least one of these tags.
    pub any_tags: Vec<String>,
    /// Only key enterprises (true) or only others (false).
    pub key_enterprise: Option<bool>,
}

impl Eligibility {
    /// Whether the company, with this profile, meets every rule.
    pub fn matches(&self, company: &Company, profile: &CompanyProfile) -> bool {
        let tags = profile.tag_list();
        (self.scales.is_empty()
            || profile
                .scale
                .is_some_and(|s| self.scales.iter().any(|c| c == s.as_str())))
            && self
                .employees_at_least
                .is_none_or(|min| profile.employees.is_some_and(|e| e >= min))
            && self
                .employees_below
                .is_none_or(|max| profile.employees.is_some_and(|e| e < max))
            && (self.revenue_bands.is_empty()
                || profile
                    .revenue_band
                    .is_some_and(|b| self.revenue_bands.iter().any(|c| c == b.as_str())))
            && (self.industry_code_prefixes.is_empty()
                || (!profile.industry_code.is_empty()
                    && self
                        .industry_code_prefixes
                        .iter()
                        .any(|p| profile.industry_code.starts_with(p.as_str()))))
            && (self.areas.is_empty() || self.areas.contains(&profile.area))
            && self.all_tags.iter().all(|t| tags.contains(t))
            && (self.any_tags.is_empty() || self.any_tags.iter().any(|t| tags.contains(t)))
            && self.key_enterprise.is_none_or(|k| company.key_enterprise == k)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = policies)]
pub struct Policy {
    pub id: PolicyId,
    pub title: String,
    pub issuer: String,
    pub summary: String,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub eligibility: String,
    pub without_application: bool,
    pub status: PolicyStatus,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: UserId,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Policy {
    /// The eligibility rules (empty rules for a row that cannot be read).
    pub fn rules(&self) -> Eligibility {
        serde_json::from_str(&self.eligibility).unwrap_or_default()
    }

    /// Whether the policy is in force on `day` (its validity bounds included).
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        let day = day.format("%Y-%m-%d").to_string();
        self.valid_from.as_deref().is_none_or(|from| from <= day.as_str())
            && self.valid_to.as_deref().is_none_or(|to| day.as_str() <= to)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = policies)]
pub struct NewPolicy {
    pub title: String,
    pub issuer: String,
    pub summary: String,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub eligibility: String,
    pub without_application: bool,
    pub status: PolicyStatus,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = policy_documents)]
pub struct PolicyDocument {
    pub id: i64,
    pub policy_id: PolicyId,
    pub name: String,
    pub url: String,
    pub position: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = policy_documents)]
pub struct NewPolicyDocument {
    pub policy_id: PolicyId,
    pub name: String,
    pub url: String,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = policy_packages)]
pub struct PolicyPackage {
    pub id: PolicyPackageId,
    pub name: String,
    pub description: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = policy_packages)]
pub struct NewPolicyPackage {
    pub name: String,
    pub description: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One policy told to one company, and how far the company has taken it.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = policy_deliveries)]
pub struct PolicyDelivery {
    pub id: i64,
    pub policy_id: PolicyId,
    pub company_id: CompanyId,
    pub delivered_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    pub asked_at: Option<NaiveDateTime>,
    pub request_id: Option<RequestId>,
    pub applied_at: Option<NaiveDateTime>,
    pub granted_at: Option<NaiveDateTime>,
    /// Yuan, when the benefit has an amount.
    pub granted_amount: Option<i64>,
    pub granted_by: Option<UserId>,
    pub grant_note: String,
}

/// The funnel's counts over a set of companies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Funnel {
    /// Companies whose profile meets the rules now.
    pub eligible: i64,
    pub delivered: i64,
    pub read: i64,
    pub asked: i64,
    pub applied: i64,
    pub granted: i64,
    /// Sum of the amounts granted, in yuan.
    pub granted_amount: i64,
}

impl Funnel {
    pub fn of(eligible: i64, deliveries: &[PolicyDelivery]) -> Funnel {
        let count = |f: fn(&PolicyDelivery) -> bool| deliveries.iter().filter(|d| f(d)).count() as i64;
        Funnel {
            eligible,
            delivered: deliveries.len() as i64,
            read: count(|d| d.read_at.is_some()),
            asked: count(|d| d.asked_at.is_some()),
            applied: count(|d| d.applied_at.is_some()),
            granted: count(|d| d.granted_at.is_some()),
            granted_amount: deliveries.iter().filter_map(|d| d.granted_amount).sum(),
        }
    }
}

impl crate::audit::Audited for Policy {
    const TARGET: &'static str = "policy";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "title": self.title, "issuer": self.issuer, "validFrom": self.valid_from,
            "validTo": self.valid_to, "eligibility": self.rules(),
            "withoutApplication": self.without_application, "status": self.status.as_str(),
            "version": self.version,
        })
    }
}

impl crate::audit::Audited for PolicyPackage {
    const TARGET: &'static str = "policyPackage";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({ "name": self.name, "description": self.description })
    }
}

impl crate::audit::Audited for PolicyDelivery {
    const TARGET: &'static str = "policyDelivery";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "policyId": self.policy_id, "companyId": self.company_id, "appliedAt": self.applied_at,
            "grantedAt": self.granted_at, "grantedAmount": self.granted_amount, "note": self.grant_note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(key: bool) -> Company {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        Company {
            id: CompanyId(1),
            name: "甲".into(),
            credit_code: String::new(),
            industry: String::new(),
            address: String::new(),
            key_enterprise: key,
            disabled_at: None,
            version: 1,
            created_at: t,
            updated_at: t,
        }
    }

    fn profile(employees: Option<i32>, code: &str, tags: &[&str]) -> CompanyProfile {
        let mut p = CompanyProfile::empty(
            CompanyId(1),
            chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc(),
        );
        p.employees = employees;
        p.industry_code = code.into();
        p.tags = serde_json::to_string(tags).unwrap();
        p
    }

    #[test]
    fn rules_hold_together_and_unknown_fields_fail_them() {
        let rules = Eligibility {
            employees_below: Some(300),
            industry_code_prefixes: vec!["C".into()],
            all_tags: vec!["专精特新".into()],
            ..Default::default()
        };
        assert!(rules.matches(&company(false), &profile(Some(120), "C3360", &["专精特新"])));
        assert!(!rules.matches(&company(false), &profile(Some(300), "C3360", &["专精特新"])));
        assert!(!rules.matches(&company(false), &profile(None, "C3360", &["专精特新"])));
        assert!(!rules.matches(&company(false), &profile(Some(10), "F5191", &["专精特新"])));
        assert!(!rules.matches(&company(false), &profile(Some(10), "", &["专精特新"])));
        assert!(!rules.matches(&company(false), &profile(Some(10), "C3360", &["外资"])));
        assert!(Eligibility::default().matches(&company(true), &profile(None, "", &[])));
        let key_only = Eligibility {
            key_enterprise: Some(true),
            ..Default::default()
        };
        assert!(!key_only.matches(&company(false), &profile(None, "", &[])));
    }
}
