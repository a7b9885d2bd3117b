use crate::auth::errors::AuthReason;
use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::model::{SessionRow, User};
use super::repo::{self};
use super::service::{self, ClientInfo, Session};
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
use crate::i18n::Reason;
use crate::ids::UserId;

/// This domain's DataLoaders, for the registry in `graphql::loaders`.
pub fn register_loaders(loaders: &mut crate::graphql::loaders::Loaders) {
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

    /// True when an admin set the password (created or reset the account): until the user
    /// changes it, the account may only read `me` and call `changePassword`.
    async fn must_change_password(&self) -> bool {
        self.0.must_change_password
    }

    /// True when the account signs in with a second factor (a TOTP code) after the password.
    /// Visible to admins and to the user.
    async fn second_factor_enabled(&self, ctx: &Context<'_>) -> AppResult<Option<bool>> {
        // Without a caller this is the user of a login or refresh payload: their own.
        if let Ok(actor) = ctx.actor() {
            if !(actor.is_admin() || actor.user_id == self.0.id) {
                return Ok(None);
            }
        }
        Ok(Some(service::second_factor_enabled(ctx.state(), self.0.id).await?))
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
    /// The session these tokens belong to (as in `mySessions`).
    pub session_id: ID,
    /// What the user must do before anything else: `PASSWORD_CHANGE_REQUIRED` (call
    /// `changePassword`) or `SECOND_FACTOR_ENROLMENT_REQUIRED` (admins in production: enrol a
    /// second factor); null when nothing. Other operations answer `FORBIDDEN` with this reason.
    pub required_action: Option<String>,
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
            session_id: ids::encode(IdKind::Session, s.session_id),
            required_action: s.restriction.map(|r| r.code().to_string()),
            user: s.user,
        }
    }
}

/// A signed-in device: where the account is signed in.
pub struct SessionNode {
    row: SessionRow,
    current: bool,
}

/// A signed-in device: where the account is signed in.
#[Object(name = "Session")]
impl SessionNode {
    /// Opaque id, for `endSession`.
    async fn id(&self) -> ID {
        ids::encode(IdKind::Session, self.row.id)
    }

    /// The device's name as the app gave it at login (a phone model), if it did.
    async fn device(&self) -> Option<&str> {
        self.row.device.as_deref()
    }

    /// The platform the app gave at login (ANDROID, IOS, HARMONY, WEB, …), if it did.
    async fn platform(&self) -> Option<&str> {
        self.row.platform.as_deref()
    }

    /// The network address of the login, its last part hidden (203.0.113.*).
    async fn address(&self) -> Option<&str> {
        self.row.address.as_deref()
    }

    /// When the session was opened (the login).
    async fn created_at(&self) -> DateTime<Utc> {
        to_utc(self.row.created_at)
    }

    /// When the session was last used to log in or refresh its tokens.
    async fn last_used_at(&self) -> DateTime<Utc> {
        to_utc(self.row.last_used_at)
    }

    /// True for the session of the request's own access token.
    async fn current(&self) -> bool {
        self.current
    }
}

/// A second factor being enrolled: what the authenticator app needs.
#[derive(SimpleObject)]
pub struct SecondFactorEnrolment {
    /// The TOTP secret in base32, to type into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://totp/…` URL, to show as a QR code.
    pub otpauth_url: String,
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

    /// Where the caller is signed in: the open sessions, the most recently used first.
    async fn my_sessions(&self, ctx: &Context<'_>) -> AppResult<Vec<SessionNode>> {
        let actor = ctx.actor()?;
        let current = ctx
            .data_opt::<crate::graphql::context::RequestAuth>()
            .and_then(|a| a.session_id);
        let rows = service::my_sessions(ctx.state(), actor).await?;
        Ok(rows
            .into_iter()
            .map(|row| SessionNode {
                current: Some(row.id) == current,
                row,
            })
            .collect())
    }
}

