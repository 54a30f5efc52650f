//! The Jupyter messaging protocol (5.4) over ZeroMQ. Knows nothing about ksqlDB: the
//! language side implements [`LanguageKernel`].

pub mod abort;
pub mod connection;
pub mod history;
pub mod iopub;
pub mod language;
pub mod replay;
pub mod server;
pub mod session;
pub mod stdin;
pub mod wire;

pub use connection::ConnectionInfo;
pub use language::{
    CompleteReply, ExecuteContext, ExecuteOutcome, ExecuteRequest, InspectReply, IsComplete, KernelInfo, LanguageKernel,
};
pub use server::serve;
