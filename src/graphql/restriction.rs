//! Holds a restricted caller (see [`Restriction`]) to the root fields it may still call: every
//! operation of the document is checked before anything runs, over `POST /graphql` and over
//! the websocket alike. Root fields are compared by their real names, so an alias changes
//! nothing; fragments at the root are followed.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerResult, Variables};

use super::context::{RequestAuth, Restriction};

pub struct Restrictions;

impl ExtensionFactory for Restrictions {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RestrictionsExtension)
    }
}

struct RestrictionsExtension;

fn root_fields_allowed(document: &ExecutableDocument, set: &SelectionSet, allowed: &[&str], depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            let name = field.node.name.node.as_str();
            name == "__typename" || allowed.contains(&name)
        }
        Selection::InlineFragment(fragment) => {
            root_fields_allowed(document, &fragment.node.selection_set.node, allowed, depth + 1)
        }
        Selection::FragmentSpread(spread) => document
            .fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|f| root_fields_allowed(document, &f.node.selection_set.node, allowed, depth + 1)),
    })
}

/// True when every operation of `document` calls only fields `restriction` allows.
pub fn allows(restriction: &Restriction, document: &ExecutableDocument) -> bool {
    document
        .operations
        .iter()
        .all(|(_, operation)| root_fields_allowed(document, &operation.node.selection_set.node, restriction.allowed, 0))
}

#[async_trait::async_trait]
impl Extension for RestrictionsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let restriction = ctx.data_opt::<RequestAuth>().and_then(|auth| auth.restriction.as_ref());
        match restriction {
            Some(restriction) if !allows(restriction, &document) => {
                let error: async_graphql::Error = restriction.error.clone().into();
                Err(error.into_server_error(async_graphql::Pos::default()))
            }
            _ => Ok(document),
        }
    }
}
