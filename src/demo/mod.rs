//! `zhitong seed-demo`: fills an empty database with a living zone, driving the real domain
//! services on a manual clock moved forward through half a year, so every row (timeline
//! events, notifications, assignments, votes, due times) is what the app itself would write.

pub mod errors;
mod knowledge;
mod names;
mod policies;
mod repo;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use self::errors::DemoReason;
use crate::actor::{Actor, Role};
use crate::auth::model::User;
use crate::clock::{Clock, ManualClock};
use crate::companies::service::{self as companies_service, CreateCompany};
use crate::departments::service as departments_service;
use crate::error::{AppError, AppResult};
use crate::evaluations::model::{EvaluationHalf, EvaluationVerdict};
use crate::evaluations::service::{self as evaluations_service, CastVote, OpenPeriod};
use crate::ids::{CompanyId, DepartmentId};
use crate::requests::model::{Channel, Request, RequestKind, RequestStatus, Urgency};
use crate::requests::repo::{self as requests_repo, Scope};
use crate::requests::service::{self as requests_service, DispatchTarget, Raise};
use crate::state::AppState;
use crate::users::service::{self as users_service, CreateUser};
use crate::visits::service::{self as visits_service, RecordVisit, VisitRequestInput};

/// How big a zone to make.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub companies: usize,
    pub officers: usize,
    pub departments: usize,
    pub requests: usize,
    /// How far back the simulated history starts.
    pub days: i64,
}

impl Default for DemoOptions {
    fn default() -> DemoOptions {
        DemoOptions {
            companies: 200,
            officers: 20,
            departments: 8,
            requests: 400,
            days: 180,
        }
    }
}

/// One account to log in with.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: Role,
    pub phone: String,
    pub name: String,
}

/// What the demo made.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The password of every demo account.
    pub password: String,
    pub logins: Vec<DemoLogin>,
    pub companies: usize,
    pub officers: usize,
    pub departments: usize,
    pub visits: usize,
    pub by_status: Vec<(RequestStatus, i64)>,
    pub by_channel: Vec<(Channel, i64)>,
    pub flags: usize,
}

/// Where a request's story ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Submitted,
    Accepted,
    Rejected,
    Withdrawn,
    Dispatched,
    InProgress,
    Unresolvable,
    /// Resolved recently, waiting for the company.
    Resolved,
    /// Resolved long ago without feedback: closed automatically after 7 days.
    AutoClosed,
    Closed,
    Reopened,
}

/// The share of each ending, in twentieths.
const ENDINGS: [Ending; 20] = [
    Ending::Closed,
    Ending::Closed,
    Ending::Closed,
    Ending::Closed,
    Ending::Closed,
    Ending::Closed,
    Ending::Closed,
    Ending::AutoClosed,
    Ending::AutoClosed,
    Ending::Resolved,
    Ending::Resolved,
    Ending::InProgress,
    Ending::InProgress,
    Ending::Dispatched,
    Ending::Accepted,
    Ending::Submitted,
    Ending::Rejected,
    Ending::Withdrawn,
    Ending::Unresolvable,
    Ending::Reopened,
];

const CHANNELS: [Channel; 8] = [
    Channel::App,
    Channel::App,
    Channel::Hotline,
    Channel::Visit,
    Channel::App,
    Channel::GroupChat,
    Channel::Hotline,
    Channel::Other,
];

#[derive(Debug, Clone, Copy)]
enum Step {
    Accept,
    Answer,
    Dispatch,
    Transfer,
    Sign,
    Plan,
    Complete,
    Confirm { solved: bool, satisfied: bool },
    Reject,
    Withdraw,
    Unresolvable,
}

