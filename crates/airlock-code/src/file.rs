//! One file's findings with their places in the file: the entry point for the
//! judge and for `airlock scan`. Notebooks are judged cell by cell.

use crate::change::{analyze_change, Change};
use crate::{line_col, notebook, Lang};
use airlock_config::Policy;
use airlock_protocol::{Category, Decision, Finding, Severity};

/// A finding and where it is: 1-based lines and columns of the file.
#[derive(Debug, Clone)]
pub struct Located {
    pub finding: Finding,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Findings of a changed file in `lang` (see [`analyze_change`]), located. An
/// `.ipynb` file is read as a notebook and its code cells judged.
pub fn analyze_file(change: &Change, lang: Lang, policy: &Policy) -> Vec<Located> {
    if change.path.to_ascii_lowercase().ends_with(".ipynb") {
        return analyze_notebook(change, lang, policy);
    }
    analyze_source(change, lang, policy)
}

/// Like [`analyze_file`] for text that is source code whatever its path says
/// (a notebook cell's source).
pub fn analyze_source(change: &Change, lang: Lang, policy: &Policy) -> Vec<Located> {
    locate(&change.text, analyze_change(change, lang, policy), 0)
}

fn locate(text: &str, findings: Vec<Finding>, first_line: usize) -> Vec<Located> {
    findings
        .into_iter()
        .map(|finding| {
            let (start, end) = finding.span.map(|s| (s.start, s.end)).unwrap_or((0, 0));
            let (line, column) = line_col(text, start);
            let (end_line, end_column) = line_col(text, end);
            Located { finding, line: line + first_line, column, end_line: end_line + first_line, end_column }
        })
        .collect()
}

fn analyze_notebook(change: &Change, lang: Lang, policy: &Policy) -> Vec<Located> {
    let cells = match notebook::cells(&change.text) {
        Ok(c) => c,
        Err(e) => {
            let finding = Finding {
                code: "PAR003".into(),
                category: Category::Unparseable,
                severity: Severity::Medium,
                decision: policy.unparseable.max(Decision::Ask),
                message: format!("the notebook cannot be read, so its code was not analysed: {e}"),
                span: None,
                snippet: None,
            };
            return vec![Located { finding, line: 1, column: 1, end_line: 1, end_column: 1 }];
        }
    };
    let lang = if lang == Lang::Text { Lang::Python } else { lang };
    cells
        .into_iter()
        .flat_map(|cell| {
            let c = crate::change::from_write(&change.path, &cell.source);
            let found = analyze_change(&c, lang, policy);
            locate(&cell.source, found, cell.line.saturating_sub(1))
        })
        .collect()
}
