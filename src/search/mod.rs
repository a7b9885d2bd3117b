//! Text search over Chinese (and mixed Chinese–Latin) text, with no database and no domain:
//! `segment` turns a text into terms (jieba segmentation in search mode, stop words dropped,
//! the zone's synonyms folded onto one spelling) and `bm25` scores a query's terms against a
//! document's. Similar requests use it today (`requests::similar`); a knowledge base can later
//! index its articles with the same two calls.

pub mod bm25;
pub mod segment;

pub use bm25::{Bm25, Corpus};
pub use segment::{terms, TermCounts};
