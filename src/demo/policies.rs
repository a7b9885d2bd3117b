//! The demo's company profiles, policies, packages, uptake and a notice to the zone, driven
//! through the real services like the rest of the demo.

use crate::actor::Actor;
use crate::companies::profile::{CompanyScale, ProfileChange, RevenueBand};
use crate::error::AppResult;
use crate::ids::{CompanyId, PolicyId};
use crate::notices::model::{Audience, NoticeCategory};
use crate::notices::service::{self as notices_service, SendNotice};
use crate::policies::model::Eligibility;
use crate::policies::service::{self as policies_service, DocumentInput, PackageInput, PolicyInput};
use crate::state::AppState;

const AREAS: [&str; 4] = ["北区", "南区", "东区", "高新区"];
const CODES: [&str; 8] = ["C3360", "C3911", "C2710", "C3670", "C1713", "F5191", "I6513", "M7320"];

fn profile_of(i: usize) -> ProfileChange {
    let employees = [12, 45, 120, 260, 299, 480, 900, 2600][i % 8];
    let scale = match employees {
        0..=19 => CompanyScale::Micro,
        20..=299 => CompanyScale::Small,
        300..=999 => CompanyScale::Medium,
        _ => CompanyScale::Large,
    };
    let revenue = [
        RevenueBand::Below5m,
        RevenueBand::From5mTo20m,
        RevenueBand::From20mTo100m,
        RevenueBand::From100mTo400m,
        RevenueBand::Above400m,
    ][i % 5];
    let mut tags = Vec::new();
    if i.is_multiple_of(3) {
        tags.push("专精特新".to_string());
    }
    if i % 4 == 1 {
        tags.push("高新技术企业".to_string());
    }
    if i % 10 == 7 {
        tags.push("外资".to_string());
    }
    ProfileChange {
        scale: Some(Some(scale)),
        employees: Some(Some(employees)),
        revenue_band: Some(Some(revenue)),
        industry_code: Some(CODES[i % CODES.len()].to_string()),
        area: Some(AREAS[i % AREAS.len()].to_string()),
        tags: Some(tags),
    }
}

fn policy(
    title: &str,
    issuer: &str,
    summary: &str,
    eligibility: Eligibility,
    without_application: bool,
) -> PolicyInput {
    PolicyInput {
        title: title.into(),
        issuer: issuer.into(),
        summary: summary.into(),
        valid_from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
        valid_to: chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
        eligibility,
        without_application,
        documents: vec![DocumentInput {
            name: format!("《{title}》实施细则"),
            url: "https://www.example.gov.cn/zcwj/2026/notice.pdf".into(),
        }],
    }
}

/// Fills in every company's profile, publishes five policies in three packages, records some
/// uptake and sends a notice. `companies` are the demo's companies with their principal and
/// officer.
pub(super) async fn seed(
    state: &AppState,
    admin: &Actor,
    officers: &[Actor],
    companies: &[(CompanyId, Actor, Option<usize>)],
) -> AppResult<()> {
    for (i, (company_id, _, _)) in companies.iter().enumerate() {
        policies_service::update_company_profile(state, admin, *company_id, None, profile_of(i)).await?;
    }
    let rules = |f: &dyn Fn(&mut Eligibility)| {
        let mut e = Eligibility::default();
        f(&mut e);
        e
    };
    let inputs = [
        policy(
            "专精特新中小企业研发费用补助",
            "经开区经济发展局",
            "对专精特新中小制造企业按上年度研发投入的10%给予补助，最高50万元。",
            rules(&|e| {
                e.industry_code_prefixes = vec!["C".into()];
                e.all_tags = vec!["专精特新".into()];
                e.employees_below = Some(300);
            }),
            false,
        ),
        policy(
            "高新技术企业所得税减按15%征收",
            "国家税务总局经开区税务局",
            "经认定的高新技术企业减按15%的税率征收企业所得税，由税务部门直接兑现，无需申请。",
            rules(&|e| e.any_tags = vec!["高新技术企业".into()]),
            true,
        ),
        policy(
            "小微企业稳岗返还",
            "经开区人力资源和社会保障局",
            "小微企业上年度未裁员或裁员率不高于参保职工总数20%的，返还上年度失业保险费的60%。",
            rules(&|e| e.scales = vec!["SMALL".into(), "MICRO".into()]),
            false,
        ),
        policy(
            "外资企业增资扩股奖励",
            "经开区商务局",
            "外资企业年度实际到位外资增资超过1000万美元的，按到位外资的1%给予奖励。",
            rules(&|e| e.any_tags = vec!["外资".into()]),
            false,
        ),
        policy(
            "制造业企业技术改造贴息",
            "经开区工业和信息化局",
            "对设备投资额500万元以上的技术改造项目，按贷款利息的50%给予贴息。",
            rules(&|e| {
                e.industry_code_prefixes = vec!["C".into()];
                e.employees_at_least = Some(100);
            }),
            false,
        ),
    ];
    let mut ids: Vec<PolicyId> = Vec::new();
    for input in inputs {
        let draft = policies_service::create_policy(state, admin, input).await?;
        policies_service::publish_policy(state, admin, draft.id).await?;
        ids.push(draft.id);
    }
    for (name, description, items) in [
        (
            "专精特新企业政策包",
            "面向专精特新中小企业的研发、技改支持",
            vec![ids[0], ids[4]],
        ),
        ("小微企业惠企政策包", "稳岗、减税等普惠政策", vec![ids[1], ids[2]]),
        ("开放型经济政策包", "外资企业增资、扩产支持", vec![ids[3]]),
    ] {
        policies_service::create_package(
            state,
            admin,
            PackageInput {
                name: name.into(),
                description: description.into(),
                policy_ids: items,
            },
        )
        .await?;
    }
    // Uptake: some companies read and apply for the R&D subsidy; their officers record grants.
    for (company_id, principal, officer) in companies.iter().take(60) {
        let Ok(delivery) = policies_service::mark_read(state, principal, ids[0]).await else {
            continue;
        };
        if company_id.get() % 2 == 0 {
            policies_service::mark_applied(state, principal, delivery.policy_id, None).await?;
            if let (true, Some(officer)) = (company_id.get() % 4 == 0, officer) {
                policies_service::record_grant(
                    state,
                    &officers[*officer],
                    ids[0],
                    *company_id,
                    Some(120_000),
                    Some("首批拨付".into()),
                )
                .await?;
            }
        }
    }
    notices_service::send(
        state,
        admin,
        SendNotice {
            category: NoticeCategory::Outage,
            title: "北区计划检修停电通知".into(),
            body: "因电网检修，北区将于本周六8:00至18:00停电，请相关企业提前做好生产安排。".into(),
            important: true,
            audience: Audience {
                areas: vec!["北区".into()],
                ..Default::default()
            },
        },
    )
    .await?;
    Ok(())
}
