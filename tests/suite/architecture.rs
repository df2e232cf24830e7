//! The module tree keeps its shape: layers point down (ARCHITECTURE.md), `domain` depends on
//! nothing of the crate, SQL stays in `storage` with one writer per table, and no two
//! top-level modules import each other except through the shared state (`app`); no source
//! file carries more than 500 lines of code. The checker reads the source; a second test
//! runs it on a small tree with each kind of fault, so it is known to fail when it should.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The shared state: every layer may use it, and it holds pieces of several.
const SHARED: &str = "app";

#[test]
fn layers_point_down_and_the_map_matches_the_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let problems = check(&root.join("src"), &root.join("ARCHITECTURE.md"));
    assert!(
        problems.is_empty(),
        "the architecture is broken:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_table_has_one_writer() {
    let storage = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/storage");
    let mut writers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&storage) {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let module = file.file_stem().unwrap().to_string_lossy().into_owned();
        for table in written_tables(&text) {
            writers.entry(table).or_default().insert(module.clone());
        }
    }
    let shared: Vec<String> = writers
        .iter()
        .filter(|(_, modules)| modules.len() > 1)
        .map(|(table, modules)| format!("{table}: {modules:?}"))
        .collect();
    assert!(writers.len() > 10, "the statements were found: {writers:?}");
    assert!(
        shared.is_empty(),
        "tables written by more than one storage module:\n  {}",
        shared.join("\n  ")
    );
}

/// Files stay small enough to read in one sitting: at most this many lines of code before a
/// file's `#[cfg(test)]` block (tests in `tests.rs` files beside a module are not counted).
const MAX_CODE_LINES: usize = 500;

#[test]
fn no_source_file_is_over_the_size_limit() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    assert!(
        files.len() > 50,
        "the source files were found: {}",
        files.len()
    );
    let over: Vec<String> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n != "tests.rs"))
        .filter_map(|f| {
            let lines = code_lines(&std::fs::read_to_string(f).unwrap());
            (lines > MAX_CODE_LINES).then(|| format!("{}: {lines}", f.display()))
        })
        .collect();
    assert!(
        over.is_empty(),
        "files over {MAX_CODE_LINES} lines of code:\n  {}",
        over.join("\n  ")
    );
}

/// Lines before the first `#[cfg(test)]`.
fn code_lines(text: &str) -> usize {
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .count()
}

#[test]
fn the_size_check_counts_code_and_not_tests() {
    let code = "fn a() {}\n".repeat(MAX_CODE_LINES + 1);
    assert_eq!(code_lines(&code), MAX_CODE_LINES + 1);
    let tested = format!("fn a() {{}}\n#[cfg(test)]\n{}", "fn t() {}\n".repeat(900));
    assert_eq!(code_lines(&tested), 1);
}

