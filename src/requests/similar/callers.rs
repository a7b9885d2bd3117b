//! The caller at intake: who in the company called the hotline or was met on a visit, recorded
//! when an officer or admin raises a request on the company's behalf. The handlers see it in
//! full; everyone else who may see the request (company staff, departments) sees it masked.
//! An erasure of the person (`privacy`) masks it for good.

use chrono::NaiveDateTime;

use super::errors::SimilarReason;
use super::model::{Caller, NewCaller};
use super::repo;
use crate::actor::{Actor, Role};
use crate::auth::phone;
use crate::auth::repo as users_repo;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::RequestId;
use crate::requests::model::{Channel, Request};
use crate::state::AppState;
use crate::text::{single_line, TextRule};

const NAME: TextRule = single_line(50);
const ROLE: TextRule = single_line(50);

/// A caller as given at intake.
#[derive(Debug, Clone)]
pub struct CallerDetails {
    pub name: String,
    pub role: Option<String>,
    pub phone: Option<String>,
}

/// A caller checked and cleaned: name and role trimmed, phone as 11 digits.
#[derive(Debug, Clone)]
pub struct CheckedCaller {
    name: String,
    role: String,
    phone: Option<String>,
}

/// Checks a caller given with a request raised by `actor` on `channel` (before the transaction).
pub fn check(actor: &Actor, channel: Option<Channel>, caller: CallerDetails) -> AppResult<CheckedCaller> {
    if !matches!(actor.role, Role::Officer | Role::Admin) {
        return Err(AppError::bad_field("caller", SimilarReason::CALLER_ONLY_HANDLERS));
    }
    if !matches!(channel, Some(Channel::Hotline | Channel::Visit)) {
        return Err(AppError::bad_field(
            "caller",
            SimilarReason::CALLER_ONLY_HOTLINE_OR_VISIT,
        ));
    }
    let name = NAME.required("caller.name", &caller.name)?;
    let role = ROLE.blank_allowed("caller.role", caller.role.as_deref().unwrap_or(""))?;
    let phone = match caller.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(phone::normalize(p).map_err(|reason| AppError::bad_field("caller.phone", reason))?),
    };
    Ok(CheckedCaller { name, role, phone })
}

/// Records the caller of `request` in the raising transaction, linked to the company's account
/// with that phone if there is one (so the person's erasure finds it).
pub fn record(conn: &mut DbConnection, request: &Request, caller: CheckedCaller, now: NaiveDateTime) -> AppResult<()> {
    let user_id = match &caller.phone {
        Some(p) => users_repo::find_by_phone(conn, p)?
            .filter(|u| u.company_id == Some(request.company_id))
            .map(|u| u.id),
        None => None,
    };
    repo::insert_caller(
        conn,
        &NewCaller {
            request_id: request.id,
            name: caller.name,
            role: caller.role,
            phone: caller.phone,
            user_id,
            created_at: now,
        },
    )
}

/// A caller as a reader sees them.
#[derive(Debug, Clone)]
pub struct CallerView {
    pub name: String,
    pub role: String,
    pub phone: Option<String>,
    pub masked: bool,
    pub erased: bool,
}

/// `张**`: the family name and one star per other character.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// The caller as `actor` may see it: in full for officers and admins (who call back), masked
/// for the company's staff and departments.
pub fn view(actor: &Actor, caller: Caller) -> CallerView {
    let erased = caller.erased_at.is_some();
    let full = matches!(actor.role, Role::Officer | Role::Admin);
    if full || erased {
        return CallerView {
            name: caller.name,
            role: caller.role,
            phone: caller.phone,
            masked: false,
            erased,
        };
    }
    CallerView {
        name: mask_name(&caller.name),
        role: caller.role,
        phone: caller.phone.as_deref().map(phone::mask),
        masked: true,
        erased,
    }
}

/// The caller of request `id` as `actor` sees it (who must be able to see the request).
pub async fn of_request(state: &AppState, actor: &Actor, id: RequestId) -> AppResult<Option<CallerView>> {
    let actor = actor.clone();
    state
        .db
        .read(move |conn| {
            crate::requests::service::visible(conn, &actor, id)?;
            Ok(repo::caller_of(conn, id)?.map(|c| view(&actor, c)))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_family_name() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李");
        assert_eq!(mask_name(""), "");
    }
}
