use crate::auth::errors::AuthReason;
use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::User;
use super::repo::{self};
use super::service::{self, Session};
use crate::actor::Role;
use crate::clock::to_utc;
use crate::companies::graphql::{load_company, CompanyConnection, CompanyFilterInput, CompanyNode};
use crate::companies::service as companies_service;
use crate::departments::graphql::{load_department, DepartmentNode};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, IdKind};
use crate::graphql::loaders::load_one;
use crate::graphql::pagination::page_request;
use crate::ids::UserId;

/// This domain's DataLoaders, for the registry in `graphql::loaders`.
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders<'_>) {
    loaders.by_key(repo::find_by_ids, |u: &User| u.id);
    loaders.pairs(repo::active_assignment_counts);
}

/// Loads a user through the request's loader (no access check: callers decide visibility).
pub async fn load_user(ctx: &Context<'_>, id: UserId) -> AppResult<Option<UserNode>> {
    Ok(load_one::<UserId, User>(ctx, id).await?.map(UserNode))
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

    /// `role` in the reader's language (服务专员, service officer, …).
    async fn role_label(&self) -> &'static str {
        self.0.role.label(crate::i18n::current())
    }

    /// The language the server writes in for this user (texts, errors, notifications); an
    /// `Accept-Language` header overrides it for one request.
    async fn locale(&self) -> crate::i18n::Locale {
        self.0.locale
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
        let count = load_one::<UserId, i64>(ctx, self.0.id).await?;
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
            return Err(AppError::forbidden(AuthReason::OFFICER_COMPANIES_FORBIDDEN));
        }
        if self.0.role != Role::Officer {
            return Err(AppError::bad_input(AuthReason::NOT_AN_OFFICER));
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

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The logged-in user.
    async fn me(&self, ctx: &Context<'_>) -> AppResult<UserNode> {
        let actor = ctx.actor()?;
        load_user(ctx, actor.user_id)
            .await?
            .ok_or_else(|| AppError::unauthenticated(AuthReason::ACCOUNT_GONE))
    }
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

    /// Sets the language the server writes in for the caller: event texts, error messages,
    /// notification texts and labels. Returns the caller.
    async fn set_my_locale(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ZH_CN (the default) or EN.")] locale: crate::i18n::Locale,
    ) -> AppResult<UserNode> {
        let actor = ctx.actor()?;
        Ok(UserNode(service::set_locale(ctx.state(), actor, locale).await?))
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
}
