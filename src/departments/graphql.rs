use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::Department;
use super::{repo, service};
use crate::auth::graphql::UserNode;
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::loaders::load_one;
use crate::graphql::pagination::page_request;
use crate::ids::DepartmentId;

/// This domain's DataLoaders, for the registry in `graphql::loaders`.
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders) {
    loaders.by_key(repo::find_by_ids, |d: &Department| d.id);
}

pub async fn load_department(ctx: &Context<'_>, id: DepartmentId) -> AppResult<Option<DepartmentNode>> {
    Ok(load_one::<DepartmentId, Department>(ctx, id).await?.map(DepartmentNode))
}

/// A handling department (承办部门) that receives dispatched tasks.
pub struct DepartmentNode(pub Department);

crate::connection_types!(DepartmentConnection, DepartmentEdge, DepartmentNode, "departments");

/// A handling department (承办部门) that receives dispatched tasks.
#[Object(name = "Department")]
impl DepartmentNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Department, self.0.id)
    }

    /// Name, such as 城市管理局 (urban management).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The English name, when the zone gave one.
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }

    /// The name in the reader's language: the English name for readers in English when there
    /// is one, the Chinese name otherwise.
    async fn display_name(&self) -> &str {
        match (crate::i18n::current(), &self.0.name_en) {
            (crate::i18n::Locale::En, Some(en)) => en,
            _ => &self.0.name,
        }
    }

    /// What the department handles.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// True while the department is disabled and receives no tasks.
    async fn disabled(&self) -> bool {
        self.0.disabled_at.is_some()
    }

    /// The department's staff accounts (admins and the department's own staff).
    async fn staff(&self, ctx: &Context<'_>) -> AppResult<Vec<UserNode>> {
        let users = service::staff(ctx.state(), ctx.actor()?, self.0.id).await?;
        Ok(users.into_iter().map(UserNode).collect())
    }

    /// When the department was created.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// Optimistic-lock version: pass it back when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(Default)]
pub struct DepartmentQuery;

#[Object]
impl DepartmentQuery {
    /// Handling departments (admins, officers and department staff).
    async fn departments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Text in the name.")] search: Option<String>,
        #[graphql(desc = "Include disabled departments (admins; default false).")] include_disabled: Option<bool>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<DepartmentConnection> {
        let actor = ctx.actor()?;
        let page = service::list_departments(
            ctx.state(),
            actor,
            search,
            include_disabled.unwrap_or(false),
            page_request(first, after)?,
        )
        .await?;
        Ok(DepartmentConnection::from_page(page, |d| d.id, DepartmentNode))
    }

    /// One department.
    async fn department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's id.")] id: ID,
    ) -> AppResult<DepartmentNode> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Department, &id, "id")?;
        Ok(DepartmentNode(
            service::visible_department(ctx.state(), actor, id).await?,
        ))
    }
}

/// The department after a change.
#[derive(SimpleObject)]
pub struct DepartmentPayload {
    /// The department.
    pub department: DepartmentNode,
}

#[derive(Default)]
pub struct DepartmentMutation;

#[Object]
impl DepartmentMutation {
    /// Creates a handling department (admins).
    async fn create_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Unique name (at most 50 characters).")] name: String,
        #[graphql(desc = "The English name, for readers in English (at most 50 characters; optional).")]
        name_en: Option<String>,
        #[graphql(desc = "What the department handles.")] description: Option<String>,
    ) -> AppResult<DepartmentPayload> {
        let actor = ctx.actor()?;
        let department =
            service::create_department(ctx.state(), actor, &name, name_en.as_deref(), description.as_deref()).await?;
        Ok(DepartmentPayload {
            department: DepartmentNode(department),
        })
    }

    /// Renames or redescribes a department (admins).
    async fn update_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: Option<i32>,
        #[graphql(desc = "New name.")] name: Option<String>,
        #[graphql(desc = "New English name; an empty string clears it.")] name_en: Option<String>,
        #[graphql(desc = "New description.")] description: Option<String>,
    ) -> AppResult<DepartmentPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Department, &id, "id")?;
        let department = service::update_department(
            ctx.state(),
            actor,
            id,
            version,
            name.as_deref(),
            name_en.as_deref(),
            description.as_deref(),
        )
        .await?;
        Ok(DepartmentPayload {
            department: DepartmentNode(department),
        })
    }

    /// Disables a department (admins).
    async fn disable_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's id.")] id: ID,
    ) -> AppResult<DepartmentPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Department, &id, "id")?;
        Ok(DepartmentPayload {
            department: DepartmentNode(service::set_disabled(ctx.state(), actor, id, true).await?),
        })
    }

    /// Re-enables a department (admins).
    async fn enable_department(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department's id.")] id: ID,
    ) -> AppResult<DepartmentPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::Department, &id, "id")?;
        Ok(DepartmentPayload {
            department: DepartmentNode(service::set_disabled(ctx.state(), actor, id, false).await?),
        })
    }
}
