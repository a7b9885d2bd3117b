//! Account administration in the schema: the user list and look-up, officers with their load,
//! login lockouts, and the admin mutations that create and change accounts.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::actor::Role;
use crate::auth::graphql::{UserConnection, UserNode};
use crate::auth::repo::UserFilter;
use crate::auth::service as auth_service;
use crate::clock::to_utc;
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::users::service::{self as users_service, CreateUser, UpdateUser};

/// Filters for `users`.
#[derive(InputObject, Default)]
pub struct UserFilterInput {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Only staff of this company.
    pub company_id: Option<ID>,
    /// Only staff of this department.
    pub department_id: Option<ID>,
    /// Text in the name or phone number.
    pub search: Option<String>,
    /// Include disabled accounts (default false).
    pub include_disabled: Option<bool>,
}

impl UserFilterInput {
    fn into_filter(self) -> AppResult<UserFilter> {
        Ok(UserFilter {
            role: self.role,
            company_id: self
                .company_id
                .map(|id| ids::decode(IdKind::Company, &id, "companyId"))
                .transpose()?,
            department_id: self
                .department_id
                .map(|id| ids::decode(IdKind::Department, &id, "departmentId"))
                .transpose()?,
            search: self.search,
            include_disabled: self.include_disabled.unwrap_or(false),
        })
    }
}

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// One user, if the caller may see them (admins: anyone; others: themselves, colleagues,
    /// their officer or the staff of their companies).
    async fn user(&self, ctx: &Context<'_>, #[graphql(desc = "The user's id.")] id: ID) -> AppResult<UserNode> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::User, &id, "id")?;
        Ok(UserNode(users_service::visible_user(ctx.state(), actor, id).await?))
    }

    /// All accounts (admins).
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<UserFilterInput>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<UserConnection> {
        let actor = ctx.actor()?;
        actor.require_admin()?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let page = users_service::list_users(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(UserConnection::from_page(page, |u| u.id, UserNode))
    }

    /// Phone numbers (masked) and client addresses locked out after repeated failed logins
    /// (admins), the longest lock first.
    async fn login_lockouts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many to return (at most 100, default 20).")] first: Option<i32>,
    ) -> AppResult<Vec<LoginLockout>> {
        let actor = ctx.actor()?;
        let limit = page_request(first, None)?.limit;
        let rows = auth_service::login_lockouts(ctx.state(), actor, limit).await?;
        Ok(rows
            .into_iter()
            .map(|row| LoginLockout {
                kind: if row.scope == "PHONE" {
                    LockoutKind::Phone
                } else {
                    LockoutKind::Address
                },
                label: row.label,
                locked_until: row.locked_until.map(to_utc).unwrap_or_else(|| to_utc(row.updated_at)),
                lockouts: row.lockouts,
            })
            .collect())
    }

    /// Active service officers, with their load (admins).
    async fn officers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Text in the name or phone number.")] search: Option<String>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<UserConnection> {
        let actor = ctx.actor()?;
        actor.require_admin()?;
        let filter = UserFilter {
            role: Some(Role::Officer),
            search,
            ..Default::default()
        };
        let page = users_service::list_users(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(UserConnection::from_page(page, |u| u.id, UserNode))
    }
}

/// A new account.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The account's role.
    pub role: Role,
    /// Mainland mobile number; the login name.
    pub phone: String,
    /// Full name.
    pub name: String,
    /// Initial password; when omitted one is generated, returned once, and must be changed.
    pub password: Option<String>,
    /// Required for `COMPANY` users.
    pub company_id: Option<ID>,
    /// Required for `DEPARTMENT` users.
    pub department_id: Option<ID>,
    /// Makes this user the company's principal (replacing the previous one).
    pub principal: Option<bool>,
    /// Marks an admin as a zone leader.
    pub zone_leader: Option<bool>,
}

/// Changes to an account; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// Full name.
    pub name: Option<String>,
    /// Mainland mobile number.
    pub phone: Option<String>,
    /// Company principal flag (setting it moves the flag from the previous principal).
    pub principal: Option<bool>,
    /// Zone-leader flag (admins only).
    pub zone_leader: Option<bool>,
}

/// The created account.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    /// The new user.
    pub user: UserNode,
    /// The generated password, shown once, when none was given.
    pub initial_password: Option<String>,
}

/// The changed account.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The user after the change.
    pub user: UserNode,
}

/// The account with its new generated password.
#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    /// The user.
    pub user: UserNode,
    /// The new password, shown once; it must be changed at next login.
    pub temporary_password: String,
}

/// What a login lock applies to.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum LockoutKind {
    /// A phone number (shown masked).
    Phone,
    /// A client network address.
    Address,
}

