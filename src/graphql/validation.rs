//! Checks of the parsed document that async-graphql does not make, run before its own checks
//! (`prepare_request`, so a document refused here is never walked by them):
//!
//! - fragment cycles, and documents whose fragments expand to too many fields (a "fragment bomb"
//!   of fragments spreading the next one twice would otherwise cost 2^n steps);
//! - aliases, counting `__typename` (aliases let one request run a resolver many times, and
//!   complexity does not count `__typename`);
//! - directives in the whole document, beside async-graphql's per-field limit;
//! - credential mutations (`login`, `refreshToken`, …) only as the single root field;
//! - introspection only for admins unless opened in the configuration (async-graphql would
//!   answer a null `__schema` without saying why).
//!
//! It also keeps field suggestions ("Did you mean …?") out of validation errors for callers who
//! may not introspect, since they reveal the schema piece by piece.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Request, ServerError, ServerResult, ValidationResult, Value, Variables};

use super::context::RequestAuth;
use super::limits::{
    DEFAULT_PAGE_SIZE, MAX_ALIASES, MAX_COMPLEXITY, MAX_DOCUMENT_DIRECTIVES, MAX_EXPANDED_FIELDS, MAX_PAGE_SIZE,
};
use crate::state::AppState;

/// Mutations that handle credentials: allowed only alone in their operation, so one request
/// cannot try many passwords or tokens.
pub const CREDENTIAL_MUTATIONS: &[&str] = &["login", "refreshToken", "logout", "changePassword", "resetUserPassword"];

/// What a document costs once every fragment spread is expanded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub fields: usize,
    pub aliases: usize,
    pub directives: usize,
    /// Fields weighted by page size: what a field under `first: n` selects counts n times.
    pub complexity: usize,
}

impl Cost {
    fn add(self, other: Cost) -> Cost {
        Cost {
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
            directives: self.directives.saturating_add(other.directives),
            complexity: self.complexity.saturating_add(other.complexity),
        }
    }
}

/// How many items a field with a `first` argument may return: the literal or variable value,
/// or the default page size, within the allowed range.
fn page_size(field: &async_graphql::parser::types::Field, variables: &Variables) -> usize {
    let Some((_, value)) = field.arguments.iter().find(|(name, _)| name.node == "first") else {
        return 1;
    };
    let n = match value
        .node
        .clone()
        .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
    {
        Ok(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    n.unwrap_or(i64::from(DEFAULT_PAGE_SIZE))
        .clamp(1, i64::from(MAX_PAGE_SIZE)) as usize
}

/// Why a document is refused, with its error code and the limit at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub limit: Option<&'static str>,
    pub message: String,
}

impl Refusal {
    fn too_complex(limit: &'static str, message: String) -> Refusal {
        Refusal {
            code: "QUERY_TOO_COMPLEX",
            limit: Some(limit),
            message,
        }
    }

    pub fn into_server_error(self) -> ServerError {
        let mut error = ServerError::new(self.message, None);
        let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        extensions.set("code", self.code);
        if let Some(limit) = self.limit {
            extensions.set("limit", limit);
        }
        error
    }
}

enum Memo {
    InProgress,
    Done(Cost),
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    fragments: HashMap<&'a str, Memo>,
}

impl<'a> Walker<'a> {
    /// The expanded cost of a selection set; `Err` names a fragment that spreads itself.
    fn cost(&mut self, set: &'a SelectionSet) -> Result<Cost, String> {
        let mut total = Cost::default();
        for selection in &set.items {
            let cost = match &selection.node {
                Selection::Field(field) => {
                    let children = self.cost(&field.node.selection_set.node)?;
                    let own = Cost {
                        fields: 1,
                        aliases: usize::from(field.node.alias.is_some()),
                        directives: field.node.directives.len(),
                        complexity: 1,
                    };
                    own.add(Cost {
                        complexity: children
                            .complexity
                            .saturating_mul(page_size(&field.node, self.variables)),
                        ..children
                    })
                }
                Selection::InlineFragment(inline) => Cost {
                    directives: inline.node.directives.len(),
                    ..Cost::default()
                }
                .add(self.cost(&inline.node.selection_set.node)?),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let own = Cost {
                        directives: spread.node.directives.len(),
                        ..Cost::default()
                    };
                    own.add(self.fragment(name)?)
                }
            };
            total = total.add(cost);
            if total.fields > MAX_EXPANDED_FIELDS {
                // Enough to refuse; stop before a bomb is walked any further.
                return Ok(total);
            }
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Cost, String> {
        match self.fragments.get(name) {
            Some(Memo::Done(cost)) => return Ok(*cost),
            Some(Memo::InProgress) => return Err(name.to_string()),
            None => {}
        }
        // An unknown fragment is reported by validation; it costs nothing here.
        let Some((key, fragment)) = self.doc.fragments.iter().find(|(k, _)| k.as_str() == name) else {
            return Ok(Cost::default());
        };
        self.fragments.insert(key.as_str(), Memo::InProgress);
        let cost = Cost {
            directives: fragment.node.directives.len(),
            ..Cost::default()
        }
        .add(self.cost(&fragment.node.selection_set.node)?);
        self.fragments.insert(key.as_str(), Memo::Done(cost));
        Ok(cost)
    }
}

/// The names of the root fields of a selection set, through fragments (cycle-safe: the
/// document has no cycles once `check_document` got this far).
fn root_fields<'a>(doc: &'a ExecutableDocument, set: &'a SelectionSet, out: &mut Vec<&'a str>, depth: usize) {
    if depth > 16 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => out.push(field.node.name.node.as_str()),
            Selection::InlineFragment(inline) => root_fields(doc, &inline.node.selection_set.node, out, depth + 1),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    root_fields(doc, &fragment.node.selection_set.node, out, depth + 1);
                }
            }
        }
    }
}

