//! Policies (政策) and packages (政策包): policy items with eligibility rules over the company
//! profile, matched to companies and pushed to each newly eligible one once, and the uptake
//! funnel (政策兑现): delivered → read → asked → applied → granted. docs/policies.md.

pub mod errors;
pub mod graphql;
pub mod model;
pub mod repo;
pub mod service;
