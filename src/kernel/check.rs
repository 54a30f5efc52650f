//! `ksqldb-kernel check`: the connectivity test from the shell, with the same target
//! resolution as the kernel (KSQLDB_PROFILE, KSQLDB_URL, the config file's default).

use super::connect::test_connection;
use super::settings::{self, ConnectionTarget};
use anyhow::{bail, Result};

pub async fn run(url: Option<String>) -> Result<()> {
    // Kept alive until the test is done.
    let mut sandbox = None;
    let target = match url {
        Some(url) => ConnectionTarget::new(&url, "--url"),
        None => {
            let config = settings::load_config()?;
            match settings::default_target(config.as_ref())? {
                Some(target) => target,
                None => {
                    println!(
                        "No server configured (KSQLDB_URL, KSQLDB_PROFILE or a default profile): the kernel would \
                         use its embedded sandbox."
                    );
                    let handle = sandbox.insert(ksqldb_sandbox::start_in_process().await?);
                    ConnectionTarget::new(handle.url(), super::connect::SANDBOX_SOURCE)
                }
            }
        }
    };
    let result = test_connection(target).await;
    drop(sandbox);
    match result {
        Ok((_, rows)) => {
            let width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
            for (key, value) in rows {
                println!("{key:width$}  {value}");
            }
            Ok(())
        }
        Err(report) => {
            // Traceback lines carry ANSI colours for Jupyter; a log or pipe wants plain text.
            eprintln!("{}", report.plain_text());
            bail!("{}: {}", report.ename, report.evalue)
        }
    }
}
