use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{
    CheckIn, CheckInKind, Contact, MissedLine, Procedure, ProcedureStatus, Project, ProjectStage, Rhythm, SavedLine,
    StageChange, Template,
};
use super::repo::ProjectFilter;
use super::service::{self, ContactInput, CreateProject, FindingInput, ProcedureStep};
use crate::auth::graphql::{load_user, UserNode};
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, CompanyNode};
use crate::departments::graphql::{load_department, DepartmentNode};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::requests::graphql::RequestNode;
use crate::requests::model::{RequestKind, Urgency};

/// A key project (重点项目) followed from signing to production by a service squad.
pub struct ProjectNode(pub Project);

crate::connection_types!(KeyProjectConnection, KeyProjectEdge, ProjectNode, "key projects");

/// A key project (重点项目) followed from signing to production by a service squad.
#[Object(name = "KeyProject")]
impl ProjectNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Project, self.0.id)
    }

    /// The project's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The company that invests.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        load_company(ctx, self.0.company_id).await
    }

    /// The planned investment, in ten thousand yuan (万元).
    async fn investment_wan(&self) -> i64 {
        self.0.investment_wan
    }

    /// The industry.
    async fn industry(&self) -> &str {
        &self.0.industry
    }

    /// Where in the zone.
    async fn location(&self) -> &str {
        &self.0.location
    }

    /// The current stage.
    async fn stage(&self) -> ProjectStage {
        self.0.stage
    }

    /// When the current stage started.
    async fn stage_since(&self) -> DateTime<Utc> {
        to_utc(self.0.stage_since)
    }

    /// The check-in rhythm of the current stage.
    async fn rhythm(&self) -> Rhythm {
        self.0.rhythm
    }

    /// The squad's lead liaison (an officer).
    async fn lead_liaison(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.lead_liaison_id).await
    }

    /// The whole squad, the lead liaison first.
    async fn squad(&self, ctx: &Context<'_>) -> AppResult<Vec<UserNode>> {
        Ok(service::squad(ctx.state(), &self.0)
            .await?
            .into_iter()
            .map(UserNode)
            .collect())
    }

    /// The company's people the squad deals with.
    async fn contacts(&self, ctx: &Context<'_>) -> AppResult<Vec<ProjectContact>> {
        Ok(service::contacts(ctx.state(), self.0.id)
            .await?
            .into_iter()
            .map(ProjectContact::from)
            .collect())
    }

    /// The zone leader who looks after the company (领导包联), if any.
    async fn leader(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match service::leader_of(ctx.state(), self.0.company_id).await? {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Every stage change, oldest first, with the squad's note.
    async fn stage_history(&self, ctx: &Context<'_>) -> AppResult<Vec<StageChangeNode>> {
        Ok(service::stage_changes(ctx.state(), self.0.id)
            .await?
            .into_iter()
            .map(StageChangeNode)
            .collect())
    }

    /// The procedures handled on the company's behalf (代办), in the order listed.
    async fn procedures(&self, ctx: &Context<'_>) -> AppResult<Vec<ProcedureNode>> {
        Ok(service::procedures_of(ctx.state(), vec![self.0.id])
            .await?
            .into_iter()
            .map(ProcedureNode)
            .collect())
    }

    /// The squad's check-ins, latest first: empty for the company's staff.
    async fn check_ins(&self, ctx: &Context<'_>) -> AppResult<Vec<CheckInNode>> {
        Ok(service::checkins(ctx.state(), ctx.actor()?, self.0.id)
            .await?
            .into_iter()
            .map(CheckInNode)
            .collect())
    }

    /// Requests raised from the squad's findings, with the stage they were raised in.
    async fn requests(&self, ctx: &Context<'_>) -> AppResult<Vec<ProjectRequest>> {
        Ok(service::requests_of(ctx.state(), self.0.id)
            .await?
            .into_iter()
            .map(|(request, stage)| ProjectRequest {
                stage,
                request: RequestNode(request),
            })
            .collect())
    }

    /// When the project was created.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// When an admin closed the project; null while open.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at.map(to_utc)
    }
}

/// One of the company's people on a project.
#[derive(SimpleObject)]
pub struct ProjectContact {
    /// Name.
    pub name: String,
    /// Telephone.
    pub phone: String,
    /// Position in the company.
    pub title: String,
}

impl From<Contact> for ProjectContact {
    fn from(c: Contact) -> ProjectContact {
        ProjectContact {
            name: c.name,
            phone: c.phone,
            title: c.title,
        }
    }
}

