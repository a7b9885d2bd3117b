//! The house plan of `docs/architecture.md`, checked against the code: the `crate::…` paths each
//! domain folder uses must be exactly the dependencies the document allows, those must form no
//! cycle, the core must use no domain, and no domain may use the shell.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Top-level modules that are neither domains nor shell: the core every part may use.
const CORE: &[&str] = &[
    "actor",
    "ids",
    "text",
    "error",
    "clock",
    "config",
    "state",
    "db",
    "graphql",
    "spreadsheet",
    "metrics",
    "blobs",
    "search",
];
/// The shell, which may use any domain and which no domain may use.
const SHELL: &[&str] = &["app", "workers", "demo", "cli"];
/// Macros exported at the crate root (`crate::connection_types!`), not modules.
const MACROS: &[&str] = &["connection_types", "stored_enum", "text_enum"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names through `crate::`, comments left out. Handles groups
/// (`use crate::{a::b, c::{d, e}};`, over several lines too).
fn crate_modules(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let Some(group) = rest.strip_prefix('{') else {
            found.insert(ident(rest));
            continue;
        };
        // Only the first segment of each item at the group's own level names a module.
        let (mut depth, mut item_start) = (0usize, true);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => item_start = true,
                c if c.is_whitespace() => {}
                _ if item_start && depth == 0 => {
                    found.insert(ident(&group[i..]));
                    item_start = false;
                }
                _ => {}
            }
        }
    }
    found.remove("");
    for name in MACROS {
        found.remove(*name);
    }
    found
}

/// The domain folders: every folder of `src/` that is neither core nor shell.
fn domains() -> BTreeSet<String> {
    fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|name| !CORE.contains(&name.as_str()) && !SHELL.contains(&name.as_str()))
        .collect()
}

/// What each domain's files use, split into the non-GraphQL files and the `graphql` module.
fn used(domains: &BTreeSet<String>) -> (Graph, Graph, Vec<String>) {
    let mut core = Graph::new();
    let mut graphql = Graph::new();
    let mut shell_uses = Vec::new();
    for domain in domains {
        let mut files = Vec::new();
        rust_files(&src().join(domain), &mut files);
        core.entry(domain.clone()).or_default();
        graphql.entry(domain.clone()).or_default();
        for file in files {
            let relative = file.strip_prefix(src().join(domain)).unwrap();
            let in_graphql = relative.components().any(|c| {
                let c = c.as_os_str().to_string_lossy();
                c == "graphql" || c == "graphql.rs"
            });
            let source = fs::read_to_string(&file).unwrap();
            for module in crate_modules(&source) {
                if SHELL.contains(&module.as_str()) {
                    shell_uses.push(format!("{} uses the shell module `{module}`", file.display()));
                }
                if &module == domain || !domains.contains(&module) {
                    continue;
                }
                let graph = if in_graphql { &mut graphql } else { &mut core };
                graph.get_mut(domain).unwrap().insert(module);
            }
        }
    }
    (core, graphql, shell_uses)
}

/// The list between `<!-- {marker}: begin -->` and its end in docs/architecture.md:
/// lines like ``- `requests` → `audit`, `sla` ``.
fn allowed(marker: &str) -> Graph {
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md")).unwrap();
    let begin = format!("<!-- {marker}: begin -->");
    let end = format!("<!-- {marker}: end -->");
    let start = doc
        .find(&begin)
        .unwrap_or_else(|| panic!("docs/architecture.md lacks {begin}"))
        + begin.len();
    let stop = doc[start..]
        .find(&end)
        .unwrap_or_else(|| panic!("docs/architecture.md lacks {end}"))
        + start;
    let mut graph = Graph::new();
    for line in doc[start..stop].lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line
            .strip_prefix("- ")
            .unwrap_or_else(|| panic!("not a list line: {line}"));
        let (from, to) = line.split_once('→').unwrap_or_else(|| panic!("no arrow in: {line}"));
        let name = |s: &str| s.trim().trim_matches('`').to_string();
        let targets = to.split(',').map(name).filter(|t| !t.is_empty()).collect();
        assert!(
            graph.insert(name(from), targets).is_none(),
            "{marker}: {from} is listed twice"
        );
    }
    graph
}

