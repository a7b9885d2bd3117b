use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{
    key_projects, procedure_templates, project_checkins, project_contacts, project_procedures, project_stage_changes,
};
use crate::ids::{CompanyId, DepartmentId, ProcedureId, ProjectId, UserId};

crate::stored_enum!(
    /// Where a key project stands, from signing to production.
    ProjectStage {
        /// The investment agreement is signed (签约).
        Signed => "SIGNED",
        /// Land is being acquired (供地).
        Land => "LAND",
        /// Planning and permits (规划许可).
        PlanningAndPermits => "PLANNING_AND_PERMITS",
        /// Under construction (建设).
        Construction => "CONSTRUCTION",
        /// Commissioning (调试).
        Commissioning => "COMMISSIONING",
        /// In production (投产).
        Production => "PRODUCTION",
    }
);

impl ProjectStage {
    pub const ORDER: [ProjectStage; 6] = [
        ProjectStage::Signed,
        ProjectStage::Land,
        ProjectStage::PlanningAndPermits,
        ProjectStage::Construction,
        ProjectStage::Commissioning,
        ProjectStage::Production,
    ];

    /// The stage after this one, none after production.
    pub fn next(self) -> Option<ProjectStage> {
        let at = ProjectStage::ORDER.iter().position(|s| *s == self)?;
        ProjectStage::ORDER.get(at + 1).copied()
    }

    /// The rhythm a stage starts with: daily in construction, weekly otherwise.
    pub fn default_rhythm(self) -> Rhythm {
        match self {
            ProjectStage::Construction => Rhythm::Daily,
            _ => Rhythm::Weekly,
        }
    }
}

crate::stored_enum!(
    /// How often the squad checks in on a project in its current stage.
    Rhythm {
        /// Every day (日调度).
        Daily => "DAILY",
        /// Every week (周调度).
        Weekly => "WEEKLY",
        /// Every ten days (旬调度).
        TenDay => "TEN_DAY",
        /// Every month, counted as 30 days (月调度).
        Monthly => "MONTHLY",
    }
);

impl Rhythm {
    /// The length of one check-in window.
    pub fn window(self) -> Duration {
        Duration::days(match self {
            Rhythm::Daily => 1,
            Rhythm::Weekly => 7,
            Rhythm::TenDay => 10,
            Rhythm::Monthly => 30,
        })
    }
}

crate::stored_enum!(
    /// How the liaison checked in.
    CheckInKind {
        /// On site.
        Visit => "VISIT",
        /// By telephone.
        Call => "CALL",
    }
);

crate::stored_enum!(
    /// Where a procedure handled on the company's behalf stands.
    ProcedureStatus {
        /// Listed, not yet submitted to the department.
        Pending => "PENDING",
        /// Submitted, waiting for the department's acceptance.
        Submitted => "SUBMITTED",
        /// Accepted: the statutory clock runs.
        Accepted => "ACCEPTED",
        /// Approved.
        Approved => "APPROVED",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = key_projects)]
pub struct Project {
    pub id: ProjectId,
    pub company_id: CompanyId,
    pub name: String,
    /// In ten thousand yuan (万元).
    pub investment_wan: i64,
    pub industry: String,
    pub location: String,
    pub stage: ProjectStage,
    pub stage_since: NaiveDateTime,
    pub rhythm: Rhythm,
    pub rhythm_since: NaiveDateTime,
    pub lead_liaison_id: UserId,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = key_projects)]
pub struct NewProject {
    pub company_id: CompanyId,
    pub name: String,
    pub investment_wan: i64,
    pub industry: String,
    pub location: String,
    pub stage: ProjectStage,
    pub stage_since: NaiveDateTime,
    pub rhythm: Rhythm,
    pub rhythm_since: NaiveDateTime,
    pub lead_liaison_id: UserId,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_contacts)]
pub struct Contact {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub project_id: ProjectId,
    pub name: String,
    pub phone: String,
    pub title: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_stage_changes)]
pub struct StageChange {
    pub id: i64,
    pub project_id: ProjectId,
    pub from_stage: Option<ProjectStage>,
    pub to_stage: ProjectStage,
    pub note: String,
    pub changed_by: UserId,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = project_stage_changes)]
pub struct NewStageChange {
    pub project_id: ProjectId,
    pub from_stage: Option<ProjectStage>,
    pub to_stage: ProjectStage,
    pub note: String,
    pub changed_by: UserId,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = procedure_templates)]