/// A request raised from a finding on a project.
#[derive(SimpleObject)]
pub struct ProjectRequest {
    /// The project's stage when it was raised.
    pub stage: ProjectStage,
    /// The request.
    pub request: RequestNode,
}

/// A change of a project's stage.
pub struct StageChangeNode(StageChange);

/// A change of a project's stage.
#[Object(name = "ProjectStageChange")]
impl StageChangeNode {
    /// The stage before; null for the project's creation.
    async fn from_stage(&self) -> Option<ProjectStage> {
        self.0.from_stage
    }

    /// The stage after.
    async fn to_stage(&self) -> ProjectStage {
        self.0.to_stage
    }

    /// The squad's note.
    async fn note(&self) -> &str {
        &self.0.note
    }

    /// Who moved it.
    async fn changed_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.changed_by).await
    }

    /// When.
    async fn changed_at(&self) -> DateTime<Utc> {
        to_utc(self.0.changed_at)
    }
}

/// A procedure handled on the company's behalf (代办事项), timed against its statutory working
/// days from acceptance on the zone's calendar.
pub struct ProcedureNode(pub Procedure);

/// A procedure handled on the company's behalf (代办事项), timed against its statutory working
/// days from acceptance on the zone's calendar.
#[Object(name = "ProjectProcedure")]
impl ProcedureNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Procedure, self.0.id)
    }

    /// The project's stage it belongs to.
    async fn stage(&self) -> ProjectStage {
        self.0.stage
    }

    /// The procedure type (from its template), e.g. CONSTRUCTION_PERMIT.
    async fn procedure_type(&self) -> &str {
        &self.0.procedure_type
    }

    /// The procedure's name, e.g. 建筑工程施工许可.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The department that grants it.
    async fn department(&self, ctx: &Context<'_>) -> AppResult<Option<DepartmentNode>> {
        match self.0.department_id {
            Some(id) => load_department(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Statutory working days, counted from acceptance.
    async fn statutory_days(&self) -> i32 {
        self.0.statutory_days
    }

    /// Who handles it on the company's behalf (a member of the squad).
    async fn handler(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        match self.0.handler_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The documents handed in.
    async fn documents(&self) -> Vec<&str> {
        self.0.documents.lines().filter(|l| !l.is_empty()).collect()
    }

    /// Where it stands.
    async fn status(&self) -> ProcedureStatus {
        self.0.status()
    }

    /// When it was submitted to the department.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at.map(to_utc)
    }

    /// When the department accepted it (the statutory clock starts).
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at.map(to_utc)
    }

    /// When the statutory time runs out.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at.map(to_utc)
    }

    /// When it was approved.
    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at.map(to_utc)
    }

    /// When it passed its statutory time (set by the sweeper); null if it never did.
    async fn overdue_at(&self) -> Option<DateTime<Utc>> {
        self.0.overdue_at.map(to_utc)
    }

    /// Working days from acceptance to approval, on the zone's calendar.
    async fn working_days_taken(&self) -> Option<i32> {
        self.0.working_days_taken
    }

    /// Statutory minus actual working days once approved (negative when late).
    async fn days_saved(&self) -> Option<i32> {
        self.0.days_saved()
    }

    /// Still running past its statutory time.
    async fn late(&self, ctx: &Context<'_>) -> bool {
        self.0.is_late(ctx.state().clock.now_naive())
    }

    /// The thresholds of the supervision ladder fired so far (REMINDER, OVERDUE, CHASING,
    /// SUPERVISION, REPRIMAND): empty for the company's staff.
    async fn alerts(&self, ctx: &Context<'_>) -> AppResult<Vec<String>> {
        if !service::sees_internal(ctx.actor()?) {
            return Ok(Vec::new());
        }
        service::alerts_of(ctx.state(), self.0.id).await
    }
}

/// The statutory working days of a procedure type, kept by the admins.
pub struct TemplateNode(Template);

