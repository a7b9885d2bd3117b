//! Similar requests and the caller at intake.
//!
//! When a request is raised, zhitong finds the open requests of any company that are likely the
//! same problem: their text scored with BM25 over jieba-segmented terms (`crate::search`), mixed
//! with category closeness (same category, or one of a related group) and time closeness.
//! Each request's terms are kept in `request_search_docs`/`request_search_terms`, written in the
//! raising transaction (`index`); requests written before the index existed are indexed by the
//! `run_once` job. How many requests hold each term (BM25's rarity) is kept as counts plus the
//! changes raises append, folded every minute by `fold_term_counts`. Officers and admins see the suggestions with their score; companies and
//! departments see none. `callers` records who called the hotline or was met on a visit.

pub mod callers;
pub mod errors;
pub mod model;
#[cfg(test)]
mod quality;
pub mod repo;
pub mod service;

pub use service::*;
