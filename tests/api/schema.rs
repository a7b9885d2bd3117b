//! The committed contract: `schema.graphql` matches the code, and everything in it is described
//! for the mobile developers who generate their clients from it.

use serde_json::Value;

#[test]
fn schema_file_matches_the_code() {
    let generated = zhitong::app::schema::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    if std::env::var("ZHITONG_UPDATE_SCHEMA").is_ok() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema.graphql is out of date: run `cargo run -- print-schema --output schema.graphql` (or ZHITONG_UPDATE_SCHEMA=1 cargo test --test api schema) and commit it"
    );
}

const INTROSPECTION: &str = r#"{ __schema { types { name kind description
    fields(includeDeprecated: true) { name description args { name description } }
    inputFields { name description }
    enumValues(includeDeprecated: true) { name description } } } }"#;

#[actix_rt::test]
async fn every_type_field_argument_and_enum_value_is_described() {
    let schema = zhitong::app::schema::build_schema(None);
    let response = schema.execute(INTROSPECTION).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().unwrap();
    let mut missing = Vec::new();
    let described = |v: &Value| v["description"].as_str().is_some_and(|d| !d.trim().is_empty());
    for ty in data["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        // Introspection types and the spec's built-in scalars are described by the GraphQL
        // specification and are not printed in the SDL.
        if name.starts_with("__") || ["ID", "String", "Int", "Float", "Boolean"].contains(&name) {
            continue;
        }
        if !described(ty) {
            missing.push(name.to_string());
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.push(format!("{name}.{}", field["name"]));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!("{name}.{}({})", field["name"], arg["name"]));
                }
            }
        }
        for input in ty["inputFields"].as_array().into_iter().flatten() {
            if !described(input) {
                missing.push(format!("{name}.{}", input["name"]));
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            if !described(value) {
                missing.push(format!("{name}::{}", value["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}
