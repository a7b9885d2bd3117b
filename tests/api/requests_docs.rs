//! `docs/requests.md` shows the state machine the server enforces.

const START: &str = "<!-- lifecycle:start -->\n";
const END: &str = "<!-- lifecycle:end -->";

#[test]
fn the_documented_step_table_matches_the_state_machine() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/requests.md");
    let page = std::fs::read_to_string(path).expect("docs/requests.md");
    let start = page.find(START).expect("the start marker") + START.len();
    let end = page.find(END).expect("the end marker");
    let generated = zhitong::requests::lifecycle::markdown();
    if std::env::var("ZHITONG_UPDATE_DOCS").is_ok() {
        let updated = format!("{}{generated}{}", &page[..start], &page[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert!(
        page[start..end] == generated,
        "docs/requests.md is out of date: run ZHITONG_UPDATE_DOCS=1 cargo test --test api requests_docs"
    );
}

#[test]
fn the_documented_event_sentences_match_the_templates() {
    const START: &str = "<!-- timeline:start -->\n";
    const END: &str = "<!-- timeline:end -->";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/requests.md");
    let page = std::fs::read_to_string(path).expect("docs/requests.md");
    let start = page.find(START).expect("the start marker") + START.len();
    let end = page.find(END).expect("the end marker");
    let generated = zhitong::requests::timeline::markdown();
    if std::env::var("ZHITONG_UPDATE_DOCS").is_ok() {
        let updated = format!("{}{generated}{}", &page[..start], &page[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert!(
        page[start..end] == generated,
        "docs/requests.md is out of date: run ZHITONG_UPDATE_DOCS=1 cargo test --test api requests_docs"
    );
}