fn script(ending: Ending, consultation: bool, transfer: bool) -> Vec<Step> {
    use Step::*;
    let handled: Vec<Step> = if consultation {
        vec![Accept, Answer]
    } else if transfer {
        vec![Accept, Dispatch, Transfer, Sign, Plan, Complete]
    } else {
        vec![Accept, Dispatch, Sign, Plan, Complete]
    };
    match ending {
        Ending::Submitted => vec![],
        Ending::Accepted => vec![Accept],
        Ending::Rejected => vec![Reject],
        Ending::Withdrawn => vec![Accept, Withdraw],
        Ending::Dispatched => vec![Accept, Dispatch],
        Ending::InProgress => vec![Accept, Dispatch, Sign, Plan],
        Ending::Unresolvable => vec![Accept, Unresolvable],
        Ending::Resolved | Ending::AutoClosed => handled,
        Ending::Closed => [
            handled,
            vec![Confirm {
                solved: true,
                satisfied: true,
            }],
        ]
        .concat(),
        Ending::Reopened => [
            handled,
            vec![Confirm {
                solved: false,
                satisfied: false,
            }],
        ]
        .concat(),
    }
}

/// One request's story as the simulation goes.
struct Story {
    company: usize,
    kind: RequestKind,
    channel: Channel,
    category_id: i64,
    title: &'static str,
    description: &'static str,
    steps: Vec<Step>,
    next: usize,
    request: Option<Request>,
    /// Departments holding the request's tasks: lead first.
    departments: Vec<usize>,
}

/// Things that happen at a moment of the simulated half-year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Happening {
    Raise(usize),
    Step(usize),
    Visit(usize),
    AutoClose,
    OpenPeriod,
    Vote(usize),
    ClosePeriod,
}

struct Zone {
    admin: Actor,
    officers: Vec<Actor>,
    departments: Vec<(DepartmentId, Actor)>,
    /// Per company: its id, its principal and its officer (by index), if any.
    companies: Vec<(CompanyId, Actor, Option<usize>)>,
}

fn phone(prefix: &str, n: usize) -> String {
    format!("{prefix}{n:08}")
}

fn credit_code(seed: usize) -> String {
    let first17 = format!("91130000{seed:09}");
    let check = crate::companies::credit_code::check_char(&first17).expect("digits have a check character");
    format!("{first17}{check}")
}

/// Refuses a database that already has accounts, companies or requests.
async fn check_empty(state: &AppState) -> AppResult<()> {
    let (people, firms, asks) = state.db.read(repo::totals).await?;
    if people + firms + asks > 0 {
        return Err(AppError::conflict(DemoReason::DEMO_DATABASE_NOT_EMPTY)
            .arg("accounts", people)
            .arg("companies", firms)
            .arg("requests", asks));
    }
    Ok(())
}

/// A demo account with the shared password (company staff are their company's principal).
fn account(
    role: Role,
    phone: String,
    name: String,
    password: &str,
    company_id: Option<CompanyId>,
    department_id: Option<DepartmentId>,
) -> CreateUser {
    CreateUser {
        role,
        phone,
        name,
        password: Some(password.to_string()),
        company_id,
        department_id,
        principal: role == Role::Company,
        zone_leader: false,
        password_is_final: true,
    }
}

async fn create_user(state: &AppState, admin: &Actor, input: CreateUser) -> AppResult<User> {
    Ok(users_service::create_user(state, admin, input).await?.0)
}

