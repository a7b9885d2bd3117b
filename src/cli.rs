//! The `zhitong` command line: `serve` (the default), `migrate`, `create-admin`, `seed-demo`,
//! `print-schema`, `backup`, `restore`.

use std::io::{BufRead, IsTerminal, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigArgs, LogFormat, OtlpProtocol};
use crate::db::run_blocking;
use crate::{app, workers};

#[derive(Debug, Parser)]
#[command(
    name = "zhitong",
    version,
    about = "直通 zhitong: companies, their service officers and the departments that act, on one line"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator (or reset one's password); the password is read from stdin.
    CreateAdmin {
        /// The administrator's mobile number (the login name).
        #[arg(long)]
        phone: String,
        /// The administrator's name.
        #[arg(long)]
        name: String,
    },
    /// Fill an empty database with a demo zone (about 200 companies, 20 officers, 8
    /// departments, 400 requests over half a year) and print a login for each role.
    SeedDemo,
    /// Print the GraphQL schema (SDL), as committed in schema.graphql.
    PrintSchema {
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Copy the SQLite database, consistently, while the server keeps running (SQLite's online
    /// backup). For PostgreSQL see docs/operations.md.
    Backup {
        /// The backup file to write (it must not exist yet).
        #[arg(long)]
        output: PathBuf,
    },
    /// Replace the SQLite database with a backup made by `zhitong backup`. The database it
    /// replaces is kept as `<database>.before-restore`.
    Restore {
        /// The backup file to restore.
        #[arg(long)]
        input: PathBuf,
        /// Restore even though a running server holds the database (restart every server on it
        /// afterwards).
        #[arg(long)]
        force: bool,
    },
}

/// Whether log lines carry ANSI colour: only when they go to a terminal, and never when
/// `NO_COLOR` is set to anything but the empty string (https://no-color.org/). A file or a
/// pipe (journald, a log shipper) gets plain text.
fn log_colour(stderr_is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|value| value.is_empty())
}

/// What logging set up that must be finished at exit: the trace exporter's last batch.
#[derive(Default)]
pub struct Telemetry {
    traces: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still waiting in the batch and stops the exporter.
    pub fn shutdown(self) {
        if let Some(provider) = self.traces {
            if let Err(error) = provider.shutdown() {
                eprintln!("zhitong: the last traces could not be exported: {error}");
            }
        }
    }
}

/// The OpenTelemetry tracer provider exporting over OTLP/HTTP to `endpoint` (the full
/// `…/v1/traces` URL) with a batch processor (its `OTEL_BSP_*` variables apply). The resource's
/// `service.name` is `zhitong` unless `OTEL_SERVICE_NAME` says otherwise.
/// https://docs.rs/opentelemetry-otlp/0.31.1/opentelemetry_otlp/#quickstart
fn otlp_traces(endpoint: &str, protocol: OtlpProtocol) -> anyhow::Result<opentelemetry_sdk::trace::SdkTracerProvider> {
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    let protocol = match protocol {
        OtlpProtocol::HttpProtobuf => Protocol::HttpBinary,
        OtlpProtocol::HttpJson => Protocol::HttpJson,
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .with_endpoint(endpoint)
        .with_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| anyhow::anyhow!("ZHITONG_OTLP_ENDPOINT: cannot build the trace exporter: {e}"))?;
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("zhitong");
    }
    Ok(opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build())
}

/// Installs the process's log output (text or JSON on stderr, filtered by `config.log`) and,
/// when `ZHITONG_OTLP_ENDPOINT` is set, the export of its spans as OpenTelemetry traces.
pub fn init_logging(config: &Config) -> anyhow::Result<Telemetry> {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // The filter was checked when the configuration was validated.
    let filter = tracing_subscriber::EnvFilter::builder()
        .parse(&config.log)
        .map_err(|e| anyhow::anyhow!("log filter {:?}: {e}", config.log))?;
    let ansi = log_colour(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR"));
    let (json, text) = match config.log_format {
        LogFormat::Json => (
            Some(tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr)),
            None,
        ),
        LogFormat::Text => (
            None,
            Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(ansi)
                    .with_writer(std::io::stderr),
            ),
        ),
    };
    let mut telemetry = Telemetry::default();
    let otel = match &config.observe.otlp {
        Some((endpoint, protocol)) => {
            let provider = otlp_traces(endpoint, *protocol)?;
            let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("zhitong"));
            telemetry.traces = Some(provider);
            Some(layer)
        }
        None => None,
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(json)
        .with(text)
        .with(otel)
        .try_init();
    if let Some((endpoint, _)) = &config.observe.otlp {
        tracing::info!(endpoint, "traces are exported over OTLP/HTTP");
    }
    Ok(telemetry)
}

pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema { output }) = &cli.command {
        let sdl = crate::app::schema::sdl();
        match output {
            Some(path) => std::fs::write(path, sdl)?,
            None => std::io::stdout().write_all(sdl.as_bytes())?,
        }
        return Ok(());
    }
    let config = cli
        .config
        .validate()
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    let telemetry = init_logging(&config)?;
    match &cli.command {
        Some(Command::Backup { output }) => return backup(&config, output),
        Some(Command::Restore { input, force }) => return restore(&config, input, *force),
        _ => {}
    }
    let runtime = actix_web::rt::System::new();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime.block_on(serve(config)),
        Command::Migrate => runtime.block_on(migrate(config)),
        Command::CreateAdmin { phone, name } => runtime.block_on(create_admin(config, &phone, &name)),
        Command::SeedDemo => runtime.block_on(seed_demo(config)),
        Command::PrintSchema { .. } | Command::Backup { .. } | Command::Restore { .. } => {
            unreachable!("handled above")
        }
    };
    drop(runtime);
    telemetry.shutdown();
    result
}

fn state_for(config: Config) -> anyhow::Result<crate::state::AppState> {
    app::build_state(config, Arc::new(SystemClock)).map_err(|e| anyhow::anyhow!(e))
}

/// The SQLite file of the configured database, or why there is none for `what`.
fn sqlite_file<'a>(config: &'a Config, what: &str) -> anyhow::Result<&'a std::path::Path> {
    match &config.database {
        crate::db::DbUrl::Sqlite(path) => Ok(path),
        crate::db::DbUrl::Postgres(_) => Err(anyhow::anyhow!(
            "`zhitong {what}` is for the embedded SQLite database; back PostgreSQL up with its own tools \
             (pg_basebackup and WAL archiving, or pg_dump): see docs/operations.md"
        )),
    }
}