/// One cycle of `graph`, if it has any, as the path that closes it.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Differences between what the code uses and what the document allows, one line each.
fn compare(kind: &str, used: &Graph, listed: &Graph, problems: &mut Vec<String>) {
    for (domain, targets) in used {
        let allowed = listed.get(domain).cloned().unwrap_or_default();
        for target in targets.difference(&allowed) {
            problems.push(format!(
                "{kind}: `{domain}` uses `{target}`, which docs/architecture.md does not allow"
            ));
        }
        for target in allowed.difference(targets) {
            problems.push(format!(
                "{kind}: docs/architecture.md lists `{domain}` → `{target}`, which the code no longer uses"
            ));
        }
    }
    for domain in listed.keys().filter(|d| !used.contains_key(*d)) {
        problems.push(format!(
            "{kind}: docs/architecture.md lists `{domain}`, which is not a folder of src/"
        ));
    }
}

#[test]
fn domain_dependencies_follow_the_plan() {
    let domains = domains();
    let (core_used, graphql_used, shell_uses) = used(&domains);
    let core_listed = allowed("dependencies");
    let graphql_listed = allowed("graphql dependencies");

    let mut problems = shell_uses;
    for domain in &domains {
        if !core_listed.contains_key(domain) {
            problems.push(format!(
                "the domain folder `{domain}` is missing from docs/architecture.md's list"
            ));
        }
    }
    compare("models, repos and services", &core_used, &core_listed, &mut problems);

    // The graphql module may use what its domain may use, plus its own list.
    let graphql_extra: Graph = graphql_used
        .iter()
        .map(|(domain, targets)| {
            let base = core_listed.get(domain).cloned().unwrap_or_default();
            (domain.clone(), targets.difference(&base).cloned().collect())
        })
        .filter(|(_, targets): &(String, BTreeSet<String>)| !targets.is_empty())
        .collect();
    let graphql_used_full: Graph = graphql_extra
        .iter()
        .map(|(d, t)| (d.clone(), t.clone()))
        .chain(
            graphql_listed
                .keys()
                .filter(|d| !graphql_extra.contains_key(*d))
                .map(|d| (d.clone(), BTreeSet::new())),
        )
        .collect();
    compare("graphql modules", &graphql_used_full, &graphql_listed, &mut problems);

    if let Some(cycle) = find_cycle(&core_listed) {
        problems.push(format!("the allowed dependencies form a cycle: {}", cycle.join(" → ")));
    }
    assert!(
        problems.is_empty(),
        "the code and docs/architecture.md disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_core_uses_no_domain() {
    let domains = domains();
    let mut problems = Vec::new();
    for module in CORE {
        let dir = src().join(module);
        let mut files = Vec::new();
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(src().join(format!("{module}.rs")));
        }
        // The wiring (settings and state) may name `auth`: the first admin's phone check, the
        // token keys.
        let wiring = matches!(*module, "config" | "state");
        for file in files {
            for used in crate_modules(&fs::read_to_string(&file).unwrap()) {
                let shell = SHELL.contains(&used.as_str());
                let domain = domains.contains(&used) && !(wiring && used == "auth");
                if shell || domain {
                    problems.push(format!("{} (core) uses `{used}`", file.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checks_see_paths_and_cycles() {
    let modules = crate_modules(
        "use crate::requests::model::Request; // crate::stats in a comment\n\
         use crate::{audit::{self, Audited},\n    companies::repo};\n\
         crate::connection_types!(A, B, C, \"a\");\n\
         let x = crate::sla::limits::due_from(1);",
    );
    let expected: BTreeSet<String> = ["requests", "audit", "companies", "sla"].map(String::from).into();
    assert_eq!(modules, expected);

    let mut graph = Graph::new();
    graph.insert("a".into(), ["b".to_string()].into());
    graph.insert("b".into(), ["c".to_string()].into());
    graph.insert("c".into(), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);
    graph.get_mut("c").unwrap().insert("a".into());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