async fn build_zone(state: &AppState, options: &DemoOptions, password: &str) -> AppResult<Zone> {
    let admin_phone = state.config.admin_phone.clone();
    let now = state.clock.now_naive();
    let pw = password.to_string();
    let admin = state
        .db
        .write(move |conn| users_service::create_admin(conn, &admin_phone, "张主任", &pw, now))
        .await?;
    let admin = Actor::from_user(&admin);
    let mut departments = Vec::new();
    for n in 0..options.departments {
        let (name, what) = names::DEPARTMENTS[n % names::DEPARTMENTS.len()];
        let name = if n < names::DEPARTMENTS.len() {
            name.to_string()
        } else {
            format!("{name}{}", n / names::DEPARTMENTS.len() + 1)
        };
        let department = departments_service::create_department(state, &admin, &name, None, Some(what)).await?;
        let input = account(
            Role::Department,
            phone("137", n + 1),
            names::person(n + 300),
            password,
            None,
            Some(department.id),
        );
        let clerk = create_user(state, &admin, input).await?;
        departments.push((department.id, Actor::from_user(&clerk)));
    }
    let mut officers = Vec::new();
    for n in 0..options.officers {
        let input = account(
            Role::Officer,
            phone("139", n + 1),
            names::person(n),
            password,
            None,
            None,
        );
        let officer = create_user(state, &admin, input).await?;
        officers.push(Actor::from_user(&officer));
    }
    let mut companies = Vec::new();
    // The last few companies wait for an officer, so coverage has something to show.
    let uncovered = (options.companies / 60).max(1).min(options.companies);
    for n in 0..options.companies {
        let officer = (n + uncovered < options.companies && !officers.is_empty()).then(|| n % officers.len());
        let company = companies_service::create_company(
            state,
            &admin,
            CreateCompany {
                name: names::company(n),
                credit_code: credit_code(n + 1),
                industry: Some(names::INDUSTRIES[n % names::INDUSTRIES.len()].to_string()),
                address: Some(format!("经开区{}路{}号", names::ROADS[n % names::ROADS.len()], 10 + n)),
                key_enterprise: n % 7 == 0,
                officer_id: officer.map(|o| officers[o].user_id),
            },
        )
        .await?;
        let input = account(
            Role::Company,
            phone("136", n + 1),
            names::person(n + 100),
            password,
            Some(company.id),
            None,
        );
        let principal = create_user(state, &admin, input).await?;
        companies.push((company.id, Actor::from_user(&principal), officer));
    }
    Ok(Zone {
        admin,
        officers,
        departments,
        companies,
    })
}

