//! Compiles the PostgreSQL variants of the integration tests in when ZHITONG_TEST_DATABASE_URL is
//! set, and marks them ignored (with the reason) when it is not, so `cargo test` says plainly
//! that they were skipped.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(zhitong_pg_tests)");
    println!("cargo::rerun-if-env-changed=ZHITONG_TEST_DATABASE_URL");
    println!("cargo::rerun-if-changed=build.rs");
    // The migrations are embedded in the binary: rebuild when they change.
    println!("cargo::rerun-if-changed=migrations");
    if std::env::var("ZHITONG_TEST_DATABASE_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo::rustc-cfg=zhitong_pg_tests");
    }
}
