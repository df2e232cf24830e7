//! Both databases are migrated by files with the same version numbers, so that a feature
//! never lands on one backend only.

use std::collections::BTreeSet;
use std::path::Path;

/// The version numbers (file name prefixes before `_`) of the migrations in `dir`.
fn versions(dir: &str) -> BTreeSet<u64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
        let entry = entry.expect("a directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".sql") {
            continue;
        }
        let (prefix, _) = name
            .split_once('_')
            .unwrap_or_else(|| panic!("{dir}/{name} is not named VERSION_description.sql"));
        let version: u64 = prefix
            .parse()
            .unwrap_or_else(|_| panic!("{dir}/{name} does not start with a version number"));
        let sql = std::fs::read_to_string(entry.path()).expect("a readable migration");
        assert!(!sql.trim().is_empty(), "{dir}/{name} is empty");
        assert!(
            out.insert(version),
            "{dir} has two migrations numbered {version}"
        );
    }
    out
}

#[test]
fn sqlite_and_postgres_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    let postgres = versions("postgres");
    assert!(!sqlite.is_empty(), "migrations/sqlite holds no migration");
    assert!(
        !postgres.is_empty(),
        "migrations/postgres holds no migration"
    );
    assert_eq!(
        sqlite,
        postgres,
        "only in sqlite: {:?}; only in postgres: {:?}",
        sqlite.difference(&postgres).collect::<Vec<_>>(),
        postgres.difference(&sqlite).collect::<Vec<_>>()
    );
}