/// Fills the empty database behind `state` (whose clock must be `clock`) with a demo zone
/// whose history ends at the clock's current time.
pub async fn seed(state: &AppState, clock: &ManualClock, options: &DemoOptions) -> AppResult<DemoReport> {
    check_empty(state).await?;
    let end = clock.now();
    let zone_tz = state.config.time_zone;
    let start_day = (end - Duration::days(options.days))
        .with_timezone(&zone_tz)
        .date_naive();
    let start = local(state, start_day, 8, 30);
    clock.set(start);
    let mut rng = StdRng::seed_from_u64(2026);
    // The story is the same on every run; the password is not, since it is in the source.
    // Twelve random digits: strong enough for the zxcvbn check new passwords pass.
    let mut digits = rand::rng();
    let password = format!(
        "demo-{:04}-{:04}-{:04}",
        digits.random_range(0..10_000),
        digits.random_range(0..10_000),
        digits.random_range(0..10_000)
    );
    let zone = build_zone(state, options, &password).await?;
    let served: Vec<usize> = (0..zone.companies.len())
        .filter(|c| zone.companies[*c].2.is_some())
        .collect();
    if served.is_empty() || zone.departments.is_empty() {
        return Err(AppError::bad_input(DemoReason::DEMO_ZONE_INCOMPLETE));
    }

    let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, Happening)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |queue: &mut BinaryHeap<_>, at: DateTime<Utc>, what: Happening| {
        seq += 1;
        queue.push(Reverse((at, seq, what)));
    };
    let span = (end - start - Duration::days(1)).num_minutes().max(60);
    let mut stories = Vec::with_capacity(options.requests);
    for n in 0..options.requests {
        let ending = ENDINGS[n % ENDINGS.len()];
        let channel = CHANNELS[n % CHANNELS.len()];
        let (kind, title, description, category) = names::ISSUES[(n * 7 + n / 3) % names::ISSUES.len()];
        let consultation = kind == RequestKind::Consultation;
        let story = Story {
            company: served[(n * 13) % served.len()],
            kind,
            channel,
            category_id: category,
            title,
            description,
            steps: script(ending, consultation, n % 9 == 4),
            next: 0,
            request: None,
            departments: Vec::new(),
        };
        // Stories that are still open, or just resolved, began in the last week.
        let recent = matches!(
            ending,
            Ending::Submitted | Ending::Accepted | Ending::Dispatched | Ending::InProgress | Ending::Resolved
        );
        let offset = if recent {
            span - rng.random_range(2 * 24 * 60..6 * 24 * 60).min(span)
        } else {
            rng.random_range(0..(span - 20 * 24 * 60).max(60))
        };
        push(
            &mut queue,
            working_hours(state, start + Duration::minutes(offset)),
            Happening::Raise(n),
        );
        stories.push(story);
    }
    let visits = options.companies.min(150);
    for n in 0..visits {
        let at = start + Duration::minutes(rng.random_range(0..span));
        push(
            &mut queue,
            working_hours(state, at),
            Happening::Visit(served[(n * 11) % served.len()]),
        );
    }
    let mut day = start + Duration::days(1);
    while day < end {
        push(&mut queue, day, Happening::AutoClose);
        day += Duration::days(1);
    }
    // One evaluation period, closed with flags, about two months before the end.
    let period_opens = end - Duration::days(60).min(Duration::days(options.days / 2));
    push(&mut queue, period_opens, Happening::OpenPeriod);
    for company in &served {
        let at = period_opens + Duration::hours(rng.random_range(2..24 * 10));
        push(&mut queue, at, Happening::Vote(*company));
    }
    push(&mut queue, period_opens + Duration::days(14), Happening::ClosePeriod);

    let mut last_visit: HashMap<usize, i64> = HashMap::new();
    let mut visit_count = 0;
    while let Some(Reverse((at, _, what))) = queue.pop() {
        if at > end {
            continue;
        }
        if at > clock.now() {
            clock.set(at);
        }
        match what {
            Happening::Raise(n) => {
                raise(state, &zone, &mut stories[n], &mut last_visit, &mut visit_count).await?;
                let delay = delay(&mut rng, stories[n].steps.first().copied());
                push(
                    &mut queue,
                    working_hours(state, clock.now() + delay),
                    Happening::Step(n),
                );
            }
            Happening::Step(n) => {
                let story = &mut stories[n];
                let Some(step) = story.steps.get(story.next).copied() else {
                    continue;
                };
                act(state, &zone, story, step, &mut rng).await?;
                story.next += 1;
                if let Some(next) = story.steps.get(story.next).copied() {
                    let delay = delay(&mut rng, Some(next));
                    push(
                        &mut queue,
                        working_hours(state, clock.now() + delay),
                        Happening::Step(n),
                    );
                }
            }
            Happening::Visit(company) => {
                let visit = record_visit(state, &zone, company, &mut rng).await?;
                last_visit.insert(company, visit);
                visit_count += 1;
            }
            Happening::AutoClose => {
                crate::requests::worker::run_once(state).await?;
                // Reminders, overdue marks and the supervision ladder, as the sweeper would.
                crate::requests::time_limits::sweeper::run_once(state).await?;
            }
            Happening::OpenPeriod => {
                let local_day = at.with_timezone(&zone_tz);
                let half = if local_day.month() <= 6 {
                    EvaluationHalf::H1
                } else {
                    EvaluationHalf::H2
                };
                let input = OpenPeriod {
                    year: local_day.year(),
                    half,
                    opens_at: at,
                    closes_at: at + Duration::days(14),
                };
                evaluations_service::open_period(state, &zone.admin, input).await?;
            }
            Happening::Vote(company) => {
                let principal = &zone.companies[company].1;
                let unhappy = company % 23 == 5;
                let vote = CastVote {
                    verdict: if unhappy {
                        EvaluationVerdict::Unsatisfied
                    } else {
                        EvaluationVerdict::Satisfied
                    },
                    reason: unhappy.then(|| "多次联系不上，问题拖了很久才有回音".to_string()),
                    officer_id: None,
                    idempotency_key: None,
                };
                // Some principals never vote.
                if company % 9 != 3 {
                    evaluations_service::cast_vote(state, principal, vote).await?;
                }
            }
            Happening::ClosePeriod => {
                let periods = evaluations_service::list_periods(state, &zone.admin).await?;
                if let Some(period) = periods.into_iter().find(|p| p.closed_at.is_none()) {
                    evaluations_service::close_period(state, &zone.admin, period.id).await?;
                }
            }
        }
    }
    clock.set(end);
    policies::seed(state, &zone.admin, &zone.officers, &zone.companies).await?;
    knowledge::seed(state, &zone.admin).await?;
    crate::requests::worker::run_once(state).await?;
    crate::requests::time_limits::sweeper::run_once(state).await?;
    seed_projects(state, &zone, &served).await?;
    report(state, &zone, password, visit_count).await
}

