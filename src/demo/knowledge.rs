//! The demo's knowledge base: a few answers an admin published for every company, so the
//! company app's "answers before asking" finds something in a fresh demo.

use crate::actor::Actor;
use crate::error::AppResult;
use crate::knowledge::service::{self as knowledge, Publish};
use crate::requests::repo as requests_repo;
use crate::state::AppState;

/// (category code, question, answer)
const ANSWERS: [(&str, &str, &str); 4] = [
    (
        "labour",
        "企业没有裁员，怎样申请失业保险稳岗返还（稳岗补贴）？",
        "上年度未裁员或裁员率不高于规定比例、足额缴纳失业保险的企业，可在人社部门网上服务大厅申报稳岗返还，一般无需提交纸质材料，审核通过后直接返还到企业账户。",
    ),
    (
        "power",
        "新上生产线需要变压器增容，报装流程是什么，要多久？",
        "向供电公司营业厅或网上国网提交增容申请，供电公司现场勘查后出具供电方案，企业确认后进行工程设计和施工，验收合格即可送电。管委会可协调加快办理。",
    ),
    (
        "schooling",
        "外地员工的子女在园区附近上小学，需要准备哪些材料？",
        "一般需要父母一方的居住证、在园区企业连续缴纳的社保证明、户口簿和儿童出生证明，按教育局公布的时间网上报名，园区企业员工子女可申请统筹安排学位。",
    ),
    (
        "finance",
        "小微企业贷款有没有贴息或担保支持？",
        "园区对符合条件的小微企业贷款给予贴息，并有政府性融资担保机构提供担保，担保费率较低。可向服务专员或园区金融服务中心咨询具体条件并提交申请。",
    ),
];

/// Publishes the demo's answers as the admin.
pub async fn seed(state: &AppState, admin: &Actor) -> AppResult<()> {
    let categories = state.db.read(|conn| requests_repo::categories(conn, false)).await?;
    for (code, question, answer) in ANSWERS {
        let Some(category) = categories.iter().find(|c| c.code == code) else {
            continue;
        };
        knowledge::publish(
            state,
            admin,
            Publish {
                request_id: None,
                category_id: Some(category.id),
                question: question.into(),
                answer: answer.into(),
            },
        )
        .await?;
    }
    Ok(())
}