/// Checks a parsed document against the limits; `may_introspect` tells whether the caller may
/// ask for `__schema` and `__type`.
pub fn check_document(doc: &ExecutableDocument, variables: &Variables, may_introspect: bool) -> Result<Cost, Refusal> {
    let mut walker = Walker {
        doc,
        variables,
        fragments: HashMap::new(),
    };
    // Each operation is measured on its own: a request runs one of them.
    let mut largest = Cost::default();
    for (_, operation) in doc.operations.iter() {
        let cost = walker
            .cost(&operation.node.selection_set.node)
            .map_err(|name| Refusal {
                code: "GRAPHQL_VALIDATION_FAILED",
                limit: None,
                message: format!("fragment `{name}` spreads itself"),
            })?
            .add(Cost {
                directives: operation.node.directives.len(),
                ..Cost::default()
            });
        check_cost(&cost)?;
        largest = Cost {
            fields: largest.fields.max(cost.fields),
            aliases: largest.aliases.max(cost.aliases),
            directives: largest.directives.max(cost.directives),
            complexity: largest.complexity.max(cost.complexity),
        };
    }
    // Fragments that no operation uses are refused by validation; check cycles among them too.
    for (name, _) in doc.fragments.iter() {
        walker.fragment(name.as_str()).map_err(|name| Refusal {
            code: "GRAPHQL_VALIDATION_FAILED",
            limit: None,
            message: format!("fragment `{name}` spreads itself"),
        })?;
    }
    for (_, operation) in doc.operations.iter() {
        let mut roots = Vec::new();
        root_fields(doc, &operation.node.selection_set.node, &mut roots, 0);
        if operation.node.ty == OperationType::Mutation && roots.len() > 1 {
            if let Some(credential) = roots.iter().find(|name| CREDENTIAL_MUTATIONS.contains(name)) {
                return Err(Refusal {
                    code: "CREDENTIAL_MUTATION_NOT_ALONE",
                    limit: None,
                    message: format!("`{credential}` must be the only field of its mutation"),
                });
            }
        }
        if !may_introspect && roots.iter().any(|name| *name == "__schema" || *name == "__type") {
            return Err(Refusal {
                code: "FORBIDDEN",
                limit: None,
                message: "introspection is available to administrators only".into(),
            });
        }
    }
    Ok(largest)
}

fn check_cost(cost: &Cost) -> Result<(), Refusal> {
    if cost.fields > MAX_EXPANDED_FIELDS {
        return Err(Refusal::too_complex(
            "fields",
            format!("the query selects more than {MAX_EXPANDED_FIELDS} fields once fragments are expanded"),
        ));
    }
    if cost.aliases > MAX_ALIASES {
        return Err(Refusal::too_complex(
            "aliases",
            format!("the query uses more than {MAX_ALIASES} aliases"),
        ));
    }
    if cost.complexity > MAX_COMPLEXITY {
        return Err(Refusal::too_complex(
            "complexity",
            format!(
                "the query could return more than {MAX_COMPLEXITY} items and fields (each page counts `first` times)"
            ),
        ));
    }
    if cost.directives > MAX_DOCUMENT_DIRECTIVES {
        return Err(Refusal::too_complex(
            "directives",
            format!("the query uses more than {MAX_DOCUMENT_DIRECTIVES} directives"),
        ));
    }
    Ok(())
}

/// Whether the caller of this request may introspect: always when there is no application
/// state (printing the SDL, schema tests), else admins, or everyone when configured open.
fn may_introspect(ctx: &ExtensionContext<'_>, request: &Request) -> bool {
    let Some(state) = ctx.data_opt::<AppState>() else {
        return true;
    };
    if state.config.open_introspection {
        return true;
    }
    let auth = request
        .data
        .get(&std::any::TypeId::of::<RequestAuth>())
        .and_then(|d| d.downcast_ref::<RequestAuth>())
        .or_else(|| ctx.data_opt::<RequestAuth>());
    auth.and_then(|a| a.actor.as_ref())
        .is_some_and(|actor| actor.is_admin())
}

/// The extension that applies `check_document` and hides suggestions.
pub struct DocumentLimits;

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentLimitsExtension {
            may_introspect: std::sync::atomic::AtomicBool::new(false),
        })
    }
}