/// Two key projects in different stages, with the procedure templates, a leader for the first
/// enterprise, procedures approved early and one running, and a check-in.
async fn seed_projects(state: &AppState, zone: &Zone, served: &[usize]) -> AppResult<()> {
    use crate::projects::model::{CheckInKind, ProjectStage};
    use crate::projects::service::{self as projects, ContactInput, CreateProject, ProcedureStep};
    let Some(((first, second), (land_dep, build_dep))) = served.first().zip(served.get(1)).zip(
        zone.departments
            .first()
            .map(|d| d.0)
            .zip(zone.departments.get(1).map(|d| d.0)),
    ) else {
        return Ok(());
    };
    let admin = &zone.admin;
    let templates = [
        ("LAND_USE_PLANNING", "建设用地规划许可", 20, land_dep),
        ("CONSTRUCTION_PERMIT", "建筑工程施工许可", 15, build_dep),
        ("FIRE_DESIGN_REVIEW", "消防设计审查", 15, build_dep),
    ];
    let mut ids = Vec::new();
    for (kind, name, days, department) in templates {
        ids.push(
            projects::set_template(state, admin, kind, name, days, Some(department))
                .await?
                .id,
        );
    }
    let now = state.clock.now();
    let stories = [
        (
            *first,
            "年产30万吨高端装备制造项目",
            350_000,
            ProjectStage::Construction,
        ),
        (*second, "新能源电池材料项目", 80_000, ProjectStage::Land),
    ];
    for (n, (company, name, investment, stage)) in stories.into_iter().enumerate() {
        let (company_id, principal, officer) = &zone.companies[company];
        let Some(officer) = officer.map(|o| &zone.officers[o]) else {
            continue;
        };
        let project = projects::create_project(
            state,
            admin,
            CreateProject {
                company_id: *company_id,
                name: name.to_string(),
                investment_wan: investment,
                industry: "先进制造".to_string(),
                location: "临港产业园".to_string(),
                stage: Some(stage),
                lead_liaison_id: officer.user_id,
                member_ids: zone.departments.get(1).map(|d| d.1.user_id).into_iter().collect(),
                contacts: vec![ContactInput {
                    name: principal.name.clone(),
                    phone: "0316-0000000".to_string(),
                    title: "项目负责人".to_string(),
                }],
            },
        )
        .await?;
        if n == 0 {
            projects::set_leader(state, admin, *company_id, Some(admin.user_id)).await?;
        }
        // The first project's permits were approved ahead of time; the second's land permit runs.
        let plan: &[(usize, i64, Option<i64>)] = if n == 0 {
            &[(0, 60, Some(45)), (1, 30, Some(20)), (2, 25, Some(14))]
        } else {
            &[(0, 6, None)]
        };
        for (template, accepted_days_ago, approved_days_ago) in plan {
            let procedure =
                projects::add_procedure(state, officer, project.id, ids[*template], None, Vec::new()).await?;
            let accepted = now - Duration::days(*accepted_days_ago);
            projects::record_step(
                state,
                officer,
                procedure.id,
                ProcedureStep::Submitted,
                Some(accepted - Duration::days(1)),
            )
            .await?;
            projects::record_step(state, officer, procedure.id, ProcedureStep::Accepted, Some(accepted)).await?;
            if let Some(days) = approved_days_ago {
                projects::record_step(
                    state,
                    officer,
                    procedure.id,
                    ProcedureStep::Approved,
                    Some(now - Duration::days(*days)),
                )
                .await?;
            }
        }
        projects::record_checkin(
            state,
            officer,
            project.id,
            CheckInKind::Visit,
            "施工进度正常，用工充足",
            None,
        )
        .await?;
    }
    Ok(())
}

