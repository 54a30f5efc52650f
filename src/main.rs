//! The `ksqldb-kernel` command: run the kernel (what kernel.json starts), install its
//! kernelspec, or test a connection from the shell.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use jupyter_kernel::{serve, ConnectionInfo};
use ksqldb_kernel::kernel::export::Provenance;
use ksqldb_kernel::kernel::export_files::{self, ExportRequest, Exported};
use ksqldb_kernel::kernel::notebook_file::executed_statements;
use ksqldb_kernel::kernel::KsqlKernel;
use ksqldb_kernel::kernelspec::{self, Destination};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc (see ksqldb_sandbox::allocator): the embedded sandbox allocates per event.
#[global_allocator]
static ALLOCATOR: ksqldb_sandbox::allocator::Allocator = ksqldb_sandbox::allocator::Allocator;

#[derive(Parser)]
#[command(name = "ksqldb-kernel", version, about = "A Jupyter kernel for ksqlDB")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kernel (Jupyter starts this through kernel.json).
    Run {
        #[arg(long, short = 'f')]
        connection_file: PathBuf,
    },
    /// Install the kernelspec so Jupyter can start this kernel.
    Install {
        /// Install for the current user (the default).
        #[arg(long, conflicts_with_all = ["sys_prefix", "prefix"])]
        user: bool,
        /// Install into the active virtualenv or conda environment.
        #[arg(long, conflicts_with = "prefix")]
        sys_prefix: bool,
        /// Install into PREFIX/share/jupyter/kernels.
        #[arg(long)]
        prefix: Option<PathBuf>,
        /// Kernel name (folder name).
        #[arg(long, default_value = kernelspec::KERNEL_NAME)]
        name: String,
        /// Display name in the launcher.
        #[arg(long)]
        display_name: Option<String>,
        /// Environment variables for the kernel, NAME=VALUE (e.g. KSQLDB_URL=...).
        #[arg(long = "env", value_name = "NAME=VALUE")]
        env: Vec<String>,
        /// Write secret-named variables (passwords, secrets, tokens) into kernel.json anyway.
        /// kernel.json is a plain, usually world-readable file: prefer a profile in the config
        /// file or the environment Jupyter starts with.
        #[arg(long)]
        allow_secrets_in_kernelspec: bool,
    },
    /// Test the connection the kernel would use (KSQLDB_URL, the config file, or --url).
    Check {
        #[arg(long)]
        url: Option<String>,
    },
    /// Run the in-memory ksqlDB-compatible sandbox server (no Kafka needed; nothing persisted).
    Sandbox(SandboxArgs),
    /// Write the persistent statements a saved notebook ran (its executed cells, in execution
    /// order, failed statements left out) as deployable SQL: to stdout, a file, or
    /// ksql-migrations version files.
    Export {
        notebook: PathBuf,
        /// The .sql file to write (stdout when absent).
        #[arg(short = 'o', long = "output", conflicts_with = "migrations")]
        output: Option<PathBuf>,
        /// Write ksql-migrations files (V000001__name.sql, ...) into this folder instead.
        #[arg(long)]
        migrations: Option<PathBuf>,
        /// Keep INSERT ... VALUES statements (left out by default).
        #[arg(long)]
        with_inserts: bool,
        /// Replace an existing file (or migration files of the same names).
        #[arg(long)]
        force: bool,
    },
}

#[derive(clap::Args)]
struct SandboxArgs {
    /// Address to listen on. Only loopback addresses unless --allow-remote.
    #[arg(long, default_value = "127.0.0.1:8088")]
    listen: String,
    /// Accept a non-loopback --listen address. The sandbox has no authentication.
    #[arg(long)]
    allow_remote: bool,
    /// A browser origin allowed to call the API, e.g. http://localhost:8888 (repeatable).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// Most bytes each topic keeps; the oldest records are dropped past it.
    #[arg(long, default_value_t = ksqldb_sandbox::topics::Retention::DEFAULT_BYTES)]
    retention_bytes: u64,
    /// Most records each topic keeps; the oldest records are dropped past it.
    #[arg(long, default_value_t = ksqldb_sandbox::topics::Retention::DEFAULT_RECORDS)]
    retention_records: u64,
    /// Most bytes all topics together keep (the largest topic drops its oldest first).
    #[arg(long, default_value_t = ksqldb_sandbox::topics::Topics::DEFAULT_TOTAL_BYTES)]
    retention_total_bytes: u64,
}

