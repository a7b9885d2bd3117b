//! The knowledge base (问答知识库): answers to consultations that an officer or admin published,
//! anonymised, so a company typing a question finds an earlier answer, and the policies it is
//! eligible for, before it asks; a company that finds its answer says so, and that is counted.
//! Ranking reuses `crate::search` (jieba terms with character pairs, BM25). docs/knowledge.md.

pub mod errors;
pub mod graphql;
pub mod model;
#[cfg(test)]
mod quality;
pub mod repo;
pub mod service;
