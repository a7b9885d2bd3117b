use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::User;
use super::repo::{self, UserFilter};
use super::service::{self, Session};
use crate::actor::Role;
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, CompanyConnection, CompanyFilterInput, CompanyNode};
use crate::companies::service as companies_service;
use crate::db::Db;
use crate::departments::graphql::{load_department, DepartmentNode};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::pagination::page_request;
use crate::users::service::{self as users_service, CreateUser, UpdateUser};

/// This domain's DataLoaders, for the registry in `graphql::loaders`.
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders<'_>) {
    loaders.add(UserLoader);
    loaders.add(OfficerLoadLoader);
}

/// Batches user look-ups of one request into one query.
pub struct UserLoader(pub Db);

impl Loader<i64> for UserLoader {
    type Value = User;
    type Error = AppError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, User>, AppError> {
        let keys = keys.to_vec();
        let users = self.0.read(move |conn| repo::find_by_ids(conn, &keys)).await?;
        Ok(users.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Batches "how many companies does this officer serve" into one query.
pub struct OfficerLoadLoader(pub Db);

impl Loader<i64> for OfficerLoadLoader {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, i64>, AppError> {
        let keys = keys.to_vec();
        let counts = self
            .0
            .read(move |conn| repo::active_assignment_counts(conn, &keys))
            .await?;
        Ok(counts.into_iter().collect())
    }
}

/// Loads a user through the request's loader (no access check: callers decide visibility).
pub async fn load_user(ctx: &Context<'_>, id: i64) -> AppResult<Option<UserNode>> {
    Ok(ctx
        .data_unchecked::<DataLoader<UserLoader>>()
        .load_one(id)
        .await?
        .map(UserNode))
}

/// A person with an account: company staff, service officer, department staff or admin.
pub struct UserNode(pub User);

crate::connection_types!(UserConnection, UserEdge, UserNode, "users");

/// A person with an account: company staff, service officer, department staff or admin.
#[Object(name = "User")]
impl UserNode {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode(IdKind::User, self.0.id)
    }

    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Mobile number, also the login name.
    async fn phone(&self) -> &str {
        &self.0.phone
    }

    /// What the user does in the zone.
    async fn role(&self) -> Role {
        self.0.role
    }

    /// The company a `COMPANY` user works for.
    async fn company(&self, ctx: &Context<'_>) -> AppResult<Option<CompanyNode>> {
        match self.0.company_id {
            Some(id) => load_company(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The department a `DEPARTMENT` user works in.
    async fn department(&self, ctx: &Context<'_>) -> AppResult<Option<DepartmentNode>> {
        match self.0.department_id {
            Some(id) => load_department(ctx, id).await,
            None => Ok(None),
        }
    }

    /// True for the company's responsible person, who votes in officer evaluations.
    async fn principal(&self) -> bool {
        self.0.principal
    }

    /// True for admins who are zone leaders (they receive reprimand escalations).
    async fn zone_leader(&self) -> bool {
        self.0.zone_leader
    }

    /// True while the account is disabled and cannot log in.
    async fn disabled(&self) -> bool {
        self.0.disabled_at.is_some()
    }

    /// When the account was disabled.
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at.map(to_utc)
    }

    /// True when the password was generated and must be changed at next login.
    async fn must_change_password(&self) -> bool {
        self.0.must_change_password
    }

    /// The last successful login.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at.map(to_utc)
    }

    /// For officers: how many companies they serve now. Null for other roles.
    async fn served_company_count(&self, ctx: &Context<'_>) -> AppResult<Option<i64>> {
        if self.0.role != Role::Officer {
            return Ok(None);
        }
        let count = ctx
            .data_unchecked::<DataLoader<OfficerLoadLoader>>()
            .load_one(self.0.id)
            .await?;
        Ok(Some(count.unwrap_or(0)))
    }

    /// For officers: the companies they serve now (visible to admins and to the officer).
    async fn served_companies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list.")] filter: Option<CompanyFilterInput>,
        #[graphql(desc = "Page size (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
    ) -> AppResult<CompanyConnection> {
        let actor = ctx.actor()?;
        if !(actor.is_admin() || actor.user_id == self.0.id) {
            return Err(AppError::forbidden(
                "only admins and the officer may list an officer's companies",
            ));
        }
        if self.0.role != Role::Officer {
            return Err(AppError::bad_input("only officers serve companies"));
        }
        let mut filter = filter.map(|f| f.into_filter()).transpose()?.unwrap_or_default();
        filter.officer_id = Some(self.0.id);
        let page = companies_service::list_companies(ctx.state(), actor, filter, page_request(first, after)?).await?;
        Ok(CompanyConnection::from_page(page, |c| c.id, CompanyNode))
    }

    /// Start of the quiet hours (zone time, HH:MM): routine pushes wait until they end.
    async fn quiet_hours_start(&self) -> String {
        crate::notifications::quiet::format_hhmm(self.0.quiet_start_minute)
    }

    /// End of the quiet hours (zone time, HH:MM).
    async fn quiet_hours_end(&self) -> String {
        crate::notifications::quiet::format_hhmm(self.0.quiet_end_minute)
    }

    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.0.created_at)
    }