struct DocumentLimitsExtension {
    /// Set in `prepare_request` for this request (an extension instance serves one request).
    may_introspect: std::sync::atomic::AtomicBool,
}

fn without_suggestion(mut error: ServerError) -> ServerError {
    if let Some(at) = error.message.find(" Did you mean") {
        error.message.truncate(at);
    }
    error
}

#[async_trait::async_trait]
impl Extension for DocumentLimitsExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let may_introspect = may_introspect(ctx, &request);
        self.may_introspect
            .store(may_introspect, std::sync::atomic::Ordering::Relaxed);
        // A document that does not parse is left to async-graphql, which reports it.
        let variables = request.variables.clone();
        if let Ok(doc) = request.parsed_query() {
            check_document(doc, &variables, may_introspect).map_err(Refusal::into_server_error)?;
        }
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if self.may_introspect.load(std::sync::atomic::Ordering::Relaxed) {
            return result;
        }
        result.map_err(|errors| errors.into_iter().map(without_suggestion).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str) -> Result<Cost, Refusal> {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        check_document(&doc, &Variables::default(), false)
    }

    #[test]
    fn an_app_query_passes() {
        let cost = check("query Q { me { id name company { id name } } n: unreadNotificationCount }").unwrap();
        assert_eq!(cost.aliases, 1);
        assert_eq!(cost.fields, 7);
    }

    #[test]
    fn aliases_count_typename() {
        let many: String = (0..=MAX_ALIASES).map(|i| format!("t{i}: __typename ")).collect();
        let refused = check(&format!("{{ {many} }}")).unwrap_err();
        assert_eq!(refused.limit, Some("aliases"));
    }

    #[test]
    fn fragment_bombs_and_cycles_are_refused() {
        let mut query = String::from("query { ...F0 }\n");
        for i in 0..40 {
            query.push_str(&format!("fragment F{i} on Query {{ ...F{} ...F{} }}\n", i + 1, i + 1));
        }
        query.push_str("fragment F40 on Query { __typename }\n");
        assert_eq!(check(&query).unwrap_err().limit, Some("fields"));
        let cycle = check("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }").unwrap_err();
        assert_eq!(cycle.code, "GRAPHQL_VALIDATION_FAILED");
    }

    #[test]
    fn credential_mutations_stand_alone() {
        assert!(check(r#"mutation { login(phone: "1", password: "2") { accessToken } }"#).is_ok());
        let two = check(
            r#"mutation { a: login(phone: "1", password: "2") { accessToken } b: login(phone: "1", password: "3") { accessToken } }"#,
        );
        assert_eq!(two.unwrap_err().code, "CREDENTIAL_MUTATION_NOT_ALONE");
        let hidden = check(
            r#"mutation { ...L __typename } fragment L on Mutation { refreshToken(refreshToken: "x") { accessToken } }"#,
        );
        assert_eq!(hidden.unwrap_err().code, "CREDENTIAL_MUTATION_NOT_ALONE");
    }

    #[test]
    fn introspection_needs_permission() {
        let doc = async_graphql::parser::parse_query("{ __schema { types { name } } }").unwrap();
        let none = Variables::default();
        assert_eq!(check_document(&doc, &none, false).unwrap_err().code, "FORBIDDEN");
        assert!(check_document(&doc, &none, true).is_ok());
        let doc = async_graphql::parser::parse_query("{ ... on Query { __type(name: \"User\") { name } } }").unwrap();
        assert_eq!(check_document(&doc, &none, false).unwrap_err().code, "FORBIDDEN");
    }

    #[test]
    fn pages_multiply_what_they_select() {
        let one = check("{ companies(first: 10) { edges { node { id name } } } }").unwrap();
        assert_eq!(one.complexity, 1 + 10 * (1 + 1 + 2));
        let nested = "query($n: Int) { companies(first: 100) { edges { node { users(first: $n) { edges { node { id name phone } } } } } } }";
        let doc = async_graphql::parser::parse_query(nested).unwrap();
        let small: Variables = serde_json::from_value(serde_json::json!({ "n": 2 })).unwrap();
        assert!(check_document(&doc, &small, false).is_ok());
        let large: Variables = serde_json::from_value(serde_json::json!({ "n": 100 })).unwrap();
        assert_eq!(
            check_document(&doc, &large, false).unwrap_err().limit,
            Some("complexity")
        );
    }

    #[test]
    fn directives_are_counted_across_the_document() {
        let fields: String = (0..=MAX_DOCUMENT_DIRECTIVES)
            .map(|i| format!("f{i}: __typename @include(if: true) "))
            .collect();
        // Over the alias limit as well; the alias limit is checked first.
        assert!(check(&format!("{{ {fields} }}")).is_err());
        let on_one: String = "@include(if: true) ".repeat(MAX_DOCUMENT_DIRECTIVES + 1);
        let refused = check(&format!("{{ __typename {on_one} }}")).unwrap_err();
        assert_eq!(refused.limit, Some("directives"));
    }
}
