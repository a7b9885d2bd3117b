//! Why a similar-request search or a caller was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of similar-request suggestions and of the caller recorded at intake.
    pub enum SimilarReason {
        COMPANIES_SEE_NO_OTHERS => "企业只能查看本企业的诉求，不能查看其他企业的相似诉求", "companies see only their own requests, not similar requests of other companies";
        DEPARTMENTS_SEE_NO_SIMILAR => "相似诉求仅供服务专员和管理员查看", "similar requests are shown to officers and admins only";
        SIMILAR_FIRST_RANGE => "建议条数须在 1 到 {max} 之间", "ask for between 1 and {max} suggestions";
        CALLER_ONLY_HOTLINE_OR_VISIT => "只有经热线（HOTLINE）或走访（VISIT）受理的诉求才记录来电人或接待人", "a caller is recorded only for requests taken on the HOTLINE or on a VISIT";
        CALLER_ONLY_HANDLERS => "只有服务专员或管理员代企业提交诉求时才记录来电人", "a caller is recorded only when an officer or admin raises the request for the company";
    }
}
