//! The `prudentia` command line.

use super::config::{DatabaseArgs, DatabaseConfig, LogFormat, PublicUrl, ServeArgs};
use super::contact::ContactLimiter;
use super::db::Database;
use super::state::AppState;
use super::{compute, demo, http, telemetry};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "prudentia",
    version,
    about = "Prudentia: simulate a bank's prudential ratios and what-if scenarios.",
    long_about = "Prudentia: simulate a bank's prudential ratios (capital, leverage, LCR, NSFR, \
                  large exposures) and what-if scenarios.\n\nWithout DATABASE_URL, `serve` and \
                  `migrate` run a private PostgreSQL cluster under PRUDENTIA_DATA_DIR \
                  (default .data) and stop it when they exit."
)]
pub struct Cli {
    /// Log format.
    #[arg(
        long,
        env = "PRUDENTIA_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Migrate the database and serve the web application (the default for `make run`).
    Serve {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        serve: Box<ServeArgs>,
    },
    /// Apply pending database migrations, then exit.
    Migrate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Backups of the private cluster: base backups beside its continuous
    /// WAL archive in `PRUDENTIA_DATA_DIR/backups`.
    Backup {
        #[command(subcommand)]
        action: BackupAction,
        /// The private cluster's folder.
        #[arg(
            long,
            env = "PRUDENTIA_DATA_DIR",
            default_value = ".data",
            global = true
        )]
        data_dir: PathBuf,
    },
    /// Compute every ratio of a data set (JSON) and print the results as JSON.
    Compute {
        /// The data set (the JSON format of dataset.md).
        #[arg(long)]
        input: PathBuf,
        /// Rule profile, overriding the data set's own `profile`.
        #[arg(long, value_parser = ["basel31", "crr3"])]
        profile: Option<String>,
        /// A scenario to apply; prints baseline, scenario and delta.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Add per-line results (with the rule that set each risk weight).
        #[arg(long)]
        lines: bool,
    },
    /// List the anomalies of a data set (and of its change from the previous version) as JSON.
    Anomalies {
        /// The data set: JSON, a canonical workbook or CSV files.
        #[arg(long)]
        input: PathBuf,
        /// The previous version of the same data set, for jumps between the two.
        #[arg(long)]
        previous: Option<PathBuf>,
    },
    /// The cheapest plan of actions that brings every ratio to its target, as JSON.
    Suggest {
        /// The data set: JSON, a canonical workbook or CSV files.
        #[arg(long)]
        input: PathBuf,
        #[arg(long, value_parser = ["basel31", "crr3"])]
        profile: Option<String>,
        /// Targets as JSON ({"cet1": 0.11, "lcr": 1.1, ...}); without it,
        /// each requirement plus the profile's management buffer.
        #[arg(long)]
        targets: Option<PathBuf>,
        /// Actions as JSON ([{"action": "issue_cet1", "max": 5e8, "cost": 0.12}, ...]);
        /// without it, the shipped catalogue.
        #[arg(long)]
        catalogue: Option<PathBuf>,
        /// Where to write the plan as a scenario for `compute --scenario`.
        #[arg(long)]
        scenario_out: Option<PathBuf>,
    },
    /// Classify exposure lines into the 13 regulatory classes.
    Classify {
        #[command(subcommand)]
        action: ClassifyAction,
    },
    /// Write a synthetic bank data set (the demo bank, or a larger portfolio for benchmarks).
    Sample {
        /// Exposure lines; without it, the demo bank (about 5,000 lines).
        #[arg(long)]
        lines: Option<usize>,
        /// Seed of the generator (same seed, same data set).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file: JSON, or the canonical workbook when it ends in .xlsx.
        #[arg(long)]
        output: PathBuf,
    },
    /// Rule profiles.
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Print the REST API's OpenAPI 3.1 document (also served at /api/v1/openapi.json).
    Openapi,
    /// The keys that sign API tokens.
    ApiKeys {
        #[command(subcommand)]
        action: ApiKeyAction,
    },
}

