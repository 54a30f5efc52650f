//! Binds the five sockets and serves them: shell and control (ROUTER), stdin (ROUTER),
//! IOPub (XPUB, via the [`Iopub`] owner task) and heartbeat (REP).
//!
//! Shell requests are read by one loop. `execute_request`s go, in order, to a single executor
//! task; cheap requests (completion, inspection, history, ...) are answered without waiting
//! for a running execution, so the editor stays responsive while a push query streams.

use super::abort::{AbortPoint, Interrupts};
use super::connection::ConnectionInfo;
use super::history::History;
use super::iopub::Iopub;
use super::language::{ExecuteContext, ExecuteOutcome, ExecuteRequest, IsComplete, LanguageKernel};
use super::session::{Session, PROTOCOL_VERSION};
use super::stdin::StdinChannel;
use super::wire::{IncomingMessage, Signer};
use anyhow::{Context, Result};
use futures_util::FutureExt;
use serde_json::{json, Value};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use zeromq::{
    RepSocket, RouterRecvHalf, RouterSendHalf, RouterSocket, Socket, SocketRecv, SocketSend, XPubSocket, ZmqMessage,
};

/// How long shutdown waits for the language side to release its resources.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// State shared by the socket loops.
struct Shared<K> {
    kernel: Arc<K>,
    session: Arc<Session>,
    iopub: Iopub,
    stdin: Arc<tokio::sync::Mutex<RouterSocket>>,
    execution_count: AtomicU32,
    /// The running cell's cancellation, and an interrupt's effect on the queued cells.
    interrupts: Interrupts,
    history: Mutex<History>,
    /// True while an execute_request is being run.
    executing: std::sync::atomic::AtomicBool,
    /// Cancelled when the kernel must exit.
    exit: CancellationToken,
}

/// Runs the kernel until a shutdown_request (or the parent's death). A bind failure is an
/// error, so that the process exits non-zero and Jupyter restarts it on new ports.
pub async fn serve<K: LanguageKernel>(info: ConnectionInfo, kernel: K) -> Result<()> {
    let signer = Signer::new(&info.key, &info.signature_scheme).map_err(anyhow::Error::msg)?;
    let session = Arc::new(Session::new(signer));

    let mut iopub_socket = XPubSocket::new();
    bind(&mut iopub_socket, &info, info.iopub_port, "iopub").await?;
    let mut shell = RouterSocket::new();
    bind(&mut shell, &info, info.shell_port, "shell").await?;
    let mut control = RouterSocket::new();
    bind(&mut control, &info, info.control_port, "control").await?;
    let mut stdin = RouterSocket::new();
    bind(&mut stdin, &info, info.stdin_port, "stdin").await?;
    let mut heartbeat = RepSocket::new();
    bind(&mut heartbeat, &info, info.hb_port, "heartbeat").await?;

    let iopub = Iopub::start(iopub_socket, session.clone());
    iopub.status("starting", None).await;

    let history = History::open(kernel.history_file());
    let shared = Arc::new(Shared {
        kernel: Arc::new(kernel),
        session,
        iopub,
        stdin: Arc::new(tokio::sync::Mutex::new(stdin)),
        execution_count: AtomicU32::new(0),
        interrupts: Interrupts::default(),
        history: Mutex::new(history),
        executing: std::sync::atomic::AtomicBool::new(false),
        exit: CancellationToken::new(),
    });

    tokio::spawn(heartbeat_loop(heartbeat));
    watch_parent_process(shared.exit.clone());
    interrupt_on_sigint(shared.clone());

    let (shell_tx, shell_rx) = shell.split();
    let (control_tx, control_rx) = control.split();
    let (exec_tx, exec_rx) = mpsc::unbounded_channel();
    tokio::spawn(executor_loop(shared.clone(), shell_tx.clone(), exec_rx));
    tokio::spawn(shell_loop(shared.clone(), shell_rx, shell_tx, exec_tx));
    tokio::spawn(control_loop(shared.clone(), control_rx, control_tx));

    shared.exit.cancelled().await;
    shared.iopub.flush().await;
    Ok(())
}

async fn bind<S: Socket>(socket: &mut S, info: &ConnectionInfo, port: u16, name: &str) -> Result<()> {
    let endpoint = info.endpoint(port);
    socket.bind(&endpoint).await.with_context(|| format!("cannot bind the {name} socket on {endpoint}"))?;
    Ok(())
}

