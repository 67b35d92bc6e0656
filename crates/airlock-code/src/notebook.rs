//! Jupyter notebooks: the code cells of an `.ipynb` file, each with the line of
//! the notebook file its source starts on, so findings point into the file.

use crate::Error;
use serde_json::Value;

/// One code cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// 0-based index among all cells.
    pub index: usize,
    pub source: String,
    /// 1-based line of the notebook file holding the cell's first source line
    /// (exact for notebooks saved by Jupyter, one source line per file line).
    pub line: usize,
}

/// The code cells of a notebook. Markdown and raw cells are not code.
pub fn cells(json: &str) -> Result<Vec<Cell>, Error> {
    let doc: Value = serde_json::from_str(json).map_err(|e| Error::Notebook(e.to_string()))?;
    let list = doc
        .get("cells")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Notebook("no `cells` list".into()))?;
    // The k-th `"source"` key of the file belongs to the k-th cell (outputs have none).
    let mut keys = json.match_indices("\"source\"").map(|(i, _)| crate::line_col(json, i).0);
    let mut out = Vec::new();
    for (index, cell) in list.iter().enumerate() {
        let key_line = keys.next().unwrap_or(1);
        if cell.get("cell_type").and_then(Value::as_str) != Some("code") {
            continue;
        }
        let (source, line) = match cell.get("source") {
            Some(Value::String(s)) => (s.clone(), key_line),
            Some(Value::Array(parts)) => {
                let mut s = String::new();
                for p in parts {
                    s.push_str(p.as_str().ok_or_else(|| Error::Notebook(format!("cell {index}: a source line is not a string")))?);
                }
                (s, key_line + 1)
            }
            None => (String::new(), key_line),
            Some(_) => return Err(Error::Notebook(format!("cell {index}: `source` is neither a string nor a list"))),
        };
        out.push(Cell { index, source, line });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn code_cells_with_their_lines() {
        let nb = "{\n \"cells\": [\n  {\n   \"cell_type\": \"markdown\",\n   \"source\": [\"# hi\"]\n  },\n  {\n   \"cell_type\": \"code\",\n   \"outputs\": [],\n   \"source\": [\n    \"import os\\n\",\n    \"os.system(cmd)\"\n   ]\n  }\n ],\n \"nbformat\": 4\n}\n";
        let c = cells(nb).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].index, 1);
        assert_eq!(c[0].source, "import os\nos.system(cmd)");
        assert_eq!(c[0].line, 11);
        assert!(cells("{").is_err());
        assert!(cells("{\"cells\": [{\"cell_type\": \"code\", \"source\": 3}]}").is_err());
    }
}