/// The tables `text` inserts into, updates or deletes from.
fn written_tables(text: &str) -> BTreeSet<String> {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = BTreeSet::new();
    for w in words.windows(3) {
        match w {
            ["INSERT", "INTO", table] | ["DELETE", "FROM", table] => {
                out.insert(table.to_string());
            }
            ["UPDATE", table, "SET"] => {
                out.insert(table.to_string());
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_checker_finds_each_kind_of_fault() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let write = |path: &str, text: &str| {
        let p = src.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let map = dir.path().join("ARCHITECTURE.md");
    std::fs::write(
        &map,
        "| layer | modules | what |\n|---|---|---|\n| 2 | `web` | top |\n\
         | 1 | `storage`, `queue` | middle |\n| 0 | `domain` | rules |\n",
    )
    .unwrap();
    write(
        "lib.rs",
        "pub mod app;\npub mod web;\npub mod storage;\npub mod queue;\npub mod domain;\npub mod extra;\n",
    );
    write("app.rs", "use crate::web::x;\n");
    write(
        "web/mod.rs",
        "use crate::storage::y;\nuse crate::app::App;\n",
    );
    // A layer importing one above it, through a grouped `use`.
    write("storage/mod.rs", "use crate::{domain::Tag, web::router};\n");
    // Two modules of one layer importing each other.
    write("storage/other.rs", "fn f() { crate::queue::run(); }\n");
    write("queue.rs", "use crate::storage::z;\n");
    // Domain importing the crate; SQL outside storage.
    write("domain/mod.rs", "use crate::storage::Db;\n");
    write(
        "web/page.rs",
        "// crate::domain in a comment is fine\nfn g() { let s = \"crate::queue\"; sqlx::query(s); }\n",
    );
    // `extra` is not in the map.
    write("extra.rs", "");
    let problems = check(&src, &map);
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(
        has("storage (layer 1) imports web (layer 2)"),
        "{problems:#?}"
    );
    assert!(has("domain imports storage"), "{problems:#?}");
    assert!(
        has("sqlx outside storage: src/web/page.rs"),
        "{problems:#?}"
    );
    assert!(has("cycle"), "{problems:#?}");
    assert!(has("extra is not in ARCHITECTURE.md"), "{problems:#?}");
    assert!(!has("app"), "the shared state is exempt: {problems:#?}");
    assert!(
        !has("comment"),
        "comments and strings are not imports: {problems:#?}"
    );
}

/// Every problem found in the tree under `src` against the map in `map`.
fn check(src: &Path, map: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let layers = read_layers(map);
    let files = rust_files(src);
    let mut tops: BTreeSet<String> = BTreeSet::new();
    for file in &files {
        if let Some(top) = top_module(src, file) {
            tops.insert(top);
        }
    }
    for top in &tops {
        if top != SHARED && !layers.contains_key(top) {
            problems.push(format!("{top} is not in ARCHITECTURE.md"));
        }
    }
    for named in layers.keys() {
        if !tops.contains(named) {
            problems.push(format!(
                "ARCHITECTURE.md names {named}, which is not a module"
            ));
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(from) = top_module(src, file) else {
            continue;
        };
        let code = strip_comments_and_strings(&std::fs::read_to_string(file).unwrap());
        let shown = file.strip_prefix(src.parent().unwrap()).unwrap().display();
        if from != "storage" && (code.contains("sqlx::") || code.contains("use sqlx")) {
            problems.push(format!("sqlx outside storage: {shown}"));
        }
        for to in crate_references(&code) {
            if to == from || to == SHARED {
                continue;
            }
            if from == "domain" {
                problems.push(format!("domain imports {to} ({shown})"));
            }
            if from == SHARED {
                continue;
            }
            edges.entry(from.clone()).or_default().insert(to.clone());
            if let (Some(a), Some(b)) = (layers.get(&from), layers.get(&to))
                && b > a
            {
                problems.push(format!(
                    "{from} (layer {a}) imports {to} (layer {b}) in {shown}"
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        problems.push(format!("import cycle: {}", cycle.join(" → ")));
    }
    problems.sort();
    problems.dedup();
    problems
}

/// `| 3 | `cache`, `media` | ... |` rows of the map: module → layer.
fn read_layers(map: &Path) -> BTreeMap<String, u32> {
    let text = std::fs::read_to_string(map).expect("ARCHITECTURE.md exists");
    let mut layers = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let Ok(layer) = cells[1].parse::<u32>() else {
            continue;
        };
        for module in cells[2].split(',') {
            let name = module.trim().trim_matches('`');
            if !name.is_empty() {
                layers.insert(name.to_owned(), layer);
            }
        }
    }
    layers
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `src/web/routes.rs` → `web`; `src/urls.rs` and `src/urls/tests.rs` → `urls`; the crate
/// root (`lib.rs`, `main.rs`) → none.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The top-level modules `code` names as `crate::x`, also inside grouped
/// `use crate::{x::a, y}`.
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `other_crate::` or `$crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for item in split_top_level(&group[..end]) {
                if let Some(name) = leading_ident(item.trim()) {
                    out.insert(name);
                }
            }
        } else if let Some(name) = leading_ident(rest) {
            out.insert(name);
        }
    }
    out.remove("self");
    out
}

fn leading_ident(s: &str) -> Option<String> {
    let name: String = s
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn matching_brace(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    s.len()
}

fn split_top_level(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The code without comments and without the contents of string literals.
fn strip_comments_and_strings(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3; // a char literal such as '"'
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// A cycle among the top-level modules, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, edges, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}