fn client_info(ctx: &Context<'_>, device: Option<String>, platform: Option<String>) -> ClientInfo {
    ClientInfo {
        address: ctx
            .data_opt::<crate::graphql::context::ClientAddress>()
            .map(|a| a.0.clone()),
        device,
        platform,
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Logs in with phone number and password. An account with a second factor answers
    /// `UNAUTHENTICATED` with reason `SECOND_FACTOR_REQUIRED` until `secondFactor` is given too.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Mainland mobile number.")] phone: String,
        #[graphql(desc = "Password.")] password: String,
        #[graphql(
            desc = "The 6-digit code of the authenticator app, or a recovery code (accounts with a second factor)."
        )]
        second_factor: Option<String>,
        #[graphql(desc = "This device's name as shown in `mySessions` (a phone model), at most 60 characters.")]
        device: Option<String>,
        #[graphql(desc = "This device's platform as shown in `mySessions` (ANDROID, IOS, HARMONY, WEB).")]
        platform: Option<String>,
    ) -> AppResult<AuthPayload> {
        let client = client_info(ctx, device, platform);
        Ok(
            service::login(ctx.state(), &phone, &password, second_factor.as_deref(), client)
                .await?
                .into(),
        )
    }

    /// Ends one of the caller's sessions (a lost phone): its refresh token, access tokens and
    /// open websockets stop at once. True if it was open.
    async fn end_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A session id from `mySessions`.")] id: ID,
    ) -> AppResult<bool> {
        let actor = ctx.actor()?;
        let session_id: i64 = ids::decode(IdKind::Session, &id, "id")?;
        service::end_session(ctx.state(), actor, session_id).await
    }

    /// Ends every session of a user without disabling the account (admins); audited. Returns
    /// how many sessions were open.
    async fn end_user_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user whose sessions end.")] user_id: ID,
    ) -> AppResult<i32> {
        let actor = ctx.actor()?;
        let user_id: UserId = ids::decode(IdKind::User, &user_id, "userId")?;
        Ok(service::end_user_sessions(ctx.state(), actor, user_id).await? as i32)
    }

    /// Starts enrolling a TOTP second factor (RFC 6238) for the caller: returns the secret for
    /// an authenticator app. Confirm with `confirmSecondFactorEnrolment`.
    async fn begin_second_factor_enrolment(&self, ctx: &Context<'_>) -> AppResult<SecondFactorEnrolment> {
        let actor = ctx.actor()?;
        let enrolment = service::begin_second_factor_enrolment(ctx.state(), actor).await?;
        Ok(SecondFactorEnrolment {
            secret: enrolment.secret,
            otpauth_url: enrolment.otpauth_url,
        })
    }

    /// Turns the second factor on with a code the authenticator app shows for the new secret.
    /// Returns ten single-use recovery codes, shown only now.
    async fn confirm_second_factor_enrolment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The 6-digit code the authenticator app shows.")] code: String,
    ) -> AppResult<Vec<String>> {
        let actor = ctx.actor()?;
        service::confirm_second_factor_enrolment(ctx.state(), actor, &code).await
    }

    /// Turns the caller's second factor off, with a current code or a recovery code. Returns the
    /// caller.
    async fn remove_second_factor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A current 6-digit code or an unused recovery code.")] code: String,
    ) -> AppResult<UserNode> {
        let actor = ctx.actor()?;
        service::remove_second_factor(ctx.state(), actor, &code).await?;
        load_user(ctx, actor.user_id)
            .await?
            .ok_or_else(|| AppError::unauthenticated(AuthReason::ACCOUNT_GONE))
    }

    /// Removes a user's second factor (a lost phone) and ends their sessions (admins); audited.
    async fn reset_second_factor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user whose second factor is removed.")] user_id: ID,
    ) -> AppResult<UserNode> {
        let actor = ctx.actor()?;
        let user_id: UserId = ids::decode(IdKind::User, &user_id, "userId")?;
        Ok(UserNode(
            service::reset_second_factor(ctx.state(), actor, user_id).await?,
        ))
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

    /// Changes the caller's password, ends every session (also this one), and returns a fresh
    /// one. Audited.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current password.")] old_password: String,
        #[graphql(
            desc = "The new password: 8 to 128 characters, and hard to guess (a strength estimate of at least 3 of 4; a few unrelated words work well)."
        )]
        new_password: String,
    ) -> AppResult<AuthPayload> {
        let actor = ctx.actor()?;
        let client = client_info(ctx, None, None);
        Ok(
            service::change_password(ctx.state(), actor, &old_password, &new_password, client)
                .await?
                .into(),
        )
    }
}
