//! Every migration applies, reverts and re-applies, on both backends.

use diesel_migrations::MigrationHarness;
use zhitong::db::{DbConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(every_migration_reverts_and_reapplies);

async fn every_migration_reverts_and_reapplies(app: TestApp) {
    assert_eq!(app.count("categories").await, 12, "the default categories are seeded");
    let reverted = app
        .state
        .db
        .read(|conn| {
            let migrations = match conn {
                DbConnection::Postgres(_) => POSTGRES_MIGRATIONS,
                DbConnection::Sqlite(_) => SQLITE_MIGRATIONS,
            };
            let reverted = conn
                .revert_all_migrations(migrations)
                .map_err(|e| zhitong::error::AppError::internal(e.to_string()))?;
            Ok(reverted.iter().map(|v| v.to_string()).collect::<Vec<_>>())
        })
        .await
        .expect("revert");
    assert!(reverted.len() >= 4, "{reverted:?}");
    assert!(
        reverted.last().unwrap().contains("000001"),
        "reverted newest first: {reverted:?}"
    );
    for table in ["users", "requests", "notifications", "attachments"] {
        let gone = app
            .state
            .db
            .read(move |conn| {
                use diesel::RunQueryDsl;
                Ok(diesel::sql_query(format!("SELECT 1 FROM {table}"))
                    .execute(conn)
                    .is_err())
            })
            .await
            .unwrap();
        assert!(gone, "{table} is dropped");
    }
    let applied = app.state.db.migrate_blocking().expect("re-apply");
    assert_eq!(applied.len(), reverted.len());
    assert_eq!(app.count("requests").await, 0);
    assert_eq!(app.count("categories").await, 12);
}
