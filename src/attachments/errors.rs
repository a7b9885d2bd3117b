//! Why an attachment operation was refused: each reason's stable code and its texts (the
//! download route answers a missing attachment with `ATTACHMENT_NOT_FOUND` too).

crate::reasons! {
    /// Refusals of the files added to requests and their events.
    pub enum AttachmentsReason {
        ATTACHMENT_NOT_FOUND => "找不到该附件", "attachment not found";
        ATTACHMENT_NAME_MISSING => "文件需要有文件名", "the file needs a name";
        ATTACHMENT_INTERNAL_FORBIDDEN => "企业人员只能添加公开附件", "company staff add public attachments only";
        ATTACHMENT_TOO_LARGE => "文件不能超过 {max} 字节", "a file has at most {max} bytes";
        ATTACHMENT_EMPTY => "文件内容为空", "the file is empty";
        ATTACHMENT_TYPE_NOT_ACCEPTED => "仅支持照片（JPEG、PNG、WebP、HEIC）、PDF 以及 Word 或 Excel 文档", "only photos (JPEG, PNG, WebP, HEIC), PDF and Word or Excel documents are accepted";
        ATTACHMENT_EVENT_NOT_FOUND => "该诉求没有此处理记录", "no such event on this request";
        ATTACHMENTS_LIMIT_REACHED => "每条诉求最多 {max} 个附件", "a request holds at most {max} attachments";
        ATTACHMENT_NO_THUMBNAIL => "该附件没有缩略图", "this attachment has no thumbnail";
        ATTACHMENT_SIZE_UNKNOWN => "size 只能是 thumb", "size is `thumb` or left out";
        ATTACHMENT_NOT_AN_UPLOAD => "请以 multipart 方式上传文件", "send the file as a multipart upload";
    }
}
