//! Raising a request, from the app or on a company's behalf.

use super::*;
use crate::ids::CompanyId;

#[derive(Debug, Clone)]
pub struct Raise {
    pub company_id: Option<CompanyId>,
    pub kind: RequestKind,
    pub category_id: i64,
    pub urgency: Urgency,
    pub title: String,
    pub description: String,
    pub channel: Option<Channel>,
    pub idempotency_key: Option<String>,
    /// Who called the hotline or was met on the visit (officers and admins, HOTLINE or VISIT).
    pub caller: Option<crate::requests::similar::callers::CallerDetails>,
}

/// Raises a request: company staff for their own company from the app; officers (for the
/// companies they serve) and admins on a company's behalf from another channel.
pub async fn raise(state: &AppState, actor: &Actor, input: Raise) -> AppResult<Request> {
    let (company_id, channel) = match actor.role {
        Role::Company => {
            let own = actor
                .company_id
                .ok_or_else(|| AppError::forbidden(RequestsReason::NO_COMPANY))?;
            if input.company_id.is_some_and(|c| c != own) {
                return Err(AppError::forbidden(RequestsReason::OWN_COMPANY_ONLY));
            }
            if input.channel.is_some_and(|c| c != Channel::App) {
                return Err(AppError::bad_field("channel", RequestsReason::APP_CHANNEL_ONLY));
            }
            (own, Channel::App)
        }
        Role::Officer | Role::Admin => {
            let company_id = input
                .company_id
                .ok_or_else(|| AppError::bad_field("companyId", RequestsReason::COMPANY_REQUIRED))?;
            match input.channel {
                None => return Err(AppError::bad_field("channel", RequestsReason::CHANNEL_REQUIRED)),
                Some(Channel::App) => {
                    return Err(AppError::bad_field(
                        "channel",
                        RequestsReason::APP_CHANNEL_FOR_COMPANIES,
                    ))
                }
                Some(channel) => (company_id, channel),
            }
        }
        Role::Department => return Err(AppError::forbidden(RequestsReason::DEPARTMENTS_DO_NOT_RAISE)),
    };
    let caller = input
        .caller
        .map(|c| crate::requests::similar::callers::check(actor, input.channel, c))
        .transpose()?;
    let title = TITLE.required("title", &input.title)?;
    let description = LONG.required("description", &input.description)?;
    let idempotency_key = IDEMPOTENCY_KEY.optional("idempotencyKey", input.idempotency_key.as_deref())?;
    let now_local = state.clock.now().with_timezone(&state.config.time_zone);
    let year = now_local.year();
    let now = state.clock.now_naive();
    let zone = state.config.time_zone;
    let actor_owned = actor.clone();
    let key = idempotency_key.clone();
    let category_id = input.category_id;
    let (kind, urgency) = (input.kind, input.urgency);
    let outcome = state
        .db
        .write(move |conn| {
            let actor = actor_owned;
            if let Some(key) = &key {
                if let Some(existing) = repo::find_by_idempotency_key(conn, actor.user_id, key)? {
                    return Ok(existing);
                }
            }
            let company = companies_repo::find_by_id(conn, company_id)?
                .ok_or_else(|| AppError::not_found(RequestsReason::COMPANY_NOT_FOUND_FOR_REQUEST))?;
            let officer_id = companies_repo::active_officer_id(conn, company_id)?;
            if actor.role == Role::Officer && officer_id != Some(actor.user_id) {
                return Err(AppError::forbidden(RequestsReason::OFFICER_OWN_COMPANIES_ONLY));
            }
            if company.disabled_at.is_some() {
                return Err(AppError::bad_field(
                    "companyId",
                    crate::companies::errors::CompaniesReason::COMPANY_DISABLED,
                ));
            }
            let category = repo::category(conn, category_id)?
                .ok_or_else(|| AppError::bad_field("categoryId", RequestsReason::NO_SUCH_CATEGORY))?;
            if category.disabled_at.is_some() {
                return Err(AppError::bad_field("categoryId", RequestsReason::CATEGORY_RETIRED));
            }
            let number = repo::next_number(conn, year)?;
            let due = deadlines::for_request(conn, zone, kind, false, urgency, now)?;
            let request = repo::insert(
                conn,
                &NewRequest {
                    number: format!("QY-{year}-{number:06}"),
                    company_id,
                    raised_by: actor.user_id,
                    channel,
                    kind,
                    category_id,
                    urgency,
                    title,
                    description,
                    officer_id,
                    status: RequestStatus::Submitted,
                    idempotency_key: key,
                    created_at: now,
                    updated_at: now,
                    first_reply_due_at: due.first_reply.map(|d| d.due_at),
                    first_reply_remind_at: due.first_reply.map(|d| d.remind_at),
                    resolve_due_at: due.resolve.map(|d| d.due_at),
                    resolve_remind_at: due.resolve.map(|d| d.remind_at),
                },
            )?;
            events::record(
                conn,
                zone,
                &request,
                None,
                Entry::public(
                    EventKind::Raised,
                    Some(actor.user_id),
                    EventDetails {
                        channel: Some(channel.as_str().to_string()),
                        ..EventDetails::by(&actor.name)
                    },
                ),
                now,
            )?;
            crate::requests::similar::index(conn, &request, now)?;
            if let Some(caller) = caller {
                crate::requests::similar::callers::record(conn, &request, caller, now)?;
            }
            Ok(request)
        })
        .await;
    match (outcome, idempotency_key) {
        // Two retries raced past the look-up: the unique index let one in; return that one.
        (Err(AppError::Conflict(_)), Some(key)) => {
            let user_id = actor.user_id;
            state
                .db
                .read(move |conn| repo::find_by_idempotency_key(conn, user_id, &key))
                .await?
                .ok_or_else(|| AppError::conflict(crate::error::CoreReason::CONCURRENT_CHANGE))
        }
        (outcome, _) => outcome,
    }
}