fn backup(config: &Config, output: &std::path::Path) -> anyhow::Result<()> {
    let database = sqlite_file(config, "backup")?;
    let report = crate::db::backup::backup(database, output)?;
    println!(
        "backed up {} to {} ({} pages, {} bytes) in {:.2} s",
        database.display(),
        output.display(),
        report.pages,
        report.bytes,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}

fn restore(config: &Config, input: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let database = sqlite_file(config, "restore")?;
    let report = crate::db::backup::restore(database, input, force)?;
    if let Some(previous) = &report.previous {
        println!("kept the database it replaced as {}", previous.display());
    }
    println!(
        "restored {} from {} ({} pages, {} bytes) in {:.2} s",
        database.display(),
        input.display(),
        report.copy.pages,
        report.copy.bytes,
        report.copy.elapsed.as_secs_f64()
    );
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    // Tells `zhitong restore` that a server holds this SQLite file, for as long as it runs.
    let _serving = match &config.database {
        crate::db::DbUrl::Sqlite(path) => Some(crate::db::backup::ServingLock::take(path)?),
        crate::db::DbUrl::Postgres(_) => None,
    };
    let listener =
        TcpListener::bind(&config.bind).map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let address = listener.local_addr()?;
    let database = config.database.redacted();
    let state = state_for(config)?;
    let startup = app::prepare(&state)
        .await
        .map_err(|e| anyhow::anyhow!("start-up failed: {}", e.hidden_detail().unwrap_or(&e.public_message())))?;
    tracing::info!(
        database,
        migrations = startup.applied_migrations.len(),
        "database ready"
    );
    let http_workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let metrics_server = match &state.config.observe.metrics_bind {
        Some(bind) => {
            let listener =
                TcpListener::bind(bind).map_err(|e| anyhow::anyhow!("cannot listen on {bind} for /metrics: {e}"))?;
            tracing::info!(address = %listener.local_addr()?, "serving Prometheus metrics on /metrics");
            Some(app::metrics::start(listener, state.clone())?)
        }
        None => None,
    };
    let server = app::start(listener, state.clone(), http_workers)?;
    if let Some(metrics_server) = metrics_server {
        actix_web::rt::spawn(metrics_server);
    }
    let background = workers::start(&state).map_err(|e| anyhow::anyhow!(e))?;

    let mut out = std::io::stdout().lock();
    writeln!(out, "zhitong is serving on http://{address}")?;
    writeln!(out, "  GraphiQL explorer: http://{address}/graphql")?;
    writeln!(out, "  database:          {database}")?;
    match &startup.first_admin_password {
        Some(password) => {
            writeln!(
                out,
                "First run: created the administrator account (shown once, change it after logging in):"
            )?;
            writeln!(out, "  phone:    {}", state.config.admin_phone)?;
            writeln!(out, "  password: {password}")?;
            writeln!(
                out,
                "  log in:   mutation {{ login(phone: \"{}\", password: \"{password}\") {{ accessToken }} }}",
                state.config.admin_phone
            )?;
            writeln!(out, "  then send the header  Authorization: Bearer <accessToken>")?;
        }
        None => writeln!(
            out,
            "Log in with an administrator account (create one with `zhitong create-admin --phone P --name N`)."
        )?,
    }
    drop(out);
    server.await?;
    tracing::info!("HTTP requests drained; finishing the background workers' current rounds");
    background.stop().await;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let state = state_for(config)?;
    let db = state.db.clone();
    let applied = run_blocking(move || db.migrate_blocking()).await.map_err(|e| {
        anyhow::anyhow!(
            "migrations failed: {}",
            e.hidden_detail().unwrap_or(&e.public_message())
        )
    })?;
    println!("applied {} migration(s)", applied.len());
    for version in applied {
        println!("  {version}");
    }
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the administrator: ");
        return Ok(rpassword::read_password()?);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn create_admin(config: Config, phone: &str, name: &str) -> anyhow::Result<()> {
    let password = read_password()?;
    let state = state_for(config)?;
    let db = state.db.clone();
    run_blocking(move || db.migrate_blocking())
        .await
        .map_err(|e| anyhow::anyhow!("{:?}", e))?;
    let (phone, name) = (phone.to_string(), name.to_string());
    let now = SystemClock.now_naive();
    let user = state
        .db
        .write(move |conn| crate::users::service::create_admin(conn, &phone, &name, &password, now))
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.public_message()))?;
    println!("administrator {} ({}) is ready to log in", user.name, user.phone);
    Ok(())
}

async fn seed_demo(config: Config) -> anyhow::Result<()> {
    let clock = crate::clock::ManualClock::new(SystemClock.now());
    let state = app::build_state(config, Arc::new(clock.clone())).map_err(|e| anyhow::anyhow!(e))?;
    let db = state.db.clone();
    run_blocking(move || db.migrate_blocking()).await.map_err(|e| {
        anyhow::anyhow!(
            "migrations failed: {}",
            e.hidden_detail().unwrap_or(&e.public_message())
        )
    })?;
    let started = std::time::Instant::now();
    let report = crate::demo::seed(&state, &clock, &crate::demo::DemoOptions::default())
        .await
        .map_err(|e| anyhow::anyhow!("seed-demo: {}", e.hidden_detail().unwrap_or(&e.public_message())))?;
    print!("{}", report.render());
    println!(
        "Done in {:.1} s. Start the server with `zhitong serve` on the same database.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::log_colour;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(log_colour(true, None));
        assert!(log_colour(true, Some("".into())));
        assert!(!log_colour(true, Some("1".into())));
        assert!(!log_colour(false, None));
        assert!(!log_colour(false, Some("1".into())));
    }
}
