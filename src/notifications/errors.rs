//! Why a device, a quiet-hours setting or a push delivery was refused: each reason's stable code
//! and its texts.

crate::reasons! {
    /// Refusals of devices, quiet hours and the push outbox.
    pub enum NotificationsReason {
        PUSH_TOKEN_INVALID => "推送令牌无效", "not a push token";
        QUIET_START_INVALID => "开始时间请按 HH:MM 填写，例如 22:00", "use HH:MM, e.g. 22:00";
        QUIET_END_INVALID => "结束时间请按 HH:MM 填写，例如 07:00", "use HH:MM, e.g. 07:00";
        DELIVERY_NOT_FOUND => "找不到该推送记录", "delivery not found";
        DELIVERY_NOT_DEAD => "只有投递失败的推送可以重试", "only dead deliveries can be retried";
        DELIVERY_DEVICE_GONE => "该推送的设备已不存在，无法重试", "the device of this delivery is gone; it cannot be retried";
    }
}
