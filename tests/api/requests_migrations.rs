//! The requests migration applies, reverts and re-applies on both backends.

use diesel_migrations::MigrationHarness;
use zhitong::db::{DbConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

use crate::backend_tests;
use crate::helpers::TestApp;

backend_tests!(the_requests_migration_reverts_and_reapplies);

async fn the_requests_migration_reverts_and_reapplies(app: TestApp) {
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
                .revert_last_migration(migrations)
                .map_err(|e| zhitong::error::AppError::internal(e.to_string()))?;
            Ok(reverted.to_string())
        })
        .await
        .expect("revert");
    assert!(reverted.contains("000002"), "{reverted}");
    let gone = app
        .state
        .db
        .read(|conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query("SELECT 1 FROM requests").execute(conn).is_err())
        })
        .await
        .unwrap();
    assert!(gone, "the requests table is dropped");
    let applied = app.state.db.migrate_blocking().expect("re-apply");
    assert_eq!(applied.len(), 1);
    assert_eq!(app.count("requests").await, 0);
    assert_eq!(app.count("categories").await, 12);
}
