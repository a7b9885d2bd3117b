//! Limits that keep any single request cheap, and the check of raw query text that runs before
//! async-graphql parses it (its parser recurses on nested argument values without a bound).

pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 5_000;
pub const MAX_DIRECTIVES: usize = 8;
pub const MAX_RECURSIVE_DEPTH: usize = 32;
pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// Deepest nesting of `{`, `[` and `(` allowed in a document.
pub const MAX_NESTING: usize = 40;
/// Aliases in one document, `__typename` included (see `validation`).
pub const MAX_ALIASES: usize = 30;
/// Directives in one document, all fields together (`MAX_DIRECTIVES` is per field).
pub const MAX_DOCUMENT_DIRECTIVES: usize = 32;
/// Fields in one document once its fragments are expanded, `__typename` included.
pub const MAX_EXPANDED_FIELDS: usize = 500;

/// Refuses documents that are too long or nested too deeply, looking only at the text:
/// brackets inside strings, block strings and comments do not count.
pub fn check_query_text(query: &str) -> Result<(), String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!("the query is longer than {MAX_QUERY_BYTES} bytes"));
    }
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!("the query nests deeper than {MAX_NESTING} levels"));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The deepest nesting of arrays and objects in a JSON value (for variables).
pub fn json_depth(value: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            serde_json::Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_queries_pass() {
        check_query_text("query { me { id company { name officer { name } } } }").unwrap();
        check_query_text(r#"mutation { login(phone: "13800000000", password: "{{{[[[") { accessToken } }"#).unwrap();
        check_query_text("# {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\nquery { me { id } }").unwrap();
    }

    #[test]
    fn deep_argument_nesting_is_refused() {
        let deep = format!("query {{ me(x: {}1{}) {{ id }} }}", "[".repeat(2000), "]".repeat(2000));
        assert!(check_query_text(&deep).is_err());
        let deep_objects = format!("query {{ a(x: {}) }}", "{a:".repeat(100));
        assert!(check_query_text(&deep_objects).is_err());
    }

    #[test]
    fn long_queries_are_refused() {
        assert!(check_query_text(&"a".repeat(MAX_QUERY_BYTES + 1)).is_err());
    }

    #[test]
    fn json_depth_counts_levels() {
        assert_eq!(json_depth(&serde_json::json!(1)), 1);
        assert_eq!(json_depth(&serde_json::json!({"a": [1, {"b": []}]})), 4);
    }
}
