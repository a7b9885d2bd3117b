//! Rules of the twice-yearly evaluation. Every change and the notifications it causes are written
//! in one transaction.
//!
//! Flags are raised when an UNSATISFIED vote is cast and kept in step with the vote until the
//! period closes: a change to SATISFIED withdraws the open flag, a new reason updates it, and a
//! vote on another officer (after a reassignment) withdraws the old flag and raises one on the
//! officer now rated. So the open and resolved flags of a closed period match its final votes.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::errors::EvaluationsReason;
use super::model::{
    Eligibility, EligibilityStatus, EvaluationHalf, EvaluationVerdict, Flag, NewFlag, NewPeriod, NewVote,
    NonVoteReason, Period, PeriodStatus, ReplacementFlagStatus, RollEntry, Vote,
};
use super::repo;
use crate::actor::{Actor, Role};
use crate::auth::model::User;
use crate::auth::repo as users_repo;
use crate::companies::model::{Company, OfficerAssignment};
use crate::companies::repo as companies_repo;
use crate::companies::service::{self as companies_service, required_reason, Reassignment, MAX_REASON_CHARS};
use crate::db::Tx;
use crate::db::{DbConnection, Once, Replay};
use crate::error::{AppError, AppResult};
use crate::ids::{CompanyId, UserId};
use crate::notifications::service::{notify, Notice};
use crate::notifications::texts::NoticeKind;
use crate::state::AppState;
use crate::text::multi_line;

/// The closing reminder goes this long before `closesAt`.
pub const REMINDER_BEFORE_DAYS: i64 = 3;
pub const MAX_SUGGESTIONS: i32 = 20;

fn closed_error() -> AppError {
    AppError::bad_input(EvaluationsReason::EVALUATION_CLOSED)
}

fn optional_text(field: &str, text: Option<&str>) -> AppResult<Option<String>> {
    multi_line(MAX_REASON_CHARS).optional(field, text)
}

/// The principal's company; FORBIDDEN for anyone else.
fn require_principal(actor: &Actor) -> AppResult<CompanyId> {
    match actor.company_id {
        Some(company_id) if actor.role == Role::Company && actor.principal => Ok(company_id),
        _ => Err(AppError::forbidden(EvaluationsReason::PRINCIPAL_ONLY_EVALUATES)),
    }
}

/// Active principals, by company.
fn principals_by_company(conn: &mut DbConnection) -> AppResult<HashMap<CompanyId, User>> {
    Ok(repo::active_principals(conn)?
        .into_iter()
        .filter_map(|u| u.company_id.map(|c| (c, u)))
        .collect())
}

fn notice(kind: NoticeKind, subject: String, company_id: Option<CompanyId>) -> Notice {
    Notice {
        kind,
        subject,
        request_id: None,
        company_id,
        urgent: false,
    }
}

// ---- periods ---------------------------------------------------------------------------------

