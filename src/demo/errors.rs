//! Why seeding the demonstration zone was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of `seed-demo`.
    pub enum DemoReason {
        DEMO_DATABASE_NOT_EMPTY => "演示数据只能写入空数据库；当前已有 {accounts} 个账号、{companies} 家企业和 {requests} 条诉求", "seed-demo fills an empty database only; this one has {accounts} accounts, {companies} companies and {requests} requests";
        DEMO_ZONE_INCOMPLETE => "演示数据至少需要一名服务专员、一个部门和一家企业", "the demo needs at least one officer, department and company";
    }
}