    /// When the account last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        to_utc(self.0.updated_at)
    }

    /// Optimistic-lock version: pass it back when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// The result of logging in, refreshing or changing the password.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    /// Bearer token for `Authorization: Bearer …`; short-lived.
    pub access_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// Single-use token for `refreshToken`; each use returns a new one.
    pub refresh_token: String,
    /// When the refresh token expires if unused.
    pub refresh_expires_at: DateTime<Utc>,
    #[graphql(skip)]
    pub user: User,
}

#[ComplexObject]
impl AuthPayload {
    /// The logged-in user.
    async fn user(&self) -> UserNode {
        UserNode(self.user.clone())
    }
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> AuthPayload {
        AuthPayload {
            access_token: s.access_token,
            expires_at: s.access_expires_at,
            refresh_token: s.refresh_token,
            refresh_expires_at: s.refresh_expires_at,
            user: s.user,
        }
    }
}

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
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The logged-in user.
    async fn me(&self, ctx: &Context<'_>) -> AppResult<UserNode> {
        let actor = ctx.actor()?;
        load_user(ctx, actor.user_id)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("the account no longer exists".into()))
    }

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
        let rows = service::login_lockouts(ctx.state(), actor, limit).await?;
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
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Logs in with phone number and password.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Mainland mobile number.")] phone: String,
        #[graphql(desc = "Password.")] password: String,
    ) -> AppResult<AuthPayload> {
        let address = ctx
            .data_opt::<crate::graphql::context::ClientAddress>()
            .map(|a| a.0.as_str());
        Ok(service::login(ctx.state(), &phone, &password, address).await?.into())
    }

    /// Exchanges a refresh token for a new access token and a new refresh token. A retry within
    /// 30 seconds (the answer was lost) gets another pair; using a refresh token again later ends
    /// the session everywhere.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token from the last login or refresh.")] refresh_token: String,
    ) -> AppResult<AuthPayload> {
        Ok(service::refresh(ctx.state(), &refresh_token).await?.into())
    }

    /// Ends the session of this refresh token, and stops pushes to this phone when its push
    /// token is given. Always returns true.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session's current refresh token.")] refresh_token: String,
        #[graphql(desc = "This phone's push token, to unregister it.")] device_token: Option<String>,
    ) -> AppResult<bool> {
        let user_id = service::logout(ctx.state(), &refresh_token).await?;
        if let (Some(user_id), Some(device_token)) = (user_id, device_token) {
            crate::notifications::service::unregister_device(ctx.state(), user_id, &device_token).await?;
        }
        Ok(true)
    }

    /// Changes the caller's password, ends every other session, and returns a fresh one.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current password.")] old_password: String,
        #[graphql(desc = "The new password (8 to 128 characters).")] new_password: String,
    ) -> AppResult<AuthPayload> {
        let actor = ctx.actor()?;
        Ok(
            service::change_password(ctx.state(), actor, &old_password, &new_password)
                .await?
                .into(),
        )
    }

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
        let lifted = service::lift_login_lockout(ctx.state(), actor, phone.as_deref(), address.as_deref()).await?;
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
