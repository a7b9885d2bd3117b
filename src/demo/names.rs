//! The demo zone's words: departments, people, companies and the requests they raise.

use crate::requests::model::RequestKind;

pub const DEPARTMENTS: [(&str, &str); 8] = [
    ("城市管理局", "市容、道路、占道与渣土管理"),
    ("供电公司", "用电报装、电力故障与线路迁改"),
    ("自来水公司", "供水报装、水压与管网维修"),
    ("燃气公司", "燃气报装与安全检查"),
    ("自然资源和规划局", "用地、规划许可与不动产登记"),
    ("住房和城乡建设局", "施工许可、竣工验收与消防审验"),
    ("人力资源和社会保障局", "招工、社保与人才政策"),
    ("教育局", "企业人才子女入学"),
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高",
];
const GIVEN: [&str; 25] = [
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超", "霞", "平", "刚", "桂英",
    "建华", "秀兰", "志强", "海燕", "晓东", "文静", "国庆",
];

/// A plausible name for the `n`th person.
pub fn person(n: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[n % SURNAMES.len()],
        GIVEN[(n / SURNAMES.len() + n * 3) % GIVEN.len()]
    )
}

const FIRMS: [&str; 20] = [
    "攀华", "鑫达", "恒通", "华信", "瑞丰", "金桥", "宏远", "中科", "联创", "天成", "博远", "新奥", "长风", "和泰",
    "德润", "众合", "星辰", "嘉禾", "顺安", "东方",
];
const TRADES: [&str; 10] = [
    "板材",
    "精密机械",
    "新材料",
    "电子科技",
    "食品",
    "物流",
    "医药",
    "汽车零部件",
    "智能装备",
    "包装",
];

/// A unique company name for the `n`th company.
pub fn company(n: usize) -> String {
    let base = format!(
        "{}{}有限公司",
        FIRMS[n % FIRMS.len()],
        TRADES[(n / FIRMS.len()) % TRADES.len()]
    );
    match n / (FIRMS.len() * TRADES.len()) {
        0 => base,
        k => format!("{}（{}分公司）", base.trim_end_matches("有限公司"), k + 1),
    }
}

pub const INDUSTRIES: [&str; 6] = ["制造业", "信息技术", "物流", "生物医药", "新材料", "食品加工"];
pub const ROADS: [&str; 6] = ["兴业", "创新", "科技", "发展", "光明", "经纬"];

/// (kind, title, description, category id as seeded: 1 permits … 12 environment)
pub const ISSUES: [(RequestKind, &str, &str, i64); 16] = [
    (
        RequestKind::Problem,
        "夜间生产经常跳闸",
        "10 kV 线路故障，近一个月夜班停电三次，影响订单交付。",
        3,
    ),
    (
        RequestKind::Problem,
        "厂区门口道路积水",
        "雨后厂区门口积水严重，货车无法进出。",
        7,
    ),
    (
        RequestKind::Consultation,
        "高新技术企业认定条件",
        "想了解今年高新技术企业认定的申报条件和时间。",
        11,
    ),
    (
        RequestKind::Problem,
        "新厂房用水报装进度慢",
        "新厂房已竣工，供水报装提交两周仍未接通。",
        2,
    ),
    (
        RequestKind::Consultation,
        "员工子女入学政策",
        "新引进工程师的子女如何在区内学校入学？",
        9,
    ),
    (
        RequestKind::Problem,
        "施工许可材料反复退回",
        "二期厂房施工许可材料被退回三次，每次要求不一致。",
        1,
    ),
    (
        RequestKind::Suggestion,
        "建议增开园区通勤公交",
        "早晚高峰员工通勤困难，建议增开园区公交线路。",
        7,
    ),
    (
        RequestKind::Complaint,
        "邻近工地夜间施工扰民",
        "隔壁工地夜间施工噪音大，员工宿舍无法休息。",
        12,
    ),
    (
        RequestKind::Problem,
        "天然气压力不足",
        "冬季用气高峰时锅炉压力不足，影响生产。",
        4,
    ),
    (
        RequestKind::Consultation,
        "稳岗补贴如何申领",
        "企业今年没有裁员，是否可以申请稳岗补贴？",
        8,
    ),
    (
        RequestKind::Problem,
        "招工难，技术工人缺口大",
        "急需焊工 30 名，希望人社部门协助对接技校。",
        8,
    ),
    (
        RequestKind::Consultation,
        "设备更新贷款贴息政策",
        "购置新设备的贷款能否享受贴息？需要哪些材料？",
        10,
    ),
    (
        RequestKind::Problem,
        "不动产证办理卡在测绘",
        "土地证办理卡在测绘环节一个多月。",
        5,
    ),
    (
        RequestKind::Suggestion,
        "建议设立园区政务服务点",
        "建议在园区设立政务服务自助点，减少往返市区。",
        1,
    ),
    (
        RequestKind::Problem,
        "消防验收排期太久",
        "新车间等待消防验收排期超过一个月。",
        6,
    ),
    (
        RequestKind::Complaint,
        "污水管网堵塞无人处理",
        "厂区外市政污水管网堵塞，多次反映无人处理。",
        12,
    ),
];

pub const VISIT_NOTES: [&str; 5] = [
    "企业生产正常，反映用电不稳定，已记录。",
    "订单饱满，招工压力大，需跟进人社对接。",
    "企业计划扩产，关注用地指标。",
    "企业对近期服务满意，无新诉求。",
    "了解到融资需求，已介绍贴息政策。",
];

pub const ANSWERS: [&str; 4] = [
    "已将申报条件和材料清单发给企业，并约定下周上门辅导。",
    "按现行政策可以办理，已告知办理流程和窗口。",
    "已联系教育局确认入学安排，材料清单已发给企业。",
    "政策细则已发至企业邮箱，有疑问可随时联系。",
];

pub const APPROACHES: [&str; 4] = [
    "安排专人现场勘查，三个工作日内拿出整改方案。",
    "协调施工队伍加班抢修，先恢复再彻底整改。",
    "开通绿色通道，材料一次性告知，限时办结。",
    "联合相关单位现场会商，明确责任分工。",
];

pub const RESULTS: [&str; 4] = [
    "已完成抢修，线路恢复正常，后续加强巡检。",
    "已办结，相关证照已送达企业。",
    "问题已整改到位，企业现场确认。",
    "已协调解决，并建立定期回访机制。",
];