fn main() -> ExitCode {
    ksqldb_sandbox::allocator::return_freed_memory_soon();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { connection_file } => run(connection_file),
        Command::Install { user: _, sys_prefix, prefix, name, display_name, env, allow_secrets_in_kernelspec } => {
            install(sys_prefix, prefix, &name, display_name.as_deref(), &env, allow_secrets_in_kernelspec)
        }
        Command::Check { url } => check(url),
        Command::Sandbox(args) => sandbox(args),
        Command::Export { notebook, output, migrations, with_inserts, force } => {
            export(&notebook, ExportRequest { file: output, migrations, with_inserts, force })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ksqldb-kernel: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn export(notebook: &std::path::Path, request: ExportRequest) -> Result<()> {
    let text = std::fs::read_to_string(notebook).with_context(|| format!("cannot read {}", notebook.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not a notebook (not JSON)", notebook.display()))?;
    let (statements, server) =
        executed_statements(&json).map_err(|e| anyhow::anyhow!("{}: {e}", notebook.display()))?;
    let provenance = Provenance { source: notebook.display().to_string(), server };
    match export_files::export(&statements, &provenance, &request).map_err(anyhow::Error::msg)? {
        Exported::Shown(script) => print!("{script}"),
        Exported::Written(message) => eprintln!("{message}"),
    }
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("cannot start tokio")
}

fn run(connection_file: PathBuf) -> Result<()> {
    let info = ConnectionInfo::from_file(&connection_file)?;
    let rt = runtime()?;
    rt.block_on(serve(info, KsqlKernel::new()))?;
    // Don't wait for stray tasks (a query stream, a stuck subscriber) on the way out.
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(())
}

fn install(
    sys_prefix: bool,
    prefix: Option<PathBuf>,
    name: &str,
    display_name: Option<&str>,
    env: &[String],
    allow_secrets: bool,
) -> Result<()> {
    let destination = match (sys_prefix, prefix) {
        (_, Some(p)) => Destination::Prefix(p),
        (true, None) => Destination::SysPrefix,
        (false, None) => Destination::User,
    };
    let env: Vec<(String, String)> = env
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                // Not the argument itself: it may be a secret.
                .context("--env takes NAME=VALUE (an argument had no '=')")
        })
        .collect::<Result<_>>()?;
    let secrets = kernelspec::secret_names(&env);
    if !secrets.is_empty() {
        let names = secrets.join(", ");
        if !allow_secrets {
            anyhow::bail!(
                "refusing to write {names} into kernel.json, a plain file that other users may read. \
Put the secret in a profile of ~/.config/ksqldb-kernel/config.toml (password_env / api_secret_env / token_env \
name an environment variable), or export it in the environment Jupyter starts with. \
--allow-secrets-in-kernelspec writes it anyway."
            );
        }
        eprintln!("ksqldb-kernel: warning: writing {names} into kernel.json as asked (--allow-secrets-in-kernelspec)");
    }
    let dir = kernelspec::install(&destination, name, display_name, &env)?;
    println!("Installed the ksqlDB kernelspec '{name}' in {}", dir.display());
    Ok(())
}

fn sandbox(args: SandboxArgs) -> Result<()> {
    use ksqldb_sandbox::{topics::Retention, Options};
    let options = Options {
        listen: args.listen,
        allow_remote: args.allow_remote,
        allowed_origins: args.allow_origin,
        retention: Retention { records: args.retention_records, bytes: args.retention_bytes, ms: None },
        total_retention_bytes: args.retention_total_bytes,
        ..Options::default()
    };
    let rt = runtime()?;
    rt.block_on(async {
        let handle = ksqldb_sandbox::start(options).await?;
        let addr = handle.addr();
        // The warning goes first: whoever reads the address has the warning already.
        if !addr.ip().is_loopback() {
            eprintln!(
                "WARNING: the sandbox has no authentication: anyone who can reach {addr} can run any statement on it."
            );
        }
        if addr.ip().is_unspecified() {
            println!("ksqlDB sandbox listening on http://{addr} (every network interface; locally {})", handle.url());
        } else {
            println!("ksqlDB sandbox listening on http://{addr}");
        }
        println!("An in-memory ksqlDB-compatible server: no Kafka, nothing persisted. Stop it with Ctrl-C.");
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        handle.shutdown();
        Ok::<(), anyhow::Error>(())
    })?;
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(())
}

fn check(url: Option<String>) -> Result<()> {
    let rt = runtime()?;
    rt.block_on(ksqldb_kernel::kernel::check::run(url))
}