/// The zone's local time `hour:minute` on `day`, in UTC.
fn local(state: &AppState, day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = day.and_hms_opt(hour, minute, 0).expect("a valid time");
    state
        .config
        .time_zone
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// Moves a moment into office hours (09:00–18:00 on weekdays, the zone's time).
fn working_hours(state: &AppState, at: DateTime<Utc>) -> DateTime<Utc> {
    let zone = state.config.time_zone;
    let mut local_at = at.with_timezone(&zone);
    for _ in 0..7 {
        let weekday = local_at.weekday().number_from_monday();
        let hour = local_at.hour_of_day();
        if weekday <= 5 && (9..18).contains(&hour) {
            return local_at.with_timezone(&Utc);
        }
        let day = if weekday <= 5 && hour < 9 {
            local_at.date_naive()
        } else {
            local_at.date_naive() + Duration::days(1)
        };
        local_at = local(state, day, 9, 5 + (at.timestamp() % 50) as u32).with_timezone(&zone);
    }
    local_at.with_timezone(&Utc)
}

trait HourOfDay {
    fn hour_of_day(&self) -> u32;
}

impl<T: chrono::Timelike> HourOfDay for T {
    fn hour_of_day(&self) -> u32 {
        self.hour()
    }
}

/// How long before a step is taken.
fn delay(rng: &mut StdRng, step: Option<Step>) -> Duration {
    let minutes = match step {
        Some(Step::Accept) | Some(Step::Reject) => rng.random_range(10..240),
        Some(Step::Answer) => rng.random_range(30..600),
        Some(Step::Dispatch) | Some(Step::Withdraw) => rng.random_range(30..480),
        Some(Step::Transfer) | Some(Step::Sign) => rng.random_range(60..1_440),
        Some(Step::Plan) => rng.random_range(120..2_880),
        Some(Step::Complete) => rng.random_range(1_440..7_200),
        Some(Step::Confirm { .. }) => rng.random_range(120..4_320),
        Some(Step::Unresolvable) => rng.random_range(1_440..4_320),
        None => 60,
    };
    Duration::minutes(minutes)
}

async fn record_visit(state: &AppState, zone: &Zone, company: usize, rng: &mut StdRng) -> AppResult<i64> {
    let (company_id, principal, officer) = &zone.companies[company];
    let officer = &zone.officers[officer.expect("visits go to served companies")];
    let today = state.clock.now().with_timezone(&state.config.time_zone).date_naive();
    let notes = names::VISIT_NOTES[rng.random_range(0..names::VISIT_NOTES.len())];
    let visit = visits_service::record_visit(
        state,
        officer,
        RecordVisit {
            company_id: *company_id,
            visited_on: today,
            people_met: format!("{}（负责人）", principal.name),
            notes: Some(notes.to_string()),
            idempotency_key: None,
        },
    )
    .await?;
    Ok(visit.id)
}

async fn raise(
    state: &AppState,
    zone: &Zone,
    story: &mut Story,
    last_visit: &mut HashMap<usize, i64>,
    visit_count: &mut usize,
) -> AppResult<()> {
    let (company_id, principal, officer) = &zone.companies[story.company];
    let officer = &zone.officers[officer.expect("requests come from served companies")];
    let urgency = if story.kind == RequestKind::Complaint {
        Urgency::Urgent
    } else {
        Urgency::Normal
    };
    let request = match story.channel {
        Channel::App => {
            let raise = Raise {
                company_id: None,
                kind: story.kind,
                category_id: story.category_id,
                urgency,
                title: story.title.to_string(),
                description: story.description.to_string(),
                channel: None,
                idempotency_key: None,
                caller: None,
            };
            requests_service::raise(state, principal, raise).await?
        }
        Channel::Visit => {
            let visit_id = match last_visit.get(&story.company) {
                Some(id) => *id,
                None => {
                    let mut rng = StdRng::seed_from_u64(story.company as u64);
                    let id = record_visit(state, zone, story.company, &mut rng).await?;
                    *visit_count += 1;
                    last_visit.insert(story.company, id);
                    id
                }
            };
            let input = VisitRequestInput {
                kind: story.kind,
                category_id: story.category_id,
                urgency,
                title: story.title.to_string(),
                description: story.description.to_string(),
                idempotency_key: None,
            };
            visits_service::raise_from_visit(state, officer, visit_id, input)
                .await?
                .1
        }
        channel => {
            let raise = Raise {
                company_id: Some(*company_id),
                kind: story.kind,
                category_id: story.category_id,
                urgency,
                title: story.title.to_string(),
                description: story.description.to_string(),
                channel: Some(channel),
                idempotency_key: None,
                caller: None,
            };
            requests_service::raise(state, officer, raise).await?
        }
    };
    story.request = Some(request);
    Ok(())
}

async fn act(state: &AppState, zone: &Zone, story: &mut Story, step: Step, rng: &mut StdRng) -> AppResult<()> {
    let request = story.request.clone().expect("raised first");
    let (_, principal, officer) = &zone.companies[story.company];
    let officer = &zone.officers[officer.expect("served")];
    let (id, version) = (request.id, request.version);
    let task_of = |department: usize| async move {
        let department_id = zone.departments[department].0;
        let tasks = state.db.read(move |conn| requests_repo::tasks_of(conn, id)).await?;
        tasks
            .into_iter()
            .find(|t| t.department_id == Some(department_id) && t.status.is_active())
            .map(|t| t.id)
            .ok_or_else(|| AppError::internal("the demo lost track of a task"))
    };
    let updated = match step {
        Step::Accept => {
            // Every fifth request needs higher approval: the coordinated tier's time limits.
            requests_service::accept(state, officer, id, version, Some(id.get() % 5 == 0), None).await?
        }
        Step::Reject => {
            requests_service::reject(
                state,
                officer,
                id,
                version,
                "不属于开发区受理范围，已告知企业向市场监管部门反映",
                None,
            )
            .await?
        }
        Step::Answer => {
            let answer = names::ANSWERS[rng.random_range(0..names::ANSWERS.len())];
            requests_service::answer(state, officer, id, version, answer, None).await?
        }
        Step::Withdraw => requests_service::withdraw(state, principal, id, Some("企业已自行解决"), None).await?,
        Step::Unresolvable => {
            requests_service::mark_unresolvable(
                state,
                officer,
                id,
                version,
                "涉及上级政策调整，现阶段无法解决，已向企业解释",
                &format!("BA-{}-{:04}", state.clock.now().year(), id),
                None,
            )
            .await?
        }
        Step::Dispatch => {
            let lead = (story.company + id.get() as usize) % zone.departments.len();
            story.departments = vec![lead];
            let mut targets = vec![DispatchTarget {
                department_id: zone.departments[lead].0,
                lead: true,
            }];
            if id.get() % 4 == 0 && zone.departments.len() > 1 {
                let assist = (lead + 1) % zone.departments.len();
                story.departments.push(assist);
                targets.push(DispatchTarget {
                    department_id: zone.departments[assist].0,
                    lead: false,
                });
            }
            let dispatch = requests_service::Dispatch {
                targets,
                note: Some("请按时限办理并反馈方案".into()),
                ..Default::default()
            };
            requests_service::dispatch(state, officer, id, version, dispatch, None)
                .await?
                .0
        }
        Step::Transfer => {
            let from = story.departments[0];
            let to = (from + 2) % zone.departments.len();
            if to == from || story.departments.contains(&to) {
                return Ok(());
            }
            let task = task_of(from).await?;
            let clerk = &zone.departments[from].1;
            let (_, updated) = requests_service::transfer(
                state,
                clerk,
                task,
                zone.departments[to].0,
                "属于兄弟部门职责，转办",
                None,
            )
            .await?;
            story.departments[0] = to;
            updated
        }
        Step::Sign => {
            let mut updated = request.clone();
            for department in story.departments.clone() {
                let task = task_of(department).await?;
                updated = requests_service::sign(state, &zone.departments[department].1, task, None)
                    .await?
                    .1;
            }
            updated
        }
        Step::Plan => {
            let mut updated = request.clone();
            for department in story.departments.clone() {
                let task = task_of(department).await?;
                let clerk = &zone.departments[department].1;
                let due = state.clock.now_naive() + Duration::days(rng.random_range(2..10));
                updated = requests_service::submit_plan(
                    state,
                    clerk,
                    task,
                    &format!("{}（科长）", clerk.name),
                    names::APPROACHES[rng.random_range(0..names::APPROACHES.len())],
                    due,
                    None,
                )
                .await?
                .1;
            }
            updated
        }
        Step::Complete => {
            let mut updated = request.clone();
            // Assisting departments finish first, the lead last (which resolves the request).
            for department in story.departments.iter().rev() {
                let task = task_of(*department).await?;
                let clerk = &zone.departments[*department].1;
                let result = names::RESULTS[rng.random_range(0..names::RESULTS.len())];
                updated = requests_service::complete_task(state, clerk, task, result, None)
                    .await?
                    .1;
            }
            updated
        }
        Step::Confirm { solved, satisfied } => {
            let comment = (!satisfied).then_some("问题没有真正解决，希望再跟进");
            requests_service::confirm(state, principal, id, solved, satisfied, comment, None).await?
        }
    };
    story.request = Some(updated);
    Ok(())
}

async fn report(state: &AppState, zone: &Zone, password: String, visits: usize) -> AppResult<DemoReport> {
    let (by_status, by_channel, flags) = state
        .db
        .read(|conn| {
            let by_status = requests_repo::counts_by_status(conn, Scope::All)?;
            let mut by_channel = Vec::new();
            for channel in Channel::ALL {
                by_channel.push((*channel, repo::requests_by_channel(conn, *channel)?));
            }
            let flags = repo::replacement_flags(conn)?;
            Ok((by_status, by_channel, flags as usize))
        })
        .await?;
    let first_department = &zone.departments[0].1;
    let first_officer = &zone.officers[0];
    let first_company = &zone.companies[0].1;
    let login = |actor: &Actor, phone: String| DemoLogin {
        role: actor.role,
        phone,
        name: actor.name.clone(),
    };
    Ok(DemoReport {
        password,
        logins: vec![
            login(&zone.admin, state.config.admin_phone.clone()),
            login(first_officer, phone("139", 1)),
            login(first_department, phone("137", 1)),
            login(first_company, phone("136", 1)),
        ],
        companies: zone.companies.len(),
        officers: zone.officers.len(),
        departments: zone.departments.len(),
        visits,
        by_status,
        by_channel,
        flags,
    })
}

impl DemoReport {
    /// What `zhitong seed-demo` prints.
    pub fn render(&self) -> String {
        let mut out = format!(
            "Seeded a demo zone: {} companies, {} officers, {} departments, {} visits, {} requests, {} replacement flag(s).\n",
            self.companies,
            self.officers,
            self.departments,
            self.visits,
            self.by_status.iter().map(|(_, n)| n).sum::<i64>(),
            self.flags
        );
        out.push_str("Requests by status:  ");
        let statuses: Vec<String> = self.by_status.iter().map(|(s, n)| format!("{s} {n}")).collect();
        out.push_str(&statuses.join(", "));
        out.push_str("\nRequests by channel: ");
        let channels: Vec<String> = self.by_channel.iter().map(|(c, n)| format!("{c} {n}")).collect();
        out.push_str(&channels.join(", "));
        out.push_str("\nLog in (every demo account has the same password):\n");
        for login in &self.logins {
            out.push_str(&format!(
                "  {:<10} phone {}  password {}  ({})\n",
                login.role.as_str(),
                login.phone,
                self.password,
                login.name
            ));
        }
        out
    }
}
