//! SMS for what must not be missed (督办, 通报, urgent requests): the notice kinds an admin marks
//! as critical also go out as SMS through Alibaba Cloud SMS or Tencent Cloud SMS. The outbox
//! rows (`sms_deliveries`) are written in the transaction of the notification they carry, and
//! delivered one at a time by the SMS job, each outcome recorded as soon as it is known.
//!
//! Messages are a pre-approved template plus one parameter, the request number: no request
//! content ever leaves in an SMS.

pub mod aliyun;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod sender;
pub mod service;
pub mod tencent;
pub mod worker;