/// A period to open now or schedule.
#[derive(Debug, Clone)]
pub struct OpenPeriod {
    pub year: i32,
    pub half: EvaluationHalf,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

pub async fn open_period(state: &AppState, actor: &Actor, input: OpenPeriod) -> AppResult<Period> {
    actor.require_admin()?;
    if !(2000..=2100).contains(&input.year) {
        return Err(AppError::bad_field(
            "year",
            EvaluationsReason::EVALUATION_YEAR_OUT_OF_RANGE,
        ));
    }
    if input.closes_at <= input.opens_at {
        return Err(AppError::bad_field(
            "closesAt",
            EvaluationsReason::EVALUATION_CLOSES_BEFORE_OPENS,
        ));
    }
    let now = state.clock.now();
    if input.closes_at <= now {
        return Err(AppError::bad_field(
            "closesAt",
            EvaluationsReason::EVALUATION_CLOSES_IN_PAST,
        ));
    }
    let actor_id = actor.user_id;
    let period = state
        .db
        .write(move |conn| {
            if repo::period_exists(conn, input.year, input.half)? {
                return Err(AppError::conflict(EvaluationsReason::EVALUATION_PERIOD_EXISTS)
                    .arg("period", format!("{}-{}", input.year, input.half)));
            }
            let (opens_at, closes_at) = (input.opens_at.naive_utc(), input.closes_at.naive_utc());
            if repo::overlapping_unclosed(conn, opens_at, closes_at)? > 0 {
                return Err(AppError::conflict(EvaluationsReason::EVALUATION_PERIOD_OVERLAPS));
            }
            let period = repo::insert_period(
                conn,
                &NewPeriod {
                    year: input.year,
                    half: input.half,
                    opens_at,
                    closes_at,
                    opened_at: None,
                    created_by: Some(actor_id),
                    created_at: now.naive_utc(),
                },
            )?;
            if input.opens_at <= now {
                open_now(conn, &period, now, Some(actor_id))?;
            }
            let period = repo::find_period(conn, period.id)?.unwrap_or(period);
            crate::audit::record(
                conn,
                actor_id,
                "openEvaluationPeriod",
                None,
                Some(&period),
                now.naive_utc(),
            )?;
            Ok(period)
        })
        .await?;
    tracing::info!(period_id = period.id, label = %period.label(), by = actor_id.get(), "evaluation period created");
    Ok(period)
}

/// Opens the period and tells every principal; false when it was already open.
pub fn open_now(conn: &mut Tx<'_>, period: &Period, now: DateTime<Utc>, actor_id: Option<UserId>) -> AppResult<bool> {
    if !repo::mark_opened(conn, period.id, now.naive_utc())? {
        return Ok(false);
    }
    let principals: Vec<_> = repo::active_principals(conn)?.iter().map(|u| u.id).collect();
    notify(
        conn,
        now,
        actor_id,
        principals,
        &notice(NoticeKind::EvaluationOpened, period.label(), None),
    )?;
    Ok(true)
}

/// Reminds the principals who can vote and have not; false when the reminder already went.
pub fn remind_now(conn: &mut Tx<'_>, period: &Period, now: DateTime<Utc>) -> AppResult<bool> {
    if !repo::mark_reminded(conn, period.id, now.naive_utc())? {
        return Ok(false);
    }
    // A period opened within the reminder window was just announced: no second push.
    if period
        .opened_at
        .is_some_and(|o| o >= period.closes_at - reminder_lead())
    {
        return Ok(false);
    }
    let voted: HashSet<_> = repo::votes_of_period(conn, period.id)?
        .iter()
        .map(|v| v.company_id)
        .collect();
    let principals = principals_by_company(conn)?;
    let company_ids: Vec<CompanyId> = principals.keys().copied().collect();
    let served: HashSet<_> = companies_repo::active_assignments_for(conn, &company_ids)?
        .iter()
        .map(|a| a.company_id)
        .collect();
    let recipients: Vec<UserId> = principals
        .iter()
        .filter(|(company, _)| served.contains(company) && !voted.contains(company))
        .map(|(_, user)| user.id)
        .collect();
    notify(
        conn,
        now,
        None,
        recipients,
        &notice(NoticeKind::EvaluationClosingSoon, period.label(), None),
    )?;
    Ok(true)
}

/// Closes the period and writes its fixed record; false when it was already closed.
pub fn close_now(conn: &mut DbConnection, period: &Period, now: DateTime<Utc>) -> AppResult<bool> {
    if !repo::mark_closed(conn, period.id, now.naive_utc())? {
        return Ok(false);
    }
    for entry in live_roll(conn, period.id)? {
        repo::insert_roll(conn, &entry)?;
    }
    Ok(true)
}

pub async fn close_period(state: &AppState, actor: &Actor, id: i64) -> AppResult<Period> {
    actor.require_admin()?;
    let now = state.clock.now();
    let actor_id = actor.user_id;
    let period = state
        .db
        .write(move |conn| {
            let period = repo::find_period(conn, id)?
                .ok_or_else(|| AppError::not_found(EvaluationsReason::EVALUATION_PERIOD_NOT_FOUND))?;
            if !close_now(conn, &period, now)? {
                return Err(AppError::conflict(EvaluationsReason::EVALUATION_ALREADY_CLOSED));
            }
            let closed = repo::find_period(conn, id)?
                .ok_or_else(|| AppError::not_found(EvaluationsReason::EVALUATION_PERIOD_NOT_FOUND))?;
            crate::audit::record(
                conn,
                actor_id,
                "closeEvaluationPeriod",
                Some(&period),
                Some(&closed),
                now.naive_utc(),
            )?;
            Ok(closed)
        })
        .await?;
    tracing::info!(period_id = id, by = actor.user_id.get(), "evaluation period closed");
    Ok(period)
}

pub async fn list_periods(state: &AppState, actor: &Actor) -> AppResult<Vec<Period>> {
    actor.require_admin()?;
    state.db.read(repo::list_periods).await
}

// ---- votes -----------------------------------------------------------------------------------

/// What a principal sees of the evaluation under way.
#[derive(Debug, Clone)]
pub struct CurrentEvaluation {
    pub period: Period,
    pub officer_id: Option<UserId>,
    pub vote: Option<Vote>,
}

pub async fn current_evaluation(state: &AppState, actor: &Actor) -> AppResult<Option<CurrentEvaluation>> {
    let company_id = require_principal(actor)?;
    state
        .db
        .read(move |conn| {
            let Some(period) = repo::open_period(conn)? else {
                return Ok(None);
            };
            let officer_id = companies_repo::active_officer_id(conn, company_id)?;
            let vote = repo::find_vote(conn, period.id, company_id)?;
            Ok(Some(CurrentEvaluation {
                period,
                officer_id,
                vote,
            }))
        })
        .await
}

#[derive(Debug, Clone)]
pub struct CastVote {
    pub verdict: EvaluationVerdict,
    pub reason: Option<String>,
    /// The officer the principal means to rate; must be the company's officer when given.
    pub officer_id: Option<UserId>,
    /// A repeat with the same key answers the first vote and changes nothing.
    pub idempotency_key: Option<String>,
}

pub async fn cast_vote(state: &AppState, actor: &Actor, input: CastVote) -> AppResult<(Period, Vote)> {
    let company_id = require_principal(actor)?;
    let reason = match input.verdict {
        EvaluationVerdict::Unsatisfied => Some(required_reason("reason", input.reason.as_deref().unwrap_or(""))?),
        EvaluationVerdict::Satisfied => optional_text("reason", input.reason.as_deref())?,
    };
    let actor_id = actor.user_id;
    let now = state.clock.now();
    let once = Once::new(
        actor_id,
        input.idempotency_key.as_deref(),
        "castEvaluationVote",
        &(format!("{:?}", input.verdict), &reason, input.officer_id),
    )?;
    let (period, vote) = state
        .db
        .write_once(once, now.naive_utc(), move |conn| {
            // The principal may have changed since the token was issued.
            let voter = users_repo::find_by_id(conn, actor_id)?;
            if !voter.is_some_and(|u| u.principal && u.disabled_at.is_none() && u.company_id == Some(company_id)) {
                return Err(AppError::forbidden(EvaluationsReason::PRINCIPAL_ONLY_EVALUATES));
            }
            let period = repo::open_period(conn)?.ok_or_else(closed_error)?;
            // Takes the period's row lock, so a vote and the closing never interleave.
            if !repo::mark_open_still(conn, period.id)? {
                return Err(closed_error());
            }
            let officer_id = companies_repo::active_officer_id(conn, company_id)?
                .ok_or_else(|| AppError::bad_input(EvaluationsReason::NO_OFFICER_TO_RATE))?;
            if input.officer_id.is_some_and(|o| o != officer_id) {
                return Err(AppError::bad_field("officerId", EvaluationsReason::OFFICER_NOT_YOURS));
            }
            let naive_now = now.naive_utc();
            let new = NewVote {
                period_id: period.id,
                company_id,
                officer_id,
                voter_id: actor_id,
                verdict: input.verdict,
                reason,
                created_at: naive_now,
                updated_at: naive_now,
            };
            let vote = match repo::find_vote(conn, period.id, company_id)? {
                Some(existing) => repo::update_vote(conn, existing.id, &new)?,
                None => repo::insert_vote(conn, &new)?,
            };
            sync_flag(conn, &period, &vote, now, actor_id)?;
            if vote.verdict == EvaluationVerdict::Unsatisfied {
                tell_leader(conn, &vote, now, actor_id)?;
            }
            Ok((period, vote))
        })
        .await?;
    tracing::info!(
        period_id = period.id,
        company_id = company_id.get(),
        "evaluation vote cast"
    );
    Ok((period, vote))
}

/// An unsatisfied vote also goes to the zone leader who looks after the company (领导包联),
/// in the vote's transaction.
fn tell_leader(conn: &mut Tx<'_>, vote: &Vote, now: DateTime<Utc>, actor_id: UserId) -> AppResult<()> {
    let Some(leader_id) = companies_repo::leader_of(conn, vote.company_id)? else {
        return Ok(());
    };
    let company = companies_repo::find_by_id(conn, vote.company_id)?
        .ok_or_else(|| AppError::not_found(crate::companies::errors::CompaniesReason::COMPANY_NOT_FOUND))?;
    notify(
        conn,
        now,
        Some(actor_id),
        [leader_id],
        &notice(NoticeKind::LeaderUnsatisfiedVote, company.name, Some(company.id)),
    )?;
    Ok(())
}

/// Keeps the company's open flag in step with its vote (see the module comment).
fn sync_flag(conn: &mut Tx<'_>, period: &Period, vote: &Vote, now: DateTime<Utc>, actor_id: UserId) -> AppResult<()> {
    let naive_now = now.naive_utc();
    let open = repo::open_flag_of_company(conn, period.id, vote.company_id)?;
    match (vote.verdict, open) {
        (EvaluationVerdict::Unsatisfied, Some(flag)) if flag.officer_id == vote.officer_id => {
            repo::update_open_flag(conn, flag.id, vote.officer_id, vote.reason.as_deref().unwrap_or(""))?;
        }
        (EvaluationVerdict::Unsatisfied, previous) => {
            if let Some(flag) = previous {
                repo::withdraw_flag(conn, flag.id, naive_now)?;
                release_review(conn, flag.officer_id, period.year)?;
            }
            repo::insert_flag(
                conn,
                &NewFlag {
                    period_id: period.id,
                    company_id: vote.company_id,
                    officer_id: vote.officer_id,
                    status: ReplacementFlagStatus::Open,
                    reason: vote.reason.clone().unwrap_or_default(),
                    raised_at: naive_now,
                },
            )?;
            put_under_review(conn, vote.officer_id, period.year, naive_now)?;
            let company = companies_repo::find_by_id(conn, vote.company_id)?
                .ok_or_else(|| AppError::not_found(crate::companies::errors::CompaniesReason::COMPANY_NOT_FOUND))?;
            let admins = repo::active_admin_ids(conn)?;
            notify(
                conn,
                now,
                Some(actor_id),
                admins,
                &notice(
                    NoticeKind::ReplacementFlagRaised,
                    company.name.clone(),
                    Some(company.id),
                ),
            )?;
        }
        (EvaluationVerdict::Satisfied, Some(flag)) => {
            repo::withdraw_flag(conn, flag.id, naive_now)?;
            release_review(conn, flag.officer_id, period.year)?;
        }
        (EvaluationVerdict::Satisfied, None) => {}
    }
    Ok(())
}

fn put_under_review(conn: &mut DbConnection, officer_id: UserId, year: i32, now: NaiveDateTime) -> AppResult<()> {
    let current = repo::find_eligibility(conn, officer_id, year)?;
    if current.is_none_or(|e| e.status != EligibilityStatus::UnderReview) {
        repo::upsert_eligibility(conn, officer_id, year, EligibilityStatus::UnderReview, "", None, now)?;
    }
    Ok(())
}

/// Drops an undecided review that no standing flag justifies any more.
fn release_review(conn: &mut DbConnection, officer_id: UserId, year: i32) -> AppResult<()> {
    if repo::standing_flags_of_officer_in_year(conn, officer_id, year)? > 0 {
        return Ok(());
    }
    if let Some(e) = repo::find_eligibility(conn, officer_id, year)? {
        if e.status == EligibilityStatus::UnderReview && e.decided_by.is_none() {
            repo::delete_eligibility(conn, e.id)?;
        }
    }
    Ok(())
}

// ---- results ---------------------------------------------------------------------------------

/// One line per company in the evaluation: active companies, and any company that voted.
fn live_roll(conn: &mut DbConnection, period_id: i64) -> AppResult<Vec<RollEntry>> {
    let votes: HashMap<_, Vote> = repo::votes_of_period(conn, period_id)?
        .into_iter()
        .map(|v| (v.company_id, v))
        .collect();
    let mut company_ids: BTreeSet<CompanyId> = repo::active_company_ids(conn)?.into_iter().collect();
    company_ids.extend(votes.keys().copied());
    let company_ids: Vec<CompanyId> = company_ids.into_iter().collect();
    let officers: HashMap<_, _> = companies_repo::active_assignments_for(conn, &company_ids)?
        .into_iter()
        .map(|a| (a.company_id, a.officer_id))
        .collect();
    let principals = principals_by_company(conn)?;
    Ok(company_ids
        .into_iter()
        .map(|company_id| match votes.get(&company_id) {
            Some(vote) => RollEntry {
                period_id,
                company_id,
                officer_id: Some(vote.officer_id),
                verdict: Some(vote.verdict),
                reason: vote.reason.clone(),
                absence: None,
            },
            None => {
                let officer_id = officers.get(&company_id).copied();
                let absence = if officer_id.is_none() {
                    NonVoteReason::NoOfficer
                } else if !principals.contains_key(&company_id) {
                    NonVoteReason::NoPrincipal
                } else {
                    NonVoteReason::NotVoted
                };
                RollEntry {
                    period_id,
                    company_id,
                    officer_id,
                    verdict: None,
                    reason: None,
                    absence: Some(absence),
                }
            }
        })
        .collect())
}

/// A period's results: the fixed record once closed, the standing so far while open.
#[derive(Debug, Clone)]
pub struct Results {
    pub period: Period,
    pub entries: Vec<RollEntry>,
}

fn results_of(conn: &mut DbConnection, period: Period) -> AppResult<Results> {
    let entries = if period.status() == PeriodStatus::Closed {
        repo::roll_of_period(conn, period.id)?
    } else {
        live_roll(conn, period.id)?
    };
    Ok(Results { period, entries })
}

pub async fn results(state: &AppState, actor: &Actor, period_id: i64) -> AppResult<Results> {
    actor.require_admin()?;
    state
        .db
        .read(move |conn| {
            let period = repo::find_period(conn, period_id)?
                .ok_or_else(|| AppError::not_found(EvaluationsReason::EVALUATION_PERIOD_NOT_FOUND))?;
            results_of(conn, period)
        })
        .await
}

/// An officer's totals for one closed period.
#[derive(Debug, Clone)]
pub struct OfficerSummary {
    pub period: Period,
    pub companies: i32,
    pub voted: i32,
    pub satisfied: i32,
    pub unsatisfied: i32,
}

/// Totals per closed period; an open period's running totals would tell an officer, vote by
/// vote, which company just voted what.
pub async fn my_summary(state: &AppState, actor: &Actor) -> AppResult<Vec<OfficerSummary>> {
    actor.require_role(&[Role::Officer])?;
    let officer_id = actor.user_id;
    state
        .db
        .read(move |conn| {
            let mut summaries = Vec::new();
            for period in repo::closed_periods(conn)? {
                let entries: Vec<RollEntry> = repo::roll_of_period(conn, period.id)?
                    .into_iter()
                    .filter(|e| e.officer_id == Some(officer_id))
                    .collect();
                if entries.is_empty() {
                    continue;
                }
                let count = |v: EvaluationVerdict| entries.iter().filter(|e| e.verdict == Some(v)).count() as i32;
                summaries.push(OfficerSummary {
                    companies: entries.len() as i32,
                    voted: entries.iter().filter(|e| e.verdict.is_some()).count() as i32,
                    satisfied: count(EvaluationVerdict::Satisfied),
                    unsatisfied: count(EvaluationVerdict::Unsatisfied),
                    period,
                });
            }
            Ok(summaries)
        })
        .await
}

// ---- flags, replacement, eligibility ---------------------------------------------------------

pub async fn flags(state: &AppState, actor: &Actor, status: Option<ReplacementFlagStatus>) -> AppResult<Vec<Flag>> {
    actor.require_admin()?;
    state.db.read(move |conn| repo::list_flags(conn, status)).await
}

pub async fn replace_officer(
    state: &AppState,
    actor: &Actor,
    company_id: CompanyId,
    new_officer_id: UserId,
    note: &str,
) -> AppResult<(Company, OfficerAssignment, Vec<Flag>)> {
    actor.require_admin()?;
    let note = required_reason("note", note)?;
    let actor_id = actor.user_id;
    let now = state.clock.now();
    let (company, assignment, resolved) = state
        .db
        .write(move |conn| {
            companies_repo::find_by_id(conn, company_id)?
                .ok_or_else(|| AppError::not_found(crate::companies::errors::CompaniesReason::COMPANY_NOT_FOUND))?;
            let open = repo::open_flags_of_company(conn, company_id)?;
            if open.is_empty() {
                return Err(AppError::bad_field("companyId", EvaluationsReason::NO_OPEN_FLAG));
            }
            if open.iter().any(|f| f.officer_id == new_officer_id) {
                return Err(AppError::bad_field(
                    "newOfficerId",
                    EvaluationsReason::NEW_OFFICER_FLAGGED,
                ));
            }
            let change = Reassignment {
                company_id,
                officer_id: new_officer_id,
                reason: format!("半年评价更换 / replaced after evaluation: {note}"),
                actor_id,
                expected_version: None,
            };
            let (company, previous, assignment) = companies_service::reassign(conn, &change, now)?;
            let at = now.naive_utc();
            crate::audit::record(
                conn,
                actor_id,
                "replaceOfficer",
                previous.as_ref(),
                Some(&assignment),
                at,
            )?;
            let ids: Vec<_> = open.iter().map(|f| f.id).collect();
            let resolved = repo::resolve_flags(conn, &ids, actor_id, &note, new_officer_id, at)?;
            for after in &resolved {
                let before = open.iter().find(|f| f.id == after.id);
                crate::audit::record(conn, actor_id, "replaceOfficer", before, Some(after), at)?;
            }
            Ok((company, assignment, resolved))
        })
        .await?;
    tracing::info!(
        company_id = company_id.get(),
        new_officer_id = new_officer_id.get(),
        flags = resolved.len(),
        by = actor_id.get(),
        "officer replaced after evaluation"
    );
    Ok((company, assignment, resolved))
}

/// The least-loaded active officers who could take the company over, never a flagged one.
pub async fn suggested_officers(
    state: &AppState,
    actor: &Actor,
    company_id: CompanyId,
    limit: i32,
) -> AppResult<Vec<(User, i64)>> {
    actor.require_admin()?;
    if !(1..=MAX_SUGGESTIONS).contains(&limit) {
        return Err(
            AppError::bad_field("first", EvaluationsReason::SUGGESTIONS_OUT_OF_RANGE).arg("max", MAX_SUGGESTIONS),
        );
    }
    state
        .db
        .read(move |conn| {
            companies_repo::find_by_id(conn, company_id)?
                .ok_or_else(|| AppError::not_found(crate::companies::errors::CompaniesReason::COMPANY_NOT_FOUND))?;
            let mut excluded: HashSet<_> = repo::open_flags_of_company(conn, company_id)?
                .iter()
                .map(|f| f.officer_id)
                .collect();
            excluded.extend(companies_repo::active_officer_id(conn, company_id)?);
            let officers: Vec<User> = repo::active_officers(conn)?
                .into_iter()
                .filter(|u| !excluded.contains(&u.id))
                .collect();
            let ids: Vec<UserId> = officers.iter().map(|u| u.id).collect();
            let loads: HashMap<_, i64> = users_repo::active_assignment_counts(conn, &ids)?.into_iter().collect();
            let mut ranked: Vec<(User, i64)> = officers
                .into_iter()
                .map(|u| {
                    let load = loads.get(&u.id).copied().unwrap_or(0);
                    (u, load)
                })
                .collect();
            ranked.sort_by_key(|(u, load)| (*load, u.id));
            ranked.truncate(limit as usize);
            Ok(ranked)
        })
        .await
}

pub async fn set_eligibility(
    state: &AppState,
    actor: &Actor,
    officer_id: UserId,
    year: i32,
    eligible: bool,
    note: &str,
) -> AppResult<Eligibility> {
    actor.require_admin()?;
    let note = required_reason("note", note)?;
    if !(2000..=2100).contains(&year) {
        return Err(AppError::bad_field(
            "year",
            EvaluationsReason::EVALUATION_YEAR_OUT_OF_RANGE,
        ));
    }
    let actor_id = actor.user_id;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let officer = users_repo::find_by_id(conn, officer_id)?;
            if !officer.is_some_and(|u| u.role == Role::Officer) {
                return Err(AppError::bad_field(
                    "officerId",
                    EvaluationsReason::ELIGIBILITY_OFFICER_NOT_FOUND,
                ));
            }
            let status = if eligible {
                EligibilityStatus::Eligible
            } else {
                EligibilityStatus::Ineligible
            };
            let before = repo::list_eligibility(conn, Some(year), Some(officer_id))?.pop();
            let after = repo::upsert_eligibility(conn, officer_id, year, status, &note, Some(actor_id), now)?;
            crate::audit::record(
                conn,
                actor_id,
                "setAwardEligibility",
                before.as_ref(),
                Some(&after),
                now,
            )?;
            Ok(after)
        })
        .await
}

pub async fn eligibility(
    state: &AppState,
    actor: &Actor,
    year: Option<i32>,
    officer_id: Option<UserId>,
) -> AppResult<Vec<Eligibility>> {
    actor.require_admin()?;
    state
        .db
        .read(move |conn| repo::list_eligibility(conn, year, officer_id))
        .await
}

/// How far before closing the reminder goes.
pub fn reminder_lead() -> Duration {
    Duration::days(REMINDER_BEFORE_DAYS)
}

/// A repeated vote answers the first one's period and vote (`db::idempotency`).
impl Replay for (Period, Vote) {
    type Ref = (i64, i64);

    fn reference(&self) -> (i64, i64) {
        (self.0.id, self.1.id)
    }

    fn replay(conn: &mut DbConnection, (period_id, vote_id): (i64, i64)) -> AppResult<Self> {
        let period = repo::find_period(conn, period_id)?
            .ok_or_else(|| AppError::not_found(EvaluationsReason::EVALUATION_PERIOD_NOT_FOUND))?;
        let vote = repo::find_vote_by_id(conn, vote_id)?
            .ok_or_else(|| AppError::not_found(EvaluationsReason::VOTE_NOT_FOUND))?;
        Ok((period, vote))
    }
}
