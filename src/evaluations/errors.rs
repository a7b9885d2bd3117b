//! Why an evaluation operation was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of the twice-yearly officer evaluation: periods, votes, replacement flags and
    /// award eligibility.
    pub enum EvaluationsReason {
        EVALUATION_CLOSED => "当前没有开放的评价期", "no evaluation period is open";
        PRINCIPAL_ONLY_EVALUATES => "只有企业负责人可以参与服务专员评价", "only a company's principal takes part in officer evaluations";
        EVALUATION_YEAR_OUT_OF_RANGE => "年份应在 2000 至 2100 之间", "year must be between 2000 and 2100";
        EVALUATION_CLOSES_BEFORE_OPENS => "截止时间应晚于开始时间", "closesAt must be after opensAt";
        EVALUATION_CLOSES_IN_PAST => "截止时间应晚于当前时间", "closesAt must be in the future";
        EVALUATION_PERIOD_EXISTS => "{period} 评价期已存在", "the {period} evaluation period already exists";
        EVALUATION_PERIOD_OVERLAPS => "与另一个尚未结束的评价期时间重叠", "another evaluation period that is not closed overlaps this window";
        EVALUATION_PERIOD_NOT_FOUND => "找不到该评价期", "evaluation period not found";
        EVALUATION_ALREADY_CLOSED => "该评价期已结束", "the evaluation period is already closed";
        NO_OFFICER_TO_RATE => "贵企业暂无服务专员，无需评价", "your company has no service officer to rate";
        OFFICER_NOT_YOURS => "该专员不服务贵企业，请评价当前服务专员", "this officer does not serve your company; rate your current officer";
        NO_OPEN_FLAG => "该企业没有待处理的更换标记，请使用“指派专员”", "the company has no open replacement flag; use assignOfficer";
        NEW_OFFICER_FLAGGED => "该专员在此企业已被标记为需更换，请另选专员", "this officer is flagged for replacement at this company";
        SUGGESTIONS_OUT_OF_RANGE => "推荐人数应在 1 至 {max} 之间", "first must be between 1 and {max}";
        ELIGIBILITY_OFFICER_NOT_FOUND => "找不到该服务专员", "no such officer";
        VOTE_NOT_FOUND => "找不到该评价", "vote not found";
    }
}
