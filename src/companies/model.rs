use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{companies, officer_assignments};
use crate::ids::{CompanyId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = companies)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub credit_code: String,
    pub industry: String,
    pub address: String,
    pub key_enterprise: bool,
    pub disabled_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = companies)]
pub struct NewCompany {
    pub name: String,
    pub credit_code: String,
    pub industry: String,
    pub address: String,
    pub key_enterprise: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = companies)]
pub struct CompanyChanges {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
    pub key_enterprise: Option<bool>,
    pub disabled_at: Option<Option<NaiveDateTime>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = officer_assignments)]
pub struct OfficerAssignment {
    pub id: i64,
    pub company_id: CompanyId,
    pub officer_id: UserId,
    pub reason: String,
    pub assigned_by: Option<UserId>,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    pub ended_by: Option<UserId>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = officer_assignments)]
pub struct NewOfficerAssignment {
    pub company_id: CompanyId,
    pub officer_id: UserId,
    pub reason: String,
    pub assigned_by: Option<UserId>,
    pub started_at: NaiveDateTime,
}

impl crate::audit::Audited for Company {
    const TARGET: &'static str = "company";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "name": self.name, "creditCode": self.credit_code, "industry": self.industry,
            "address": self.address, "keyEnterprise": self.key_enterprise,
            "disabledAt": self.disabled_at, "version": self.version,
        })
    }
}

impl crate::audit::Audited for OfficerAssignment {
    const TARGET: &'static str = "assignment";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "companyId": self.company_id, "officerId": self.officer_id, "reason": self.reason,
            "startedAt": self.started_at, "endedAt": self.ended_at, "endReason": self.end_reason,
        })
    }
}