/// The statutory working days of a procedure type, kept by the admins.
#[Object(name = "ProcedureTemplate")]
impl TemplateNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::ProcedureTemplate, self.0.id)
    }

    /// The procedure type, e.g. CONSTRUCTION_PERMIT.
    async fn procedure_type(&self) -> &str {
        &self.0.procedure_type
    }

    /// The procedure's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Statutory working days.
    async fn statutory_days(&self) -> i32 {
        self.0.statutory_days
    }

    /// The department that grants it.
    async fn department(&self, ctx: &Context<'_>) -> AppResult<Option<DepartmentNode>> {
        match self.0.department_id {
            Some(id) => load_department(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// A check-in by the squad's liaison.
pub struct CheckInNode(CheckIn);

/// A check-in by the squad's liaison.
#[Object(name = "ProjectCheckIn")]
impl CheckInNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::CheckIn, self.0.id)
    }

    /// The project's stage at the check-in.
    async fn stage(&self) -> ProjectStage {
        self.0.stage
    }

    /// A visit or a call.
    async fn kind(&self) -> CheckInKind {
        self.0.kind
    }

    /// What was found.
    async fn findings(&self) -> &str {
        &self.0.findings
    }

    /// Who checked in.
    async fn recorded_by(&self, ctx: &Context<'_>) -> AppResult<Option<UserNode>> {
        load_user(ctx, self.0.recorded_by).await
    }

    /// When.
    async fn checked_at(&self) -> DateTime<Utc> {
        to_utc(self.0.checked_at)
    }
}

/// Open projects in one stage.
#[derive(SimpleObject)]
#[graphql(name = "ProjectStageCount")]
pub struct StageCount {
    /// The stage.
    pub stage: ProjectStage,
    /// How many open projects are in it.
    pub count: i64,
}

/// Days saved on approved procedures of one type or one department.
pub struct SavedNode(SavedLine);

/// Days saved on approved procedures of one type or one department.
#[Object(name = "DaysSavedLine")]
impl SavedNode {
    /// The procedure type (null on a department's line).
    async fn procedure_type(&self) -> Option<&str> {
        self.0.procedure_type.as_deref()
    }

