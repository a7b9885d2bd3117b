use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::departments;
use crate::ids::DepartmentId;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub description: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The English name, when the zone gave one; readers in English see `name` without it.
    pub name_en: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = departments)]
pub struct NewDepartment {
    pub name: String,
    pub name_en: Option<String>,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = departments)]
pub struct DepartmentChanges {
    pub name: Option<String>,
    /// `Some(None)` clears the English name.
    pub name_en: Option<Option<String>>,
    pub description: Option<String>,
    pub disabled_at: Option<Option<NaiveDateTime>>,
}

impl crate::audit::Audited for Department {
    const TARGET: &'static str = "department";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "name": self.name, "nameEn": self.name_en, "description": self.description,
            "disabledAt": self.disabled_at, "version": self.version,
        })
    }
}
