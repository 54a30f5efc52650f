//! What a language implements to become a kernel, and the context it gets while executing.
//! The protocol side (sockets, signing, busy/idle, counters, history) stays in `jupyter/`.

use super::iopub::Iopub;
use super::stdin::StdinChannel;
use serde_json::{json, Map, Value};
use std::future::Future;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Static facts for kernel_info_reply.
#[derive(Debug, Clone)]
pub struct KernelInfo {
    pub implementation: String,
    pub implementation_version: String,
    pub language_info: Value,
    pub banner: String,
    pub help_links: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct ExecuteRequest {
    pub code: String,
    pub silent: bool,
    pub store_history: bool,
    pub allow_stdin: bool,
    pub stop_on_error: bool,
    /// JupyterLab sends the cell id in the request metadata; lets a re-run find its
    /// predecessor.
    pub cell_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExecuteOutcome {
    Ok,
    Error { ename: String, evalue: String, traceback: Vec<String> },
}

#[derive(Debug, Clone, Default)]
pub struct CompleteReply {
    pub matches: Vec<String>,
    /// Code-point offsets into the code.
    pub cursor_start: usize,
    pub cursor_end: usize,
    pub metadata: Map<String, Value>,
}

#[derive(Debug, Clone, Default)]
pub struct InspectReply {
    pub found: bool,
    pub data: Map<String, Value>,
    pub metadata: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IsComplete {
    Complete,
    Incomplete { indent: String },
    Invalid,
    Unknown,
}

/// The language side of the kernel.
pub trait LanguageKernel: Send + Sync + 'static {
    fn kernel_info(&self) -> KernelInfo;
    fn execute(&self, request: ExecuteRequest, ctx: ExecuteContext) -> impl Future<Output = ExecuteOutcome> + Send;
    fn complete(&self, code: String, cursor_pos: usize) -> impl Future<Output = CompleteReply> + Send;
    fn inspect(&self, code: String, cursor_pos: usize, detail_level: u8) -> impl Future<Output = InspectReply> + Send;
    fn is_complete(&self, code: &str) -> IsComplete;
    /// Where to keep the executed cells across restarts (history_request); None keeps them
    /// in memory only.
    fn history_file(&self) -> Option<std::path::PathBuf> {
        None
    }
    /// The text of a cell as it goes into the persisted history: a language masks what must
    /// not be stored (secrets typed by mistake).
    fn history_input(&self, code: &str) -> String {
        code.to_string()
    }
    /// Shapes every display or result of a cell before it is sent: a language bounds the
    /// size of its outputs here.
    fn shape_output(&self, _data: &mut Map<String, Value>) {}
    /// Called on interrupt_request, after the running execution (if any) was cancelled.
    /// `execution_running` tells whether a cell was running.
    fn interrupt(&self, execution_running: bool) -> impl Future<Output = ()> + Send;
    /// Called on shutdown_request (and before exiting for any other reason): release
    /// server-side resources such as running queries.
    fn shutdown(&self, restart: bool) -> impl Future<Output = ()> + Send;
}

/// Everything an execution may do towards the front end. Cloneable and `'static`, so a
/// background task can keep updating a display after the cell has finished.
#[derive(Clone)]
pub struct ExecuteContext {
    pub(crate) iopub: Iopub,
    pub(crate) parent: Arc<Map<String, Value>>,
    pub(crate) execution_count: u32,
    pub(crate) silent: bool,
    pub(crate) cancel: CancellationToken,
    pub(crate) stdin: Option<StdinChannel>,
    pub(crate) cell_id: Option<String>,
    /// Reply payloads (the pager), collected for the execute_reply.
    pub(crate) payloads: Arc<std::sync::Mutex<Vec<Value>>>,
    /// The language's [`LanguageKernel::shape_output`].
    pub(crate) shape: OutputShaper,
}

/// A language's output shaping, callable from any task that holds the context.
pub type OutputShaper = Arc<dyn Fn(&mut Map<String, Value>) + Send + Sync>;

impl ExecuteContext {
    pub fn execution_count(&self) -> u32 {
        self.execution_count
    }

    /// The notebook cell being run (JupyterLab and Notebook 7 send it), if known.
    pub fn cell_id(&self) -> Option<&str> {
        self.cell_id.as_deref()
    }

    /// Whether the front end can answer input requests; headless runners (nbclient,
    /// papermill) cannot, which also means nobody is there to press stop.
    pub fn allows_input(&self) -> bool {
        self.stdin.is_some()
    }

    /// Cancelled when the user interrupts the kernel (interrupt_request).
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The request header, e.g. to tell one cell's outputs from another's.
    pub fn parent_msg_id(&self) -> &str {
        self.parent.get("msg_id").and_then(Value::as_str).unwrap_or("")
    }

    pub async fn display(&self, data: Map<String, Value>, metadata: Map<String, Value>, display_id: Option<&str>) {
        if self.silent {
            return;
        }
        let mut data = data;
        (self.shape)(&mut data);
        let mut content = json!({"data": data, "metadata": metadata, "transient": {}});
        if let Some(id) = display_id {
            content["transient"] = json!({"display_id": id});
        }
        self.iopub.publish("display_data", Some(&self.parent), content).await;
    }

    /// Replaces the output shown under `display_id` (parented to the original request).
    pub async fn update_display(&self, data: Map<String, Value>, metadata: Map<String, Value>, display_id: &str) {
        if self.silent {
            return;
        }
        let mut data = data;
        (self.shape)(&mut data);
        let content = json!({"data": data, "metadata": metadata, "transient": {"display_id": display_id}});
        self.iopub.publish("update_display_data", Some(&self.parent), content).await;
    }

    pub async fn execute_result(&self, data: Map<String, Value>, metadata: Map<String, Value>) {
        if self.silent {
            return;
        }
        let mut data = data;
        (self.shape)(&mut data);
        let content = json!({"execution_count": self.execution_count, "data": data, "metadata": metadata});
        self.iopub.publish("execute_result", Some(&self.parent), content).await;
    }

    /// `name` is "stdout" or "stderr".
    pub async fn stream(&self, name: &str, text: &str) {
        if self.silent {
            return;
        }
        self.iopub.publish("stream", Some(&self.parent), json!({"name": name, "text": text})).await;
    }

    pub async fn clear_output(&self, wait: bool) {
        if self.silent {
            return;
        }
        self.iopub.publish("clear_output", Some(&self.parent), json!({"wait": wait})).await;
    }

    /// Shows `data` in the front end's pager (JupyterLab shows it below the cell): an
    /// execute_reply payload with `source: page`.
    pub fn page(&self, data: Map<String, Value>) {
        if let Ok(mut payloads) = self.payloads.lock() {
            payloads.push(json!({"source": "page", "data": data, "start": 0}));
        }
    }

    /// Asks the front end for a line of input (a password when `password`). `None` when the
    /// front end does not allow input, or the user interrupted.
    pub async fn input(&self, prompt: &str, password: bool) -> Option<String> {
        let stdin = self.stdin.as_ref()?;
        tokio::select! {
            value = stdin.request(&self.parent, prompt, password) => value,
            _ = self.cancel.cancelled() => None,
        }
    }
}
