//! A status line that updates in place: shown once as display_data with a display id, then
//! replaced with update_display_data. Used for long work (connecting, waiting for the
//! server, RUN SCRIPT) so that progress never piles up as separate outputs.

use jupyter_kernel::ExecuteContext;
use ksqldb_render::MimeBundle;

pub struct StatusLine {
    display_id: String,
    shown: bool,
}

impl Default for StatusLine {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusLine {
    pub fn new() -> Self {
        Self { display_id: uuid::Uuid::new_v4().to_string(), shown: false }
    }

    /// True once something was shown.
    pub fn is_shown(&self) -> bool {
        self.shown
    }

    /// Shows `bundle`: the first time as a new output, after that in place of the last one.
    pub async fn show(&mut self, ctx: &ExecuteContext, bundle: MimeBundle) {
        if self.shown {
            ctx.update_display(bundle.data, bundle.metadata, &self.display_id).await;
        } else {
            ctx.display(bundle.data, bundle.metadata, Some(&self.display_id)).await;
            self.shown = true;
        }
    }

    /// Removes the line if it was shown: an output with no data renders as nothing in
    /// JupyterLab and Notebook 7.
    pub async fn clear(&mut self, ctx: &ExecuteContext) {
        if self.shown {
            ctx.update_display(Default::default(), Default::default(), &self.display_id).await;
        }
    }
}
