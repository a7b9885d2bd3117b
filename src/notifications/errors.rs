//! Why a device, a quiet-hours setting or a push delivery was refused: each reason's stable code
//! and its texts.

crate::reasons! {
    /// Refusals of devices, quiet hours and the push outbox.
    pub enum NotificationsReason {
        PUSH_TOKEN_INVALID => "推送令牌无效", "not a push token";
        QUIET_START_INVALID => "开始时间请按 HH:MM 填写，例如 22:00", "use HH:MM, e.g. 22:00";
        QUIET_END_INVALID => "结束时间请按 HH:MM 填写，例如 07:00", "use HH:MM, e.g. 07:00";
        DELIVERY_NOT_FOUND => "找不到该推送记录", "delivery not found";
        DELIVERY_NOT_DEAD => "只有投递失败或被搁置的推送可以重试", "only dead, failed or held deliveries can be retried";
        DELIVERY_DEVICE_GONE => "该推送的设备已不存在，无法重试", "the device of this delivery is gone; it cannot be retried";
        PROVIDER_PLATFORM_MISMATCH => "{provider} 不为 {platform} 设备签发推送令牌", "{provider} does not issue push tokens for {platform}";
        REQUEUE_STATUS_INVALID => "只能重新排队投递失败、出错或被搁置（DEAD、FAILED、HELD）的推送", "only DEAD, FAILED or HELD deliveries can be requeued";
        CREATED_RANGE_REVERSED => "结束时间须晚于开始时间", "must be after createdFrom";
        SMS_KIND_NOT_SENDABLE => "该通知类型不能以短信发送，可选：{kinds}", "not a notice kind that can be sent as SMS; one of {kinds}";
        SMS_DELIVERY_NOT_FOUND => "找不到该短信记录", "SMS delivery not found";
        SMS_DELIVERY_NOT_RETRIABLE => "只有发送失败、被搁置或已过期的短信可以重试", "only failed, held or expired SMS deliveries can be retried";
    }
}