pub struct Template {
    pub id: i64,
    pub procedure_type: String,
    pub name: String,
    pub statutory_days: i32,
    pub department_id: Option<DepartmentId>,
    pub updated_by: Option<UserId>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_procedures)]
pub struct Procedure {
    pub id: ProcedureId,
    pub project_id: ProjectId,
    pub stage: ProjectStage,
    pub procedure_type: String,
    pub name: String,
    pub department_id: Option<DepartmentId>,
    pub statutory_days: i32,
    pub handler_id: Option<UserId>,
    /// The documents, one name a line.
    pub documents: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub accepted_at: Option<NaiveDateTime>,
    pub approved_at: Option<NaiveDateTime>,
    pub due_at: Option<NaiveDateTime>,
    pub remind_at: Option<NaiveDateTime>,
    pub overdue_at: Option<NaiveDateTime>,
    pub working_days_taken: Option<i32>,
    pub created_at: NaiveDateTime,
}

impl Procedure {
    pub fn status(&self) -> ProcedureStatus {
        if self.approved_at.is_some() {
            ProcedureStatus::Approved
        } else if self.accepted_at.is_some() {
            ProcedureStatus::Accepted
        } else if self.submitted_at.is_some() {
            ProcedureStatus::Submitted
        } else {
            ProcedureStatus::Pending
        }
    }

    /// Statutory minus actual working days, once approved (negative when late).
    pub fn days_saved(&self) -> Option<i32> {
        self.working_days_taken.map(|taken| self.statutory_days - taken)
    }

    /// Still running and past its due time at `now`.
    pub fn is_late(&self, now: NaiveDateTime) -> bool {
        self.approved_at.is_none() && self.due_at.is_some_and(|due| due <= now)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = project_procedures)]
pub struct NewProcedure {
    pub project_id: ProjectId,
    pub stage: ProjectStage,
    pub procedure_type: String,
    pub name: String,
    pub department_id: Option<DepartmentId>,
    pub statutory_days: i32,
    pub handler_id: Option<UserId>,
    pub documents: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_checkins)]
pub struct CheckIn {
    pub id: i64,
    pub project_id: ProjectId,
    pub stage: ProjectStage,
    pub kind: CheckInKind,
    pub findings: String,
    pub recorded_by: UserId,
    pub checked_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = project_checkins)]
pub struct NewCheckIn {
    pub project_id: ProjectId,
    pub stage: ProjectStage,
    pub kind: CheckInKind,
    pub findings: String,
    pub recorded_by: UserId,
    pub checked_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// Days saved on approved procedures, grouped by type or department.
#[derive(Debug, Clone)]
pub struct SavedLine {
    /// The procedure type, or the department (None for procedures without one).
    pub procedure_type: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub approved: i64,
    pub statutory_days: i64,
    pub working_days_taken: i64,
}

impl SavedLine {
    pub fn days_saved(&self) -> i64 {
        self.statutory_days - self.working_days_taken
    }
}

/// A project's missed check-in windows.
#[derive(Debug, Clone)]
pub struct MissedLine {
    pub project: Project,
    pub missed: i64,
}

impl crate::audit::Audited for Project {
    const TARGET: &'static str = "keyProject";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "companyId": self.company_id, "name": self.name, "investmentWan": self.investment_wan,
            "industry": self.industry, "location": self.location, "stage": self.stage.as_str(),
            "rhythm": self.rhythm.as_str(), "leadLiaisonId": self.lead_liaison_id,
            "closed": self.closed_at.is_some(),
        })
    }
}

impl crate::audit::Audited for Template {
    const TARGET: &'static str = "procedureTemplate";
    fn target_id(&self) -> String {
        self.id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({
            "procedureType": self.procedure_type, "name": self.name,
            "statutoryDays": self.statutory_days, "departmentId": self.department_id,
        })
    }
}

crate::labels!(ProjectStage {
    Signed => "签约", "signed";
    Land => "供地", "land";
    PlanningAndPermits => "规划许可", "planning and permits";
    Construction => "建设", "construction";
    Commissioning => "调试", "commissioning";
    Production => "投产", "production";
});

/// The zone leader of a key enterprise, as the audit log shows it.
#[derive(Debug, Clone)]
pub struct LeaderAssignment {
    pub company_id: CompanyId,
    pub leader_id: Option<UserId>,
}

impl crate::audit::Audited for LeaderAssignment {
    const TARGET: &'static str = "companyLeader";
    fn target_id(&self) -> String {
        self.company_id.to_string()
    }
    fn snapshot(&self) -> Value {
        json!({ "companyId": self.company_id, "leaderId": self.leader_id })
    }
}
