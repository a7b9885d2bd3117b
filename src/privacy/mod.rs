//! Personal information (PIPL): what the zone holds about a person, as one JSON document for
//! that person (`myPersonalData`, also downloadable); an admin's erasure of a person's name,
//! phone and free texts outside the legal record (`erasePersonalData`), which keeps requests,
//! timeline and ledger with the person shown as "已注销用户"; and the retention purge of read
//! notifications, sent push and SMS payloads, login-throttle rows and old sessions.
//! `docs/privacy.md` lists every personal field.

pub mod errors;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod retention;
pub mod service;
