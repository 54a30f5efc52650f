//! fake-ksqldb: a scripted fake ksqlDB server for the kernel's tests. See README.md.

mod grammar;
mod scenario;
mod server;
mod stream;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

use server::{App, Auth, Generation};

const USAGE: &str = "usage: fake-ksqldb [--listen 127.0.0.1:0] [--generation jetty|http2|current] [--version 0.29.0]
                   [--scenario FILE.json] [--basic USER:PASS] [--bearer TOKEN]
                   [--port-file FILE] [--tls-cert PEM --tls-key PEM [--client-ca PEM]]
                   [--print-default-scenario]";

struct Args {
    listen: String,
    generation: Generation,
    version: Option<String>,
    scenario: Option<String>,
    basic: Option<String>,
    bearer: Option<String>,
    port_file: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    client_ca: Option<String>,
    print_default: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        listen: "127.0.0.1:0".into(),
        generation: Generation::Current,
        version: None,
        scenario: None,
        basic: None,
        bearer: None,
        port_file: None,
        tls_cert: None,
        tls_key: None,
        client_ca: None,
        print_default: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut val = || -> Result<String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().with_context(|| format!("{flag} needs a value")),
            }
        };
        match flag.as_str() {
            "--listen" => a.listen = val()?,
            "--generation" => {
                a.generation = match val()?.as_str() {
                    "jetty" => Generation::Jetty,
                    "http2" => Generation::Http2,
                    "current" => Generation::Current,
                    o => bail!("unknown generation {o:?} (jetty|http2|current)"),
                }
            }
            "--version" => a.version = Some(val()?),
            "--scenario" => a.scenario = Some(val()?),
            "--basic" => a.basic = Some(val()?),
            "--bearer" => a.bearer = Some(val()?),
            "--port-file" => a.port_file = Some(val()?),
            "--tls-cert" => a.tls_cert = Some(val()?),
            "--tls-key" => a.tls_key = Some(val()?),
            "--client-ca" => a.client_ca = Some(val()?),
            "--print-default-scenario" => a.print_default = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            o => bail!("unknown argument {o:?}\n{USAGE}"),
        }
    }
    Ok(a)
}

/// Jetty-era servers speak HTTP/1.1 only: a connection that opens with the HTTP/2 preface is
/// closed without an answer. Returns false when the connection should be dropped.
async fn not_h2_preface(s: &TcpStream) -> bool {
    const PRE: &[u8] = b"PRI * HTTP/2.0";
    let mut buf = [0u8; 14];
    for _ in 0..200 {
        let n = match s.peek(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        let m = n.min(PRE.len());
        if buf[..m] != PRE[..m] {
            return true;
        }
        if m == PRE.len() {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

async fn serve_io<IO>(app: Arc<App>, io: IO)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let jetty = app.generation == Generation::Jetty;
    let svc = service_fn(move |req| server::handle(app.clone(), req));
    let io = TokioIo::new(io);
    let _ = if jetty {
        hyper::server::conn::http1::Builder::new().serve_connection(io, svc).await.map_err(|e| e.to_string())
    } else {
        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
            .serve_connection(io, svc)
            .await
            .map_err(|e| e.to_string())
    };
}

mod tls;

fn main() -> Result<()> {
    let args = parse_args()?;
    let default_version = match args.generation {
        Generation::Jetty => "0.7.1",
        Generation::Http2 => "0.15.0",
        Generation::Current => "0.29.0",
    };
    let version = args.version.clone().unwrap_or_else(|| default_version.to_string());
    let level = server::ksql_level(&version);
    if args.print_default {
        println!("{}", scenario::default_scenario(level));
        return Ok(());
    }
    let text = match &args.scenario {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("reading {p}"))?,
        None => scenario::default_scenario(level),
    };
    let sc = scenario::parse(&text)?;
    let auth = match (&args.basic, &args.bearer) {
        (Some(b), None) => Some(Auth::Basic(b.clone())),
        (None, Some(t)) => Some(Auth::Bearer(t.clone())),
        (None, None) => None,
        _ => bail!("use either --basic or --bearer"),
    };
    let seed =
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 ^ (std::process::id() as u64) << 32 | 1;
    let app = Arc::new(App {
        generation: args.generation,
        version,
        level,
        auth,
        scenario: RwLock::new(Arc::new(sc)),
        requests: Mutex::new(Vec::new()),
        active: Mutex::new(BTreeMap::new()),
        next_key: AtomicU64::new(1),
        seq: AtomicI64::new(if level >= (0, 10, 0) { 2 } else { 0 }),
        rng: Mutex::new(seed),
    });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(run(app, args))
}

async fn run(app: Arc<App>, args: Args) -> Result<()> {
    let listener = TcpListener::bind(&args.listen).await.with_context(|| format!("bind {}", args.listen))?;
    let addr = listener.local_addr()?;
    let tls = args.tls_cert.is_some() || args.tls_key.is_some();
    let acceptor = if tls {
        let (Some(c), Some(k)) = (&args.tls_cert, &args.tls_key) else { bail!("--tls-cert and --tls-key go together") };
        Some(tls::acceptor(c, k, args.client_ca.as_deref(), app.generation == Generation::Jetty)?)
    } else {
        None
    };
    if args.client_ca.is_some() && !tls {
        bail!("--client-ca needs --tls-cert and --tls-key");
    }
    if let Some(pf) = &args.port_file {
        let tmp = format!("{pf}.tmp");
        std::fs::write(&tmp, addr.port().to_string())?;
        std::fs::rename(&tmp, pf)?;
    }
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}://{}", if tls { "https" } else { "http" }, addr)?;
        out.flush()?;
    }
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            if let Some(acc) = acceptor {
                match acc.accept(stream).await {
                    Ok(s) => serve_io(app, s).await,
                    Err(e) => eprintln!("tls handshake: {e}"),
                }
                return;
            }
            if app.generation == Generation::Jetty && !not_h2_preface(&stream).await {
                return;
            }
            serve_io(app, stream).await;
        });
    }
}
