//! Why a statistics query or a ledger export was refused: each reason's stable code and its
//! texts.

crate::reasons! {
    /// Refusals of the statistics and of the ledger's CSV export parameters.
    pub enum StatsReason {
        STATS_DATE_OUT_OF_RANGE => "结束日期超出范围", "`to` is out of range";
        EXPORT_UNKNOWN_VALUE => "参数 {field} 的取值无法识别：{value}", "{field}: unknown value {value}";
        EXPORT_TIME_INVALID => "参数 {field} 应为 RFC 3339 格式的时间", "{field} is not an RFC 3339 time";
        EXPORT_OVERDUE_INVALID => "参数 overdue 只能为 true 或 false", "overdue is true or false";
        EXPORT_PARAMETERS_INVALID => "导出参数有误：{detail}", "the export's parameters: {detail}";
    }
}
