//! Text search over Chinese (and mixed Chinese–Latin) text, with no database and no domain:
//! `segment` turns a text into terms (jieba segmentation in search mode, stop words dropped,
//! the zone's synonyms folded onto one spelling), `bm25` scores a query's terms against a
//! document's, and `measure` counts a ranking's precision and recall against labels. Similar
//! requests use it (`requests::similar`); a knowledge base can index its articles with the same
//! calls.

pub mod bm25;
pub mod measure;
pub mod segment;

pub use bm25::{rarest, Bm25, Corpus};
pub use segment::{terms, TermCounts};