    /// The department (null on a type's line, or for procedures without a department).
    async fn department(&self, ctx: &Context<'_>) -> AppResult<Option<DepartmentNode>> {
        match self.0.department_id {
            Some(id) => load_department(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Approved procedures counted.
    async fn approved(&self) -> i64 {
        self.0.approved
    }

    /// Their statutory working days, summed.
    async fn statutory_days(&self) -> i64 {
        self.0.statutory_days
    }

    /// The working days they took, summed.
    async fn working_days_taken(&self) -> i64 {
        self.0.working_days_taken
    }

    /// Statutory minus actual working days.
    async fn days_saved(&self) -> i64 {
        self.0.days_saved()
    }
}

/// A project's missed check-ins.
pub struct MissedNode(MissedLine);

/// A project's missed check-ins.
#[Object(name = "MissedCheckIns")]
impl MissedNode {
    /// The project.
    async fn project(&self) -> ProjectNode {
        ProjectNode(self.0.project.clone())
    }

    /// Check-in windows that ended without a check-in.
    async fn missed(&self) -> i64 {
        self.0.missed
    }
}

/// The admins' board of key projects.
#[derive(SimpleObject)]
pub struct KeyProjectBoard {
    /// Open projects per stage, in the stages' order.
    pub by_stage: Vec<StageCount>,
    /// Running procedures past their statutory time.
    pub late_procedures: Vec<ProcedureNode>,
    /// Days saved per procedure type.
    pub days_saved_by_type: Vec<SavedNode>,
    /// Days saved per granting department.
    pub days_saved_by_department: Vec<SavedNode>,
    /// Open projects whose squads missed check-ins, most first.
    pub missed_check_ins: Vec<MissedNode>,
}

/// Narrows the key projects listed.
#[derive(InputObject, Default)]
pub struct KeyProjectFilterInput {
    /// Projects of this company.
    pub company_id: Option<ID>,
    /// Projects in this stage.
    pub stage: Option<ProjectStage>,
    /// Include closed projects.
    pub include_closed: Option<bool>,
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// Key projects: admins see all, officers and department staff those whose squad they are
    /// on, company staff their own company's.
    async fn key_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<KeyProjectFilterInput>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<KeyProjectConnection> {
        let actor = ctx.actor()?;
        let input = filter.unwrap_or_default();
        let filter = ProjectFilter {
            company_id: input
                .company_id
                .map(|id| ids::decode(IdKind::Company, &id, "companyId"))
                .transpose()?,
            stage: input.stage,
            squad_member: None,
            include_closed: input.include_closed.unwrap_or(false),
        };
        let page = service::list(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(KeyProjectConnection::from_page(page, |p| p.id, ProjectNode))
    }

    /// One key project, if the caller may see it.
    async fn key_project(&self, ctx: &Context<'_>, #[graphql(desc = "The project.")] id: ID) -> AppResult<ProjectNode> {
        let id = ids::decode(IdKind::Project, &id, "id")?;
        Ok(ProjectNode(service::visible(ctx.state(), ctx.actor()?, id).await?))
    }

    /// The procedure templates: statutory working days per procedure type.
    async fn procedure_templates(&self, ctx: &Context<'_>) -> AppResult<Vec<TemplateNode>> {
        ctx.actor()?;
        Ok(service::templates(ctx.state())
            .await?
            .into_iter()
            .map(TemplateNode)
            .collect())
    }

    /// The admins' board: projects by stage, late procedures, days saved, missed check-ins.
    async fn key_project_board(&self, ctx: &Context<'_>) -> AppResult<KeyProjectBoard> {
        let board = service::board(ctx.state(), ctx.actor()?).await?;
        Ok(KeyProjectBoard {
            by_stage: board
                .by_stage
                .into_iter()
                .map(|(stage, count)| StageCount { stage, count })
                .collect(),
            late_procedures: board.late.into_iter().map(ProcedureNode).collect(),
            days_saved_by_type: board.saved_by_type.into_iter().map(SavedNode).collect(),
            days_saved_by_department: board.saved_by_department.into_iter().map(SavedNode).collect(),
            missed_check_ins: board.missed.into_iter().map(MissedNode).collect(),
        })
    }
}

/// One of the company's people on a new project.
#[derive(InputObject)]
pub struct ProjectContactInput {
    /// Name (at most 50 characters).
    pub name: String,
    /// Telephone.
    pub phone: String,
    /// Position in the company.
    pub title: Option<String>,
}

/// A key project to create.
#[derive(InputObject)]
pub struct CreateKeyProjectInput {
    /// The investing company.
    pub company_id: ID,
    /// The project's name (at most 100 characters).
    pub name: String,
    /// Planned investment in ten thousand yuan (万元), positive.
    pub investment_wan: i64,
    /// The industry.
    pub industry: String,
    /// Where in the zone.
    pub location: String,
    /// The stage it starts in (default SIGNED).
    pub stage: Option<ProjectStage>,
    /// The squad's lead liaison (an active officer).
    pub lead_liaison_id: ID,
    /// Further squad members (active officers or department staff).
    pub member_ids: Option<Vec<ID>>,
    /// The company's contacts.
    pub contacts: Option<Vec<ProjectContactInput>>,
}

/// A finding to raise as a request.
#[derive(InputObject)]
pub struct RaiseFromProjectInput {
    /// What the company needs.
    pub kind: RequestKind,
    /// What it is about.
    pub category_id: ID,
    /// How soon (default NORMAL).
    pub urgency: Option<Urgency>,
    /// One-line summary, at most 100 characters.
    pub title: String,
    /// Description, at most 5,000 characters.
    pub description: String,
    /// A client-generated key: raising again with the same key returns the first request.
    pub idempotency_key: Option<String>,
}

/// A step of a procedure.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureStepKind {
    /// Handed in to the department.
    Submitted,
    /// Accepted by the department: the statutory clock starts.
    Accepted,
    /// Approved.
    Approved,
}

/// The project after a change.
#[derive(SimpleObject)]
pub struct KeyProjectPayload {
    /// The project.
    pub project: ProjectNode,
}

/// The procedure after a change.
#[derive(SimpleObject)]
pub struct ProcedurePayload {
    /// The procedure.
    pub procedure: ProcedureNode,
}

/// The template after a change.
#[derive(SimpleObject)]
pub struct ProcedureTemplatePayload {
    /// The template.
    pub template: TemplateNode,
}

/// The check-in recorded.
#[derive(SimpleObject)]
pub struct CheckInPayload {
    /// The check-in.
    pub check_in: CheckInNode,
}

/// The project and the request raised from its finding.
#[derive(SimpleObject)]
pub struct ProjectRequestPayload {
    /// The project.
    pub project: ProjectNode,
    /// The new request (channel VISIT).
    pub request: RequestNode,
}

/// The company's zone leader after a change.
#[derive(SimpleObject)]
pub struct CompanyLeaderPayload {
    /// The company.
    pub company: Option<CompanyNode>,
    /// Its zone leader; null when removed.
    pub leader: Option<UserNode>,
}

fn decode_users(list: Option<Vec<ID>>, field: &str) -> AppResult<Vec<crate::ids::UserId>> {
    list.unwrap_or_default()
        .iter()
        .map(|id| ids::decode(IdKind::User, id, field))
        .collect()
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates or changes the template of a procedure type (admins).
    async fn set_procedure_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "CAPITALS_AND_DIGITS, e.g. CONSTRUCTION_PERMIT.")] procedure_type: String,
        #[graphql(desc = "The procedure's name.")] name: String,
        #[graphql(desc = "Statutory working days (1 to 365).")] statutory_days: i32,
        #[graphql(desc = "The department that grants it.")] department_id: Option<ID>,
    ) -> AppResult<ProcedureTemplatePayload> {
        let department_id = department_id
            .map(|id| ids::decode(IdKind::Department, &id, "departmentId"))
            .transpose()?;
        let template = service::set_template(
            ctx.state(),
            ctx.actor()?,
            &procedure_type,
            &name,
            statutory_days,
            department_id,
        )
        .await?;
        Ok(ProcedureTemplatePayload {
            template: TemplateNode(template),
        })
    }