/// A phone number or client address that may not log in for a while after repeated failures.
#[derive(SimpleObject)]
pub struct LoginLockout {
    /// Whether a phone number or an address is locked.
    pub kind: LockoutKind,
    /// The masked phone number (138****5678) or the address.
    pub label: String,
    /// When the lock ends by itself.
    pub locked_until: DateTime<Utc>,
    /// How many times in a row this key was locked (each lock lasts twice as long as the last).
    pub lockouts: i32,
}

/// The result of lifting login locks.
#[derive(SimpleObject)]
pub struct LiftLoginLockoutPayload {
    /// How many locks (or failure counts) were cleared.
    pub lifted: i32,
}

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Creates an account (admins).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: CreateUserInput,
    ) -> AppResult<CreateUserPayload> {
        let actor = ctx.actor()?;
        actor.require_admin()?;
        let create = CreateUser {
            role: input.role,
            phone: input.phone,
            name: input.name,
            password: input.password,
            company_id: input
                .company_id
                .map(|id| ids::decode(IdKind::Company, &id, "companyId"))
                .transpose()?,
            department_id: input
                .department_id
                .map(|id| ids::decode(IdKind::Department, &id, "departmentId"))
                .transpose()?,
            principal: input.principal.unwrap_or(false),
            zone_leader: input.zone_leader.unwrap_or(false),
            password_is_final: false,
        };
        let (user, initial_password) = users_service::create_user(ctx.state(), actor, create).await?;
        Ok(CreateUserPayload {
            user: UserNode(user),
            initial_password,
        })
    }

    /// Changes an account (admins).
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
        #[graphql(desc = "The version last read; a stale one gives CONFLICT.")] version: Option<i32>,
        #[graphql(desc = "The changes.")] input: UpdateUserInput,
    ) -> AppResult<UserPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::User, &id, "id")?;
        let update = UpdateUser {
            name: input.name,
            phone: input.phone,
            principal: input.principal,
            zone_leader: input.zone_leader,
        };
        Ok(UserPayload {
            user: UserNode(users_service::update_user(ctx.state(), actor, id, version, update).await?),
        })
    }

    /// Lets a locked-out phone number and/or client address log in again at once, forgetting
    /// their failed attempts (admins).
    async fn lift_login_lockout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The phone number to unlock.")] phone: Option<String>,
        #[graphql(desc = "The client address to unlock, as listed in `loginLockouts`.")] address: Option<String>,
    ) -> AppResult<LiftLoginLockoutPayload> {
        let actor = ctx.actor()?;
        let lifted = auth_service::lift_login_lockout(ctx.state(), actor, phone.as_deref(), address.as_deref()).await?;
        Ok(LiftLoginLockoutPayload {
            lifted: i32::try_from(lifted).unwrap_or(i32::MAX),
        })
    }

    /// Gives an account another role, with the company (for `COMPANY`) or department (for
    /// `DEPARTMENT`) it needs, and ends its sessions (admins). An officer who still serves
    /// companies must first be replaced there.
    async fn change_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
        #[graphql(desc = "The new role.")] role: Role,
        #[graphql(desc = "The company, for the `COMPANY` role.")] company_id: Option<ID>,
        #[graphql(desc = "The department, for the `DEPARTMENT` role.")] department_id: Option<ID>,
    ) -> AppResult<UserPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::User, &id, "id")?;
        let company_id = company_id
            .map(|id| ids::decode(IdKind::Company, &id, "companyId"))
            .transpose()?;
        let department_id = department_id
            .map(|id| ids::decode(IdKind::Department, &id, "departmentId"))
            .transpose()?;
        let user = users_service::change_role(ctx.state(), actor, id, role, company_id, department_id).await?;
        Ok(UserPayload { user: UserNode(user) })
    }

    /// Disables an account and ends its sessions (admins).
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
    ) -> AppResult<UserPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::User, &id, "id")?;
        Ok(UserPayload {
            user: UserNode(users_service::set_disabled(ctx.state(), actor, id, true).await?),
        })
    }

    /// Re-enables a disabled account (admins).
    async fn enable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
    ) -> AppResult<UserPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::User, &id, "id")?;
        Ok(UserPayload {
            user: UserNode(users_service::set_disabled(ctx.state(), actor, id, false).await?),
        })
    }

    /// Gives an account a new generated password and ends its sessions (admins).
    async fn reset_user_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
    ) -> AppResult<ResetPasswordPayload> {
        let actor = ctx.actor()?;
        let id = ids::decode(IdKind::User, &id, "id")?;
        let (user, temporary_password) = users_service::reset_password(ctx.state(), actor, id).await?;
        Ok(ResetPasswordPayload {
            user: UserNode(user),
            temporary_password,
        })
    }
}
