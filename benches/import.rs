//! Import benchmarks (`cargo bench --features ssr --bench import`): a
//! 100k-line canonical workbook read (xlsx), mapped and validated, and the
//! whole path of the import page (upload: read, check and store the file;
//! commit: read again, build, compute and store the simulation in one
//! transaction) on a private PostgreSQL cluster.

use criterion::{Criterion, criterion_group, criterion_main};
use prudentia::model::account::{Role, TenantId, UserId};
use prudentia::server::auth::Caller;
use prudentia::server::config::DatabaseConfig;
use prudentia::server::db::Database;
use prudentia::server::import::{self, build, mapping, read};
use prudentia::server::{demo, reports::workbook};
use std::hint::black_box;
use std::time::{Duration, Instant};

const LINES: usize = 100_000;

fn workbook_bytes() -> Vec<u8> {
    workbook::canonical(&prudentia::samples::generate(LINES, 42)).expect("workbook")
}

fn parse_and_validate(c: &mut Criterion) {
    let bytes = workbook_bytes();
    let mut group = c.benchmark_group("import_100k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("read_xlsx", |b| {
        b.iter(|| read::read("book.xlsx", black_box(&bytes)).expect("read"))
    });
    let book = read::read("book.xlsx", &bytes).expect("read");
    group.bench_function("map_and_validate", |b| {
        b.iter(|| {
            let proposal = mapping::propose(black_box(&book), &mapping::Saved::new());
            let (data, problems) = build::build(&book, &proposal);
            assert!(problems.is_empty(), "{problems:?}");
            data
        })
    });
    group.finish();
}

fn upload_and_commit(c: &mut Criterion) {
    let bytes = workbook_bytes();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let (database, caller) = runtime.block_on(async {
        let database = Database::open(&DatabaseConfig::Embedded { data_dir: dir.path().to_owned() }).await.expect("cluster");
        database.migrate().await.expect("migrate");
        demo::ensure(&database.pool).await.expect("demo");
        let mut owner = database.owner_connection().await.expect("owner");
        let (user, tenant): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
            "SELECT u.user_id, m.tenant_id FROM users u JOIN memberships m USING (user_id) WHERE u.email = $1",
        )
        .bind(demo::ACCOUNTS[1].0)
        .fetch_one(&mut owner)
        .await
        .expect("analyst");
        sqlx::query("UPDATE tenants SET max_simulations = NULL WHERE tenant_id = $1").bind(tenant).execute(&mut owner).await.expect("no quota");
        sqlx::query("UPDATE plans SET max_simulations = NULL").execute(&mut owner).await.expect("no quota");
        (database, Caller { user_id: UserId(user), tenant_id: TenantId(tenant), role: Role::Analyst, read_only: false })
    });
    let mut group = c.benchmark_group("import_100k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(40));
    // Upload: the file is read, checked, stored, and a mapping proposed.
    group.bench_function("upload", |b| {
        b.iter(|| {
            runtime
                .block_on(import::upload(
                    &database.pool,
                    caller,
                    "book.xlsx",
                    bytes.clone(),
                ))
                .expect("upload")
        })
    });
    // Commit: read again, mapped, validated, computed, and stored as a
    // simulation in one transaction (the upload before it is not timed).
    group.bench_function("commit", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let proposal = runtime
                    .block_on(import::upload(
                        &database.pool,
                        caller,
                        "book.xlsx",
                        bytes.clone(),
                    ))
                    .expect("upload");
                let started = Instant::now();
                runtime
                    .block_on(import::commit(
                        &database.pool,
                        caller,
                        proposal.import_id,
                        proposal.mapping,
                        "Bench".into(),
                    ))
                    .expect("commit");
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
    runtime.block_on(database.close());
}

criterion_group!(benches, parse_and_validate, upload_and_commit);
criterion_main!(benches);