#[derive(Subcommand, Debug)]
enum ClassifyAction {
    /// Train a model on the exposures of data sets (JSON or workbooks),
    /// their `class` as labels; prints the model card as JSON.
    Train {
        /// A labelled data set; give several for several reporting dates.
        #[arg(long, required = true)]
        input: Vec<PathBuf>,
        /// Where to write the model.
        #[arg(long)]
        model: PathBuf,
        /// Seed of the training order and the hold-out (same data and seed, same model).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Predict the class of every exposure line, ignoring any class the
    /// file gives, and the counterparty type of a line without one;
    /// prints {"predictions": [...]} in the file's order.
    Predict {
        #[arg(long)]
        input: PathBuf,
        /// A model from `classify train`; without it, the built-in model.
        #[arg(long)]
        model: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum ApiKeyAction {
    /// Add a signing key: new tokens are signed with it, older tokens stay
    /// valid until their own key is retired. Running servers pick it up
    /// within a minute.
    Rotate {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Retire a key: every token it signed stops working.
    Retire {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The key's id (the `kid` of its tokens' header).
        key_id: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditAction {
    /// Check every tenant's hash chain (or one tenant's); lists each event
    /// found altered, missing or out of the chain, and exits non-zero then.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Only this tenant's chain.
        #[arg(long)]
        tenant: Option<uuid::Uuid>,
    },
}

#[derive(Subcommand, Debug)]
enum BackupAction {
    /// Take a base backup now (of the running cluster, or start it briefly).
    Create,
    /// List the base backups, oldest first.
    List,
    /// Restore the newest backup into a scratch cluster and check it: the
    /// migrations, every table, every audit chain; exits non-zero if any fails.
    Verify,
    /// Restore into a new folder, to a moment (point-in-time recovery) or
    /// to the end of the archive.
    Restore {
        /// The moment to stop at (RFC 3339, e.g. 2026-12-04T09:30:00Z).
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::Utc>>,
        /// The new data folder (then `PRUDENTIA_DATA_DIR=<target> prudentia serve`).
        #[arg(long)]
        target: PathBuf,
    },
    /// Open a sealed copy (`PRUDENTIA_BACKUP_COPY_KEY`) into this data
    /// folder's backups, ready for `restore`.
    Unseal {
        /// The copy folder (`PRUDENTIA_BACKUP_COPY_DIR` of the lost server).
        #[arg(long)]
        from: PathBuf,
        /// The key the copy was sealed with (base64 of 32 bytes).
        #[arg(long, env = "PRUDENTIA_BACKUP_COPY_KEY", hide_env_values = true)]
        key: String,
    },
}

#[derive(Subcommand, Debug)]
enum ProfileAction {
    /// Print a profile as JSON with every parameter key (the keys of
    /// `overrides` and `set_parameter`).
    Show {
        #[arg(value_parser = ["basel31", "crr3"])]
        name: String,
    },
}

pub fn run() -> ExitCode {
    // No arguments at all means `serve`, so `cargo leptos serve` works as is.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 1 {
        args.push("serve".into());
    }
    let cli = Cli::parse_from(args);
    let _telemetry = telemetry::init(cli.log_format);
    let result = match cli.command {
        // The engine commands need neither a database nor an async runtime.
        Command::Compute {
            input,
            profile,
            scenario,
            lines,
        } => compute::run_compute(
            &compute::ComputeArgs {
                input: &input,
                profile: profile.as_deref(),
                scenario: scenario.as_deref(),
                lines,
            },
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        )
        .map_err(|e| e.to_string()),
        Command::Anomalies { input, previous } => compute::run_anomalies(
            &input,
            previous.as_deref(),
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        )
        .map_err(|e| e.to_string()),
        Command::Suggest {
            input,
            profile,
            targets,
            catalogue,
            scenario_out,
        } => compute::run_suggest(
            &compute::SuggestArgs {
                input: &input,
                profile: profile.as_deref(),
                targets: targets.as_deref(),
                catalogue: catalogue.as_deref(),
                scenario_out: scenario_out.as_deref(),
            },
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        )
        .map_err(|e| e.to_string()),
        Command::Classify {
            action: ClassifyAction::Train { input, model, seed },
        } => compute::run_classify_train(
            &input,
            &model,
            seed,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        )
        .map_err(|e| e.to_string()),
        Command::Classify {
            action: ClassifyAction::Predict { input, model },
        } => compute::run_classify_predict(
            &input,
            model.as_deref(),
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        )
        .map_err(|e| e.to_string()),
        Command::Profile {
            action: ProfileAction::Show { name },
        } => compute::profile_show(&name).map(|json| println!("{json}")),
        Command::Sample {
            lines,
            seed,
            output,
        } => {
            let data = match lines {
                Some(n) => crate::samples::generate(n, seed),
                None => crate::samples::demo_bank(),
            };
            let is_xlsx = output
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
            let content = if is_xlsx {
                super::reports::workbook::canonical(&data).map_err(|e| e.to_string())
            } else {
                serde_json::to_string_pretty(&data)
                    .map(|json| (json + "\n").into_bytes())
                    .map_err(|e| e.to_string())
            };
            content.and_then(|bytes| {
                std::fs::write(&output, bytes)
                    .map_err(|e| format!("cannot write {}: {e}", output.display()))
            })
        }
        Command::Openapi => super::rest::openapi()
            .to_pretty_json()
            .map(|json| println!("{json}"))
            .map_err(|e| e.to_string()),
        Command::Serve { database, serve } => {
            block_on(async move { serve_app(&database, &serve).await })
        }
        Command::Migrate { database } => block_on(async move { migrate(&database).await }),
        Command::Audit {
            action: AuditAction::Verify { database, tenant },
        } => block_on(async move { audit_verify(&database, tenant).await }),
        Command::ApiKeys { action } => block_on(async move { api_keys(action).await }),
        Command::Backup { action, data_dir } => {
            block_on(async move { backup(action, &data_dir).await })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn backup(action: BackupAction, data_dir: &std::path::Path) -> Result<(), String> {
    use super::backup::{self, Store};
    let store = Store::of(data_dir);
    match action {
        BackupAction::Create => {
            let root = data_dir.to_path_buf();
            let made = tokio::task::spawn_blocking(move || backup::create_now(&root))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            print_json(&made)
        }
        BackupAction::List => print_json(&store.list().map_err(|e| e.to_string())?),
        BackupAction::Verify => {
            print_json(&backup::verify(&store).await.map_err(|e| e.to_string())?)
        }
        BackupAction::Restore { to, target } => print_json(
            &backup::restore(&store, to, &target)
                .await
                .map_err(|e| e.to_string())?,
        ),
        BackupAction::Unseal { from, key } => {
            let key = backup::sealed::CopyKey::from_base64(&key).map_err(|e| e.to_string())?;
            let opened = tokio::task::spawn_blocking(move || {
                backup::sealed::unseal(&key, &from, &store.dir)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
            print_json(&serde_json::json!({ "opened": opened }))
        }
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

fn block_on(task: impl std::future::Future<Output = Result<(), String>>) -> Result<(), String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?
        .block_on(task)
}

async fn migrate(args: &DatabaseArgs) -> Result<(), String> {
    let database = Database::open(&args.config())
        .await
        .map_err(|e| e.to_string())?;
    let result = database.migrate().await.map_err(|e| e.to_string());
    database.close().await;
    result?;
    println!("database is up to date");
    Ok(())
}

async fn api_keys(action: ApiKeyAction) -> Result<(), String> {
    let (ApiKeyAction::Rotate { database: args } | ApiKeyAction::Retire { database: args, .. }) =
        &action;
    let database = Database::open(&args.config())
        .await
        .map_err(|e| e.to_string())?;
    let done = async {
        database.migrate().await.map_err(|e| e.to_string())?;
        match &action {
            ApiKeyAction::Rotate { .. } => {
                let key = super::auth::tokens::rotate(&database.pool)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("new signing key {key}: new tokens are signed with it");
                Ok(())
            }
            ApiKeyAction::Retire { key_id, .. } => {
                let active = super::db::api_tokens::active_keys(&database.pool)
                    .await
                    .map_err(|e| e.to_string())?;
                if active.len() == 1 && active[0].key_id == *key_id {
                    return Err(format!(
                        "{key_id} is the only active key: rotate first, so new tokens can be signed"
                    ));
                }
                match super::db::api_tokens::retire_key(&database.pool, key_id)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    true => {
                        println!("key {key_id} retired: the tokens it signed no longer work");
                        Ok(())
                    }
                    false => Err(format!("no active signing key {key_id}")),
                }
            }
        }
    }
    .await;
    database.close().await;
    done
}

async fn audit_verify(args: &DatabaseArgs, tenant: Option<uuid::Uuid>) -> Result<(), String> {
    let database = Database::open(&args.config())
        .await
        .map_err(|e| e.to_string())?;
    let checked = async {
        database.migrate().await.map_err(|e| e.to_string())?;
        let mut owner = database
            .owner_connection()
            .await
            .map_err(|e| e.to_string())?;
        crate::server::audit::verify_all(&mut owner, tenant.map(crate::model::account::TenantId))
            .await
            .map_err(|e| format!("reading the audit trail failed: {e}"))
    }
    .await;
    database.close().await;
    let chains = checked?;
    let mut broken = 0;
    for (tenant, chain) in &chains {
        for event in &chain.broken {
            println!("tenant {tenant} event #{}: {}", event.seq, event.problem);
        }
        broken += chain.broken.len();
    }
    let events: i64 = chains.iter().map(|(_, c)| c.events).sum();
    if broken == 0 {
        println!(
            "audit trail intact: {events} events in {} chains",
            chains.len()
        );
        Ok(())
    } else {
        Err(format!("{broken} of {events} audit events fail the check"))
    }
}

async fn serve_app(db_args: &DatabaseArgs, args: &ServeArgs) -> Result<(), String> {
    let config = db_args.config();
    let embedded = match &config {
        DatabaseConfig::Embedded { data_dir } => Some(data_dir.clone()),
        DatabaseConfig::Url { .. } => None,
    };
    let connections = connection_settings(args, embedded.as_deref())?;
    let database = Database::open_with(&config, db_args.pool())
        .await
        .map_err(|e| e.to_string())?;
    // From here on the cluster (if ours) must be stopped whatever happens.
    let backups = match embedded {
        Some(root) => Some(super::backup::spawn_schedule(root, backup_plan(args)?)),
        None => None,
    };
    let result = serve_with(&database, args, connections).await;
    if let Some(backups) = backups {
        backups.abort();
    }
    database.close().await;
    result
}

/// The secrets key (from the environment or a file), the connections
/// folder and whether private addresses may be reached. With the private
/// cluster and nothing set, both live in its data folder: a key made at
/// the first start (kept apart from the database and its dumps), and
/// `connections/`.
fn connection_settings(
    args: &ServeArgs,
    embedded: Option<&std::path::Path>,
) -> Result<super::connections::Settings, String> {
    use super::secrets::Sealer;
    let key_file = match (&args.secrets_key_file, embedded) {
        (Some(file), _) => Some(file.clone()),
        (None, Some(dir)) if args.secrets_key.is_none() => Some(local_secrets_key(dir)?),
        _ => None,
    };
    let key = match (&args.secrets_key, key_file) {
        (Some(key), _) => Some(key.clone()),
        (None, Some(file)) => Some(
            std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read the secrets key {}: {e}", file.display()))?,
        ),
        (None, None) => None,
    };
    let sealer = key
        .map(|k| Sealer::from_base64(&k).map_err(|e| format!("PRUDENTIA_SECRETS_KEY: {e}")))
        .transpose()?;
    if sealer.is_none() {
        tracing::warn!("PRUDENTIA_SECRETS_KEY is not set: connections cannot store secrets");
    }
    if args.connections_allow_private {
        tracing::warn!("connections may reach loopback and private addresses");
    }
    Ok(super::connections::Settings {
        sealer,
        root: args
            .connections_root
            .clone()
            .or_else(|| embedded.map(|dir| dir.join("connections"))),
        allow_private: args.connections_allow_private,
        public_url: public_url(args)?.origin().to_owned(),
    })
}

/// The address users reach us at: as configured, else this listener's
/// (`https://` when Prudentia terminates TLS itself).
fn public_url(args: &ServeArgs) -> Result<PublicUrl, String> {
    let tls_default = format!("https://{}", args.addr);
    let configured = args
        .public_url
        .as_deref()
        .or(args.tls_cert.as_ref().map(|_| tls_default.as_str()));
    PublicUrl::new(configured, args.addr)
}

/// The certificate files, when Prudentia serves HTTPS itself.
fn tls_files(args: &ServeArgs) -> Option<super::tls::Files> {
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(super::tls::Files {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    }
}

/// `/metrics` alone on `addr`, for the monitoring network.
async fn serve_metrics(
    addr: SocketAddr,
    pool: sqlx::PgPool,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} for metrics: {e}"))?;
    let app = axum::Router::new()
        .route("/metrics", axum::routing::get(super::metrics::open))
        .with_state(pool);
    tracing::info!(%addr, "metrics are served on http://{addr}/metrics");
    Ok(tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    }))
}

/// The private cluster's backup schedule, from the settings.
fn backup_plan(args: &ServeArgs) -> Result<super::backup::Plan, String> {
    use super::connections::schedule::Schedule;
    let schedule = |name: &str, cron: &str| match cron.trim() {
        "off" | "" => Ok(None),
        cron => Schedule::parse(cron, "UTC")
            .map(Some)
            .map_err(|e| format!("{name}: {e}")),
    };
    Ok(super::backup::Plan {
        create: schedule("PRUDENTIA_BACKUP_SCHEDULE", &args.backup_schedule)?,
        verify: schedule(
            "PRUDENTIA_BACKUP_VERIFY_SCHEDULE",
            &args.backup_verify_schedule,
        )?,
        keep_days: args.backup_keep_days.max(1),
        copy: args.backup_copy_dir.clone(),
        copy_key: match args.backup_copy_key.as_deref() {
            Some(key) => Some(std::sync::Arc::new(
                super::backup::sealed::CopyKey::from_base64(key).map_err(|e| e.to_string())?,
            )),
            None => None,
        },
        alert: operations_alert(args)?.map(std::sync::Arc::new),
    })
}

/// The operator's mailbox for alerts, when both it and SMTP are set.
fn operations_alert(args: &ServeArgs) -> Result<Option<super::backup::Alert>, String> {
    let Some(to) = args.operations_email.as_deref() else {
        return Ok(None);
    };
    let to = to
        .parse()
        .map_err(|e| format!("PRUDENTIA_OPERATIONS_EMAIL is not an address: {e}"))?;
    let Some(url) = args.smtp_url.as_deref() else {
        tracing::warn!(
            "PRUDENTIA_OPERATIONS_EMAIL is set but PRUDENTIA_SMTP_URL is not: no alert can be mailed"
        );
        return Ok(None);
    };
    let mailer = super::mailer::Mailer::new(url, &args.mail_from).map_err(|e| e.to_string())?;
    Ok(Some(super::backup::Alert { mailer, to }))
}

/// The private cluster's secrets key file, made (owner-only) when absent.
fn local_secrets_key(data_dir: &std::path::Path) -> Result<std::path::PathBuf, String> {
    use base64::Engine as _;
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = data_dir.join("secrets.key");
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(data_dir).map_err(|e| e.to_string())?;
    let key: [u8; 32] = rand::random();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    writeln!(
        file,
        "{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "made the secrets key of the private cluster");
    Ok(path)
}

async fn serve_with(
    database: &Database,
    args: &ServeArgs,
    connections: super::connections::Settings,
) -> Result<(), String> {
    database.migrate().await.map_err(|e| e.to_string())?;
    super::auth::set_credential_turns(database.pool.options().get_max_connections());
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let workers = args.heavy_workers.map_or(cores, |n| n.get() as usize);
    let per_tenant = args
        .heavy_per_tenant
        .map_or(workers.div_ceil(2), |n| n.get() as usize);
    super::heavy::configure(workers, per_tenant);
    // The built-in classification model trains in under a second (longer
    // in a debug build): done now, the first import without classes does
    // not wait for it.
    std::thread::spawn(|| {
        crate::intel::classify::base();
    });
    super::mail_limits::configure(
        args.mail_per_member_hour.get(),
        args.mail_per_organisation_hour.get(),
    );
    if let Some(turns) = args.hash_concurrency {
        super::auth::passwords::set_concurrency(turns.get() as usize);
    }
    if args.demo {
        demo::ensure(&database.pool)
            .await
            .map_err(|e| format!("creating the demo organisation failed: {e}"))?;
        let logins: Vec<String> = demo::ACCOUNTS
            .iter()
            .map(|(email, _, role)| format!("{email} ({})", role.as_str()))
            .collect();
        println!(
            "Demo organisation \"{}\": log in at http://{}/login as {} with the password {}",
            demo::ORGANISATION,
            args.addr,
            logins.join(", "),
            demo::PASSWORD
        );
    }
    let mut leptos_options = leptos::config::get_configuration(None)
        .map_err(|e| format!("Leptos configuration: {e}"))?
        .leptos_options;
    leptos_options.site_addr = args.addr;

    let limiter = Arc::new(ContactLimiter::per_hour(args.contact_per_hour));
    let keys = super::auth::tokens::KeyRing::load(&database.pool)
        .await
        .map_err(|e| format!("loading the API signing keys failed: {e}"))?;
    let api = Arc::new(super::rest::ApiState::new(
        keys,
        super::rest::limits::ApiLimits::new(args.api_rate_per_second, args.api_burst),
    ));
    let session_cleanup = {
        use tower_sessions::ExpiredDeletion;
        let store = tower_sessions_sqlx_store::PostgresStore::new(database.pool.clone());
        tokio::spawn(store.continuously_delete_expired(Duration::from_secs(3600)))
    };
    let mailer = match &args.smtp_url {
        Some(url) => {
            let mailer =
                super::mailer::Mailer::new(url, &args.mail_from).map_err(|e| e.to_string())?;
            tracing::info!(
                "mail is delivered over SMTP every {} s",
                args.mail_poll_seconds
            );
            Some(mailer.spawn(
                database.pool.clone(),
                Duration::from_secs(args.mail_poll_seconds.max(1)),
            ))
        }
        None => {
            tracing::warn!("PRUDENTIA_SMTP_URL is not set: mail stays queued in outbound_emails");
            None
        }
    };
    if args.webhooks_allow_private {
        tracing::warn!("webhooks may reach loopback and private addresses over plain http");
    }
    let webhooks = super::webhooks::delivery::Deliverer::new(args.webhooks_allow_private)
        .spawn(database.pool.clone(), Duration::from_secs(1));
    let connections = Arc::new(connections);
    let scheduler = super::connections::runner::spawn(
        database.pool.clone(),
        connections.clone(),
        Duration::from_secs(15),
    );
    let live = super::live::LiveHub::default();
    let live_listener = live.spawn_listener(database.pool.clone());
    let import_expiry = {
        let pool = database.pool.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                if let Ok(mut conn) = pool.acquire().await {
                    if let Err(error) = super::db::imports::expire(&mut conn).await {
                        tracing::error!(%error, "expiring abandoned imports failed");
                    }
                    if let Err(error) = super::db::webhooks::expire(&mut conn).await {
                        tracing::error!(%error, "expiring old webhook events failed");
                    }
                    if let Err(error) = super::db::live::expire(&mut conn).await {
                        tracing::error!(%error, "expiring old live events failed");
                    }
                    if let Err(error) = super::db::connections::expire(&mut conn).await {
                        tracing::error!(%error, "expiring old connection runs failed");
                    }
                }
                if let Err(error) = super::db::idempotency_keys::expire(&pool).await {
                    tracing::error!(%error, "expiring idempotency keys failed");
                }
                if let Err(error) = super::auth::throttle::expire(&pool).await {
                    tracing::error!(%error, "expiring log-in throttling keys failed");
                }
                if let Err(error) = super::db::rate_limits::expire(&pool).await {
                    tracing::error!(%error, "expiring rate-limit keys failed");
                }
            }
        })
    };
    let tls = match tls_files(args) {
        Some(files) => {
            let config = files.load().await?;
            Some((files, config))
        }
        None => None,
    };
    let state = AppState {
        leptos_options,
        pool: database.pool.clone(),
        api,
        contact_limiter: limiter,
        trust_proxy: args.trust_proxy,
        // Served over TLS, the session cookie is always `Secure`.
        secure_cookies: args.secure_cookies || tls.is_some(),
        public_url: Arc::new(public_url(args)?),
        allow_private_webhooks: args.webhooks_allow_private,
        live,
        connections,
        metrics_token: args
            .metrics_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(Arc::from),
    };
    super::metrics::recorder();
    let metrics_listener = match args.metrics_addr {
        Some(addr) => Some(serve_metrics(addr, database.pool.clone()).await?),
        None => None,
    };
    let app = http::router(state);
    let served = match tls {
        Some((files, config)) => {
            let reloads = super::tls::reload_on_hangup(config.clone(), files);
            let redirect = match args.http_redirect_addr {
                Some(addr) => {
                    Some(super::tls::redirect(addr, public_url(args)?.origin().to_owned()).await?)
                }
                None => None,
            };
            tracing::info!(addr = %args.addr, "Prudentia is serving on https://{}", args.addr);
            let served = super::tls::serve(args.addr, app, config, http::shutdown_signal()).await;
            reloads.abort();
            if let Some(redirect) = redirect {
                redirect.abort();
            }
            served
        }
        None => {
            let listener = tokio::net::TcpListener::bind(args.addr)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
            tracing::info!(addr = %args.addr, "Prudentia is serving on http://{}", args.addr);
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(http::shutdown_signal())
            .await
            .map_err(|e| format!("server error: {e}"))
        }
    };
    session_cleanup.abort();
    import_expiry.abort();
    webhooks.abort();
    scheduler.abort();
    if let Some(listener) = metrics_listener {
        listener.abort();
    }
    live_listener.abort();
    if let Some(mailer) = mailer {
        mailer.abort();
    }
    served
}