    /// Sets or removes the zone leader (an active admin) who looks after a key enterprise
    /// (领导包联): supervision steps and unsatisfied votes concerning it also go to them (admins).
    async fn set_company_leader(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The company.")] company_id: ID,
        #[graphql(desc = "The leader; omit to remove.")] leader_id: Option<ID>,
    ) -> AppResult<CompanyLeaderPayload> {
        let company_id = ids::decode(IdKind::Company, &company_id, "companyId")?;
        let leader_id = leader_id
            .map(|id| ids::decode(IdKind::User, &id, "leaderId"))
            .transpose()?;
        let leader = service::set_leader(ctx.state(), ctx.actor()?, company_id, leader_id).await?;
        Ok(CompanyLeaderPayload {
            company: load_company(ctx, company_id).await?,
            leader: match leader {
                Some(id) => load_user(ctx, id).await?,
                None => None,
            },
        })
    }

    /// Creates a key project with its squad and contacts (admins).
    async fn create_key_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] input: CreateKeyProjectInput,
    ) -> AppResult<KeyProjectPayload> {
        let input = CreateProject {
            company_id: ids::decode(IdKind::Company, &input.company_id, "companyId")?,
            name: input.name,
            investment_wan: input.investment_wan,
            industry: input.industry,
            location: input.location,
            stage: input.stage,
            lead_liaison_id: ids::decode(IdKind::User, &input.lead_liaison_id, "leadLiaisonId")?,
            member_ids: decode_users(input.member_ids, "memberIds")?,
            contacts: input
                .contacts
                .unwrap_or_default()
                .into_iter()
                .map(|c| ContactInput {
                    name: c.name,
                    phone: c.phone,
                    title: c.title.unwrap_or_default(),
                })
                .collect(),
        };
        let project = service::create_project(ctx.state(), ctx.actor()?, input).await?;
        Ok(KeyProjectPayload {
            project: ProjectNode(project),
        })
    }

    /// Closes a key project (admins).
    async fn close_key_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] id: ID,
    ) -> AppResult<KeyProjectPayload> {
        let id = ids::decode(IdKind::Project, &id, "id")?;
        let project = service::close_project(ctx.state(), ctx.actor()?, id).await?;
        Ok(KeyProjectPayload {
            project: ProjectNode(project),
        })
    }

    /// Moves a project to its next stage, with a note (the squad).
    async fn advance_project_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] id: ID,
        #[graphql(desc = "What was reached (at most 2,000 characters).")] note: String,
    ) -> AppResult<KeyProjectPayload> {
        let id = ids::decode(IdKind::Project, &id, "id")?;
        let project = service::advance_stage(ctx.state(), ctx.actor()?, id, &note).await?;
        Ok(KeyProjectPayload {
            project: ProjectNode(project),
        })
    }

    /// Sets the check-in rhythm of the project's current stage (the squad).
    async fn set_project_rhythm(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] id: ID,
        #[graphql(desc = "The rhythm.")] rhythm: Rhythm,
    ) -> AppResult<KeyProjectPayload> {
        let id = ids::decode(IdKind::Project, &id, "id")?;
        let project = service::set_rhythm(ctx.state(), ctx.actor()?, id, rhythm).await?;
        Ok(KeyProjectPayload {
            project: ProjectNode(project),
        })
    }

    /// Lists a procedure of the project's current stage from a template (the squad).
    async fn add_project_procedure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] project_id: ID,
        #[graphql(desc = "The procedure's template.")] template_id: ID,
        #[graphql(desc = "Who handles it (a member of the squad).")] handler_id: Option<ID>,
        #[graphql(desc = "The documents' names (at most 50).")] documents: Option<Vec<String>>,
    ) -> AppResult<ProcedurePayload> {
        let project_id = ids::decode(IdKind::Project, &project_id, "projectId")?;
        let template_id = ids::decode(IdKind::ProcedureTemplate, &template_id, "templateId")?;
        let handler_id = handler_id
            .map(|id| ids::decode(IdKind::User, &id, "handlerId"))
            .transpose()?;
        let procedure = service::add_procedure(
            ctx.state(),
            ctx.actor()?,
            project_id,
            template_id,
            handler_id,
            documents.unwrap_or_default(),
        )
        .await?;
        Ok(ProcedurePayload {
            procedure: ProcedureNode(procedure),
        })
    }

    /// Records a procedure's submission, acceptance (the statutory clock starts) or approval
    /// (the squad).
    async fn record_procedure_step(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The procedure.")] id: ID,
        #[graphql(desc = "Which step.")] step: ProcedureStepKind,
        #[graphql(desc = "When (default now; not in the future).")] at: Option<DateTime<Utc>>,
    ) -> AppResult<ProcedurePayload> {
        let id = ids::decode(IdKind::Procedure, &id, "id")?;
        let step = match step {
            ProcedureStepKind::Submitted => ProcedureStep::Submitted,
            ProcedureStepKind::Accepted => ProcedureStep::Accepted,
            ProcedureStepKind::Approved => ProcedureStep::Approved,
        };
        let procedure = service::record_step(ctx.state(), ctx.actor()?, id, step, at).await?;
        Ok(ProcedurePayload {
            procedure: ProcedureNode(procedure),
        })
    }

    /// Changes a procedure's handler or its documents (the squad).
    async fn update_project_procedure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The procedure.")] id: ID,
        #[graphql(desc = "The new handler (a member of the squad).")] handler_id: Option<ID>,
        #[graphql(desc = "The documents' names, replacing the list.")] documents: Option<Vec<String>>,
    ) -> AppResult<ProcedurePayload> {
        let id = ids::decode(IdKind::Procedure, &id, "id")?;
        let handler_id = handler_id
            .map(|id| ids::decode(IdKind::User, &id, "handlerId").map(Some))
            .transpose()?;
        let procedure = service::update_procedure(ctx.state(), ctx.actor()?, id, handler_id, documents).await?;
        Ok(ProcedurePayload {
            procedure: ProcedureNode(procedure),
        })
    }

    /// Records a check-in on the project (its lead liaison).
    async fn record_project_check_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] project_id: ID,
        #[graphql(desc = "A visit or a call.")] kind: CheckInKind,
        #[graphql(desc = "What was found (at most 5,000 characters).")] findings: Option<String>,
        #[graphql(desc = "When (default now; not in the future).")] checked_at: Option<DateTime<Utc>>,
    ) -> AppResult<CheckInPayload> {
        let project_id = ids::decode(IdKind::Project, &project_id, "projectId")?;
        let check_in = service::record_checkin(
            ctx.state(),
            ctx.actor()?,
            project_id,
            kind,
            findings.as_deref().unwrap_or(""),
            checked_at,
        )
        .await?;
        Ok(CheckInPayload {
            check_in: CheckInNode(check_in),
        })
    }

    /// Raises a finding as a request on the company's behalf, linked to the project and its
    /// current stage (the lead liaison, serving the company).
    async fn raise_request_from_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] project_id: ID,
        #[graphql(desc = "The finding.")] input: RaiseFromProjectInput,
    ) -> AppResult<ProjectRequestPayload> {
        let project_id = ids::decode(IdKind::Project, &project_id, "projectId")?;
        let input = FindingInput {
            kind: input.kind,
            category_id: ids::decode(IdKind::Category, &input.category_id, "categoryId")?,
            urgency: input.urgency.unwrap_or(Urgency::Normal),
            title: input.title,
            description: input.description,
            idempotency_key: input.idempotency_key,
        };
        let (project, request) = service::raise_finding(ctx.state(), ctx.actor()?, project_id, input).await?;
        Ok(ProjectRequestPayload {
            project: ProjectNode(project),
            request: RequestNode(request),
        })
    }
}
