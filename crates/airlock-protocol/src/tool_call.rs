use serde::{Deserialize, Serialize};

/// One replacement inside a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub old: String,
    pub new: String,
    #[serde(default)]
    pub replace_all: bool,
}

/// What the model wants done, independent of which agent asked.
///
/// Hooks (Claude Code, Codex, Gemini CLI, OpenCode) and the gateway map their
/// own tool names onto these variants; the analyses only ever see this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToolCall {
    /// Run a shell command line.
    Shell {
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cwd: Option<String>,
    },
    /// Create or overwrite a file with the whole content.
    WriteFile { path: String, content: String },
    /// Replace text inside an existing file (one or more edits, in order).
    EditFile { path: String, edits: Vec<Edit> },
    /// Edit one cell of a Jupyter notebook.
    EditNotebook {
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cell_id: Option<String>,
        source: String,
        /// `replace`, `insert` or `delete`.
        mode: String,
    },
    /// A patch in the Codex `*** Begin Patch` format.
    ApplyPatch { patch: String },
    /// Fetch a URL (the agent's own web tool, not a shell command).
    FetchUrl { url: String },
    /// Anything else, kept as the agent sent it.
    Other {
        name: String,
        input: serde_json::Value,
    },
}

impl ToolCall {
    /// A short label for logs and reasons.
    pub fn kind(&self) -> &'static str {
        match self {
            ToolCall::Shell { .. } => "shell",
            ToolCall::WriteFile { .. } => "write_file",
            ToolCall::EditFile { .. } => "edit_file",
            ToolCall::EditNotebook { .. } => "edit_notebook",
            ToolCall::ApplyPatch { .. } => "apply_patch",
            ToolCall::FetchUrl { .. } => "fetch_url",
            ToolCall::Other { .. } => "other",
        }
    }
}
