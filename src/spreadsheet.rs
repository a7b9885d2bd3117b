//! The one writer for every CSV export (the ledger, and any export added later): RFC 4180
//! quoting by the `csv` crate, every cell quoted, and every cell a spreadsheet would read as a
//! formula neutralised.
//!
//! OWASP's rule (<https://owasp.org/www-community/attacks/CSV_Injection>): a cell must not
//! begin with `=`, `+`, `-`, `@`, tab (0x09), carriage return (0x0D) or line feed (0x0A); wrap
//! each cell in double quotes, escape the quotes inside, and prepend a single quote to a cell
//! that begins with one of those characters, so Excel, WPS and LibreOffice show it as text.
//! Spreadsheets skip leading spaces before deciding that a cell is a formula (` =1+1` is a
//! formula in Excel), so a cell whose first character after spaces is one of them is prefixed
//! too. The value stays readable: only the leading `'` is added, which a spreadsheet hides.

use std::borrow::Cow;
use std::io::Write;

use crate::error::{AppError, AppResult};

/// Characters that make a spreadsheet take a cell as a formula when they come first.
pub const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\n'];

/// Spaces a spreadsheet skips before it looks at the first character (ASCII, no-break and
/// ideographic spaces).
fn is_skipped_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{3000}')
}

/// True when a spreadsheet would read `cell` as a formula.
pub fn is_dangerous(cell: &str) -> bool {
    cell.trim_start_matches(is_skipped_space).starts_with(FORMULA_STARTS)
}

/// `cell` as text a spreadsheet shows and never evaluates: a leading `'` when it would be
/// taken as a formula, otherwise unchanged.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_dangerous(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A CSV writer that neutralises every cell (see the module's text). Exports write through it
/// and never through `csv::Writer` directly.
pub struct SafeCsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

fn fail(error: csv::Error) -> AppError {
    AppError::internal(format!("csv: {error}"))
}

impl<W: Write> SafeCsvWriter<W> {
    /// A writer over `out` (no header handling: write the header as the first row).
    pub fn new(out: W) -> Self {
        let inner = csv::WriterBuilder::new()
            .has_headers(false)
            .quote_style(csv::QuoteStyle::Always)
            .from_writer(out);
        SafeCsvWriter { inner }
    }

    /// Writes one row, each cell neutralised.
    pub fn write_row<I, T>(&mut self, cells: I) -> AppResult<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| neutralise(c.as_ref()).into_owned()).collect();
        self.inner.write_record(&cells).map_err(fail)
    }

    /// Flushes what was written to the underlying writer.
    pub fn flush(&mut self) -> AppResult<()> {
        self.inner.flush().map_err(|e| AppError::internal(format!("csv: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_start_is_neutralised_and_stays_readable() {
        for start in FORMULA_STARTS {
            let cell = format!("{start}HYPERLINK(\"http://x\",\"点我\")");
            assert_eq!(neutralise(&cell), format!("'{cell}"));
            let spaced = format!("  \u{3000}{cell}");
            assert_eq!(neutralise(&spaced), format!("'{spaced}"));
        }
        assert_eq!(neutralise("电费问题"), "电费问题");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn rows_are_quoted_and_neutralised() {
        let mut out = Vec::new();
        let mut writer = SafeCsvWriter::new(&mut out);
        writer.write_row(["=1+1", "a\"b", "ok"]).unwrap();
        writer.flush().unwrap();
        drop(writer);
        assert_eq!(String::from_utf8(out).unwrap(), "\"'=1+1\",\"a\"\"b\",\"ok\"\n");
    }
}