async fn heartbeat_loop(mut socket: RepSocket) {
    loop {
        match socket.recv().await {
            Ok(ping) => {
                if let Err(e) = socket.send(ping).await {
                    eprintln!("[ksqldb-kernel] heartbeat send failed: {e}");
                }
            }
            Err(e) => {
                eprintln!("[ksqldb-kernel] heartbeat read failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Exits when the process named by JPY_PARENT_PID (the Jupyter server) dies: we are then
/// re-parented, so our parent id changes.
fn watch_parent_process(exit: CancellationToken) {
    let Some(parent) = std::env::var("JPY_PARENT_PID").ok().and_then(|p| p.parse::<u32>().ok()) else {
        return;
    };
    if parent <= 1 {
        return;
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let alive = std::path::Path::new(&format!("/proc/{parent}")).exists();
            if std::os::unix::process::parent_id() != parent || !alive {
                eprintln!("[ksqldb-kernel] parent process {parent} is gone; exiting");
                exit.cancel();
                return;
            }
        }
    });
}

/// The stop button (interrupt_request, or SIGINT): cancels the running cell, aborts the cells
/// queued before now, and lets the language stop what it runs in the background.
async fn interrupt<K: LanguageKernel>(shared: &Shared<K>) {
    let running = shared.executing.load(Ordering::SeqCst);
    shared.interrupts.interrupt();
    shared.kernel.interrupt(running).await;
}

/// SIGINT interrupts like interrupt_request does (kernel.json asks for messages, but a front
/// end or a terminal may still send the signal), instead of killing the kernel.
fn interrupt_on_sigint<K: LanguageKernel>(shared: Arc<Shared<K>>) {
    let Ok(mut signals) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) else {
        eprintln!("[ksqldb-kernel] cannot handle SIGINT; interrupt_request still works");
        return;
    };
    tokio::spawn(async move {
        while signals.recv().await.is_some() {
            interrupt(&shared).await;
        }
    });
}

/// Reads and verifies one message; `None` (after logging) for anything unusable.
async fn receive(socket: &mut RouterRecvHalf, session: &Session, channel: &str) -> Option<IncomingMessage> {
    match socket.recv().await {
        Ok(message) => match session.receive(message.into_vec()) {
            Ok(msg) => Some(msg),
            Err(e) => {
                eprintln!("[ksqldb-kernel] dropped a message on {channel}: {e}");
                None
            }
        },
        Err(e) => {
            eprintln!("[ksqldb-kernel] {channel} read error: {e}");
            tokio::time::sleep(Duration::from_millis(10)).await;
            None
        }
    }
}

/// Sends a reply routed to the requester. A peer that went away is logged, never fatal.
async fn reply(
    socket: &mut RouterSendHalf,
    session: &Session,
    request: &IncomingMessage,
    msg_type: &str,
    content: Value,
) {
    let frames = session.message(&request.identities, msg_type, Some(&request.header), json!({}), content);
    let Ok(message) = ZmqMessage::try_from(frames) else {
        return;
    };
    if let Err(e) = socket.send(message).await {
        eprintln!("[ksqldb-kernel] could not send {msg_type}: {e}");
    }
}

async fn shell_loop<K: LanguageKernel>(
    shared: Arc<Shared<K>>,
    mut rx: RouterRecvHalf,
    tx: RouterSendHalf,
    exec_tx: mpsc::UnboundedSender<Queued>,
) {
    loop {
        let Some(request) = receive(&mut rx, &shared.session, "shell").await else {
            continue;
        };
        match request.msg_type() {
            "execute_request" => {
                if exec_tx.send(Queued { request, received: tokio::time::Instant::now() }).is_err() {
                    return;
                }
            }
            // Completion and inspection may ask the server: never hold up the loop for them.
            "complete_request" | "inspect_request" => {
                let shared = shared.clone();
                let mut tx = tx.clone();
                tokio::spawn(async move { handle_request(&shared, &mut tx, request).await });
            }
            _ => {
                let mut tx = tx.clone();
                handle_request(&shared, &mut tx, request).await;
            }
        }
    }
}

async fn control_loop<K: LanguageKernel>(shared: Arc<Shared<K>>, mut rx: RouterRecvHalf, mut tx: RouterSendHalf) {
    loop {
        let Some(request) = receive(&mut rx, &shared.session, "control").await else {
            continue;
        };
        handle_request(&shared, &mut tx, request).await;
    }
}

/// Everything but execute_request, wrapped in busy/idle (jupyter_client's readiness check
/// and jupyter_server's nudge need the IOPub status around kernel_info in particular).
async fn handle_request<K: LanguageKernel>(shared: &Shared<K>, tx: &mut RouterSendHalf, request: IncomingMessage) {
    let parent = Some(&request.header);
    shared.iopub.status("busy", parent).await;
    // A panic while answering one request answers it with an error and leaves every socket
    // serving (AssertUnwindSafe: the shared state is behind locks that tolerate poisoning).
    let answered = AssertUnwindSafe(dispatch(shared, tx, &request)).catch_unwind().await;
    match answered {
        Ok(Dispatched::Exit) => return,
        Ok(Dispatched::Done) => {}
        Err(panic) => {
            let msg_type = request.msg_type();
            eprintln!("[ksqldb-kernel] internal error while handling {msg_type}: {}", panic_text(&*panic));
            if let Some(reply_type) = msg_type.strip_suffix("_request") {
                let content = internal_error_content();
                reply(tx, &shared.session, &request, &format!("{reply_type}_reply"), content).await;
            }
        }
    }
    shared.iopub.status("idle", parent).await;
}

/// Whether the kernel goes on after a request.
enum Dispatched {
    Done,
    Exit,
}

/// The text of a panic payload (a `&str` or `String` message, else a placeholder).
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// The reply content for a request whose handler panicked.
fn internal_error_content() -> Value {
    let evalue = "the kernel hit an internal error while handling this request; it keeps running. \
Please report it (the kernel's log has the details).";
    json!({
        "status": "error", "ename": "InternalError", "evalue": evalue,
        "traceback": [format!("InternalError: {evalue}")]
    })
}

async fn dispatch<K: LanguageKernel>(
    shared: &Shared<K>,
    tx: &mut RouterSendHalf,
    request: &IncomingMessage,
) -> Dispatched {
    let parent = Some(&request.header);
    let session = &shared.session;
    match request.msg_type() {
        "kernel_info_request" => {
            reply(tx, session, request, "kernel_info_reply", kernel_info_content(&*shared.kernel)).await;
        }
        "complete_request" => {
            let code = request.content_str("code").to_string();
            let cursor = request.content_usize("cursor_pos").unwrap_or_else(|| code.chars().count());
            let r = shared.kernel.complete(code, cursor).await;
            let content = json!({"status": "ok", "matches": r.matches, "cursor_start": r.cursor_start,
                                 "cursor_end": r.cursor_end, "metadata": r.metadata});
            reply(tx, session, request, "complete_reply", content).await;
        }
        "inspect_request" => {
            let code = request.content_str("code").to_string();
            let cursor = request.content_usize("cursor_pos").unwrap_or_else(|| code.chars().count());
            let detail = request.content_usize("detail_level").unwrap_or(0).min(1) as u8;
            let r = shared.kernel.inspect(code, cursor, detail).await;
            let content = json!({"status": "ok", "found": r.found, "data": r.data, "metadata": r.metadata});
            reply(tx, session, request, "inspect_reply", content).await;
        }
        "is_complete_request" => {
            let content = match shared.kernel.is_complete(request.content_str("code")) {
                IsComplete::Complete => json!({"status": "complete"}),
                IsComplete::Incomplete { indent } => json!({"status": "incomplete", "indent": indent}),
                IsComplete::Invalid => json!({"status": "invalid"}),
                IsComplete::Unknown => json!({"status": "unknown"}),
            };
            reply(tx, session, request, "is_complete_reply", content).await;
        }
        "history_request" => {
            let content = history_content(shared, request);
            reply(tx, session, request, "history_reply", content).await;
        }
        "comm_info_request" => {
            reply(tx, session, request, "comm_info_reply", json!({"status": "ok", "comms": {}})).await;
        }
        "comm_open" => {
            // No comm targets here: tell the front end the comm is closed.
            let comm_id = request.content_str("comm_id").to_string();
            shared.iopub.publish("comm_close", parent, json!({"comm_id": comm_id, "data": {}})).await;
        }
        "interrupt_request" => {
            interrupt(shared).await;
            reply(tx, session, request, "interrupt_reply", json!({"status": "ok"})).await;
        }
        "shutdown_request" => {
            let restart = request.content_bool("restart", false);
            let content = json!({"status": "ok", "restart": restart});
            reply(tx, session, request, "shutdown_reply", content.clone()).await;
            shared.iopub.publish("shutdown_reply", parent, content).await;
            shared.interrupts.cancel_running();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, shared.kernel.shutdown(restart)).await;
            shared.iopub.status("idle", parent).await;
            shared.exit.cancel();
            return Dispatched::Exit;
        }
        other => {
            // Kernels need not answer message types they don't handle (comm_msg, debug, ...).
            if !other.starts_with("comm_") {
                eprintln!("[ksqldb-kernel] no handler for {other}");
            }
        }
    }
    Dispatched::Done
}

fn kernel_info_content<K: LanguageKernel>(kernel: &K) -> Value {
    let info = kernel.kernel_info();
    let links: Vec<Value> = info.help_links.iter().map(|(text, url)| json!({"text": text, "url": url})).collect();
    json!({
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": info.implementation,
        "implementation_version": info.implementation_version,
        "language_info": info.language_info,
        "banner": info.banner,
        "help_links": links,
        "debugger": false,
        "supported_features": [],
    })
}

/// An execute_request waiting for the executor, with when the shell loop read it.
struct Queued {
    request: IncomingMessage,
    received: tokio::time::Instant,
}

async fn executor_loop<K: LanguageKernel>(
    shared: Arc<Shared<K>>,
    mut tx: RouterSendHalf,
    mut queue: mpsc::UnboundedReceiver<Queued>,
) {
    // A request read while aborting that was sent after the abort point: it runs next.
    let mut next: Option<Queued> = None;
    // The last abort point: a request dated before it that arrives after the abort window (a
    // loaded machine) is aborted too, not run.
    let mut last_point: Option<AbortPoint> = None;
    loop {
        let queued = match next.take() {
            Some(queued) => Some(queued),
            None => tokio::select! {
                queued = queue.recv() => match queued {
                    Some(queued) => Some(queued),
                    None => return,
                },
                // An interrupt while no cell runs: requests in flight may be from before it.
                _ = shared.interrupts.woken() => None,
            },
        };
        let Some(queued) = queued else {
            if let Some(point) = shared.interrupts.take_pending() {
                last_point = Some(point);
                next = abort_queued(&shared, &mut tx, &mut queue, point, None).await;
            }
            continue;
        };
        if let Some(point) = last_point.filter(|p| p.dated_before(&queued.request.header)) {
            next = abort_queued(&shared, &mut tx, &mut queue, point, Some(queued)).await;
            continue;
        }
        let cancel = match shared.interrupts.start_cell() {
            Ok(cancel) => cancel,
            // An interrupt came before this cell started: the cell (and the queue) is judged first.
            Err(point) => {
                last_point = Some(point);
                next = abort_queued(&shared, &mut tx, &mut queue, point, Some(queued)).await;
                continue;
            }
        };
        let failure = execute(&shared, &mut tx, &queued.request, cancel).await;
        // An interrupt during the cell: its point, unless the cell's failure (later) covers it.
        let interrupted = shared.interrupts.take_pending();
        if let Some(point) = failure.or(interrupted) {
            last_point = Some(point);
            next = abort_queued(&shared, &mut tx, &mut queue, point, None).await;
        }
    }
}

/// How long, after an abort point, requests sent before it may still be arriving (a front
/// end's "Run All" sends them in a burst; the shell loop may not have read them all yet).
const ABORT_WINDOW: Duration = Duration::from_millis(500);

/// Answers "aborted" to the execute requests sent before `point` (see [`AbortPoint`]):
/// `first` (a request already taken from the queue), the queued ones, and those arriving
/// within [`ABORT_WINDOW`]. The first request sent after the point (nbclient with
/// allow_errors reacting to an error reply, a cell run after the stop button) is returned to
/// be run.
async fn abort_queued<K: LanguageKernel>(
    shared: &Shared<K>,
    tx: &mut RouterSendHalf,
    queue: &mut mpsc::UnboundedReceiver<Queued>,
    point: AbortPoint,
    mut first: Option<Queued>,
) -> Option<Queued> {
    let window_end = tokio::time::Instant::now() + ABORT_WINDOW;
    loop {
        let queued = match first.take() {
            Some(queued) => queued,
            None => match queue.try_recv() {
                Ok(queued) => queued,
                Err(_) => match tokio::time::timeout_at(window_end, queue.recv()).await {
                    Ok(Some(queued)) => queued,
                    _ => return None,
                },
            },
        };
        if !point.sent_before(queued.received, &queued.request.header) {
            return Some(queued);
        }
        let queued = queued.request;
        shared.iopub.status("busy", Some(&queued.header)).await;
        reply(tx, &shared.session, &queued, "execute_reply", json!({"status": "aborted"})).await;
        shared.iopub.status("idle", Some(&queued.header)).await;
    }
}

/// Runs one execute_request; when it failed and asked to stop on error, returns when.
async fn execute<K: LanguageKernel>(
    shared: &Shared<K>,
    tx: &mut RouterSendHalf,
    request: &IncomingMessage,
    cancel: CancellationToken,
) -> Option<AbortPoint> {
    let parent = Arc::new(request.header.clone());
    shared.iopub.status("busy", Some(&parent)).await;

    let silent = request.content_bool("silent", false);
    let store_history = !silent && request.content_bool("store_history", true);
    let code = request.content_str("code").to_string();
    let count = if store_history {
        shared.execution_count.fetch_add(1, Ordering::SeqCst) + 1
    } else {
        shared.execution_count.load(Ordering::SeqCst)
    };
    if !silent {
        shared.iopub.publish("execute_input", Some(&parent), json!({"code": code, "execution_count": count})).await;
    }

    let allow_stdin = request.content_bool("allow_stdin", false);
    let stdin = allow_stdin
        .then(|| StdinChannel::new(shared.stdin.clone(), shared.session.clone(), request.identities.clone()));
    let payloads = Arc::new(Mutex::new(Vec::new()));
    let ctx = ExecuteContext {
        iopub: shared.iopub.clone(),
        parent: parent.clone(),
        execution_count: count,
        silent,
        cancel,
        stdin,
        cell_id: request.metadata.get("cellId").and_then(Value::as_str).map(str::to_string),
        payloads: payloads.clone(),
        shape: {
            let kernel = shared.kernel.clone();
            Arc::new(move |data: &mut serde_json::Map<String, Value>| kernel.shape_output(data))
        },
    };
    let exec_request = ExecuteRequest {
        code: code.clone(),
        silent,
        store_history,
        allow_stdin,
        stop_on_error: request.content_bool("stop_on_error", true),
        cell_id: request.metadata.get("cellId").and_then(Value::as_str).map(str::to_string),
    };
    let stop_on_error = exec_request.stop_on_error;
    shared.executing.store(true, Ordering::SeqCst);
    let outcome = match AssertUnwindSafe(shared.kernel.execute(exec_request, ctx)).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(panic) => {
            eprintln!("[ksqldb-kernel] internal error while executing a cell: {}", panic_text(&*panic));
            let content = internal_error_content();
            ExecuteOutcome::Error {
                ename: "InternalError".into(),
                evalue: content["evalue"].as_str().unwrap_or_default().to_string(),
                traceback: vec![content["traceback"][0].as_str().unwrap_or_default().to_string()],
            }
        }
    };
    shared.executing.store(false, Ordering::SeqCst);

    if store_history {
        if let Ok(mut history) = shared.history.lock() {
            history.record(count, &shared.kernel.history_input(&code));
        }
    }
    let mut failure = None;
    match outcome {
        ExecuteOutcome::Ok => {
            let payload: Vec<Value> = payloads.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default();
            let content = json!({"status": "ok", "execution_count": count, "payload": payload, "user_expressions": {}});
            reply(tx, &shared.session, request, "execute_reply", content).await;
        }
        ExecuteOutcome::Error { ename, evalue, traceback } => {
            if !silent {
                let error = json!({"ename": ename, "evalue": evalue, "traceback": traceback});
                shared.iopub.publish("error", Some(&parent), error).await;
            }
            let content = json!({"status": "error", "execution_count": count, "ename": ename,
                                 "evalue": evalue, "traceback": traceback});
            // Just before the reply goes out: a client reacting to it sends (and dates) its next
            // request after this, and the kernel reads it after this.
            failure = Some(AbortPoint::now());
            reply(tx, &shared.session, request, "execute_reply", content).await;
        }
    }
    shared.iopub.status("idle", Some(&parent)).await;
    failure.filter(|_| stop_on_error && !silent)
}

/// history_request: tail, range and search over the cells of this and earlier sessions.
fn history_content<K>(shared: &Shared<K>, request: &IncomingMessage) -> Value {
    match shared.history.lock() {
        Ok(history) => history.reply(&request.content),
        Err(_) => json!({"status": "ok", "history": []}),
    }
}
