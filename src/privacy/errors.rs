//! Why an erasure was refused: each reason's stable code and its texts.

crate::reasons! {
    /// Refusals of the personal-data erasure.
    pub enum PrivacyReason {
        ERASE_USER_NOT_FOUND => "找不到该用户", "user not found";
        ERASE_OWN_ACCOUNT => "不能注销自己的个人信息，请由另一名管理员操作", "you cannot erase your own data; ask another administrator";
        ERASE_ALREADY_DONE => "该用户的个人信息已注销", "this person's data is already erased";
        ERASE_OFFICER_STILL_SERVES => "该专员仍服务 {count} 家企业，请先为这些企业更换专员", "this officer still serves {count} companies; give them another officer first";
    }
}
