//! Everything the tool writes to standard output: aligned tables, JSON, and plain lines.
//!
//! Output goes through [`Output`], which writes without panicking when the reader goes away
//! (`vahti events --follow | head`) and uses bold headers only on a terminal.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::CliError;

/// The alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Amounts and counts, so that decimal points line up.
    Right,
}

/// A table with a header row and columns padded to the widest cell.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Creates a table with the given column headers and alignments.
    pub fn new(columns: &[(&'static str, Align)]) -> Self {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty and extra cells are dropped.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Returns whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Renders the table as lines separated by `\n`, with two spaces between columns, no trailing
    /// white space, and bold headers when `bold` is set.
    pub fn render(&self, bold: bool) -> String {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, (header, _))| {
                let cells = self.rows.iter().map(|row| cell(row, index).chars().count());
                cells.fold(header.chars().count(), usize::max)
            })
            .collect();

        let headers: Vec<String> = self
            .columns
            .iter()
            .map(|(header, _)| (*header).to_owned())
            .collect();
        let mut text = self.render_row(&headers, &widths);
        if bold {
            text = format!("\u{1b}[1m{text}\u{1b}[0m");
        }
        for row in &self.rows {
            text.push('\n');
            text.push_str(&self.render_row(row, &widths));
        }
        text
    }

    fn render_row(&self, row: &[String], widths: &[usize]) -> String {
        let mut line = String::new();
        for (index, ((_, align), width)) in self.columns.iter().zip(widths).enumerate() {
            if index > 0 {
                line.push_str("  ");
            }
            let value = cell(row, index);
            let padding = width.saturating_sub(value.chars().count());
            match align {
                Align::Left => {
                    line.push_str(value);
                    line.extend(std::iter::repeat_n(' ', padding));
                }
                Align::Right => {
                    line.extend(std::iter::repeat_n(' ', padding));
                    line.push_str(value);
                }
            }
        }
        line.trim_end().to_owned()
    }
}

fn cell(row: &[String], index: usize) -> &str {
    row.get(index).map_or("", String::as_str)
}

/// Standard output with the settings of this run.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Print the server's JSON instead of tables.
    pub json: bool,
    /// Use bold table headers: stdout is a terminal and `NO_COLOR` is not set.
    pub styled: bool,
}

impl Output {
    /// Detects whether standard output is a terminal that may show styles.
    pub fn detect(json: bool) -> Self {
        let styled = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Output { json, styled }
    }

    /// Writes one line.
    pub fn line(&self, text: impl AsRef<str>) -> Result<(), CliError> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", text.as_ref())?;
        Ok(())
    }

    /// Writes a table, or `empty` when it has no rows.
    pub fn table(&self, table: &Table, empty: &str) -> Result<(), CliError> {
        if table.is_empty() {
            return self.line(empty);
        }
        self.line(table.render(self.styled))
    }

    /// Writes a value as indented JSON.
    pub fn json<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|error| CliError::Output(std::io::Error::other(error)))?;
        self.line(text)
    }

    /// Writes a value as JSON on one line, for streams such as followed events.
    pub fn json_line<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        let text = serde_json::to_string(value)
            .map_err(|error| CliError::Output(std::io::Error::other(error)))?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{text}")?;
        stdout.flush()?;
        Ok(())
    }
}

/// Formats an optional value, or `-` when absent.
pub fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}

/// Formats an IBAN in the printed form with groups of four, such as `FI49 5000 9420 0287 30`.
///
/// A value that is not a valid IBAN is printed as the server sent it.
pub fn iban(value: &str) -> String {
    vahti_domain::ident::Iban::parse(value)
        .map_or_else(|_| value.to_owned(), |iban| iban.to_printed())
}

/// Formats an amount with its currency, such as `124.50 EUR`.
pub fn money(amount: Decimal, currency: &str) -> String {
    format!("{amount} {currency}")
}

/// Formats an instant in UTC to the minute, such as `2026-03-02 07:00`.
pub fn instant(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_printed_in_groups() {
        assert_eq!(iban("FI4950009420028730"), "FI49 5000 9420 0287 30");
        assert_eq!(iban("FI49 5000 9420 0287 30"), "FI49 5000 9420 0287 30");
        assert_eq!(iban("not an iban"), "not an iban");
    }

    #[test]
    fn table_aligns_columns() {
        let mut table = Table::new(&[("INVOICE", Align::Left), ("AMOUNT", Align::Right)]);
        table.push(vec!["INV-1".to_owned(), "124.50".to_owned()]);
        table.push(vec!["INV-1000".to_owned(), "5.00".to_owned()]);
        assert_eq!(
            table.render(false),
            "INVOICE   AMOUNT\nINV-1     124.50\nINV-1000    5.00"
        );
    }

    #[test]
    fn table_counts_characters_not_bytes() {
        let mut table = Table::new(&[("NAME", Align::Left), ("N", Align::Right)]);
        table.push(vec!["Äänekoski".to_owned(), "1".to_owned()]);
        table.push(vec!["Oulu".to_owned(), "22".to_owned()]);
        assert_eq!(
            table.render(false),
            "NAME        N\nÄänekoski   1\nOulu       22"
        );
    }

    #[test]
    fn table_tolerates_short_rows() {
        let mut table = Table::new(&[("A", Align::Left), ("B", Align::Left)]);
        table.push(vec!["x".to_owned()]);
        table.push(vec!["y".to_owned(), "z".to_owned(), "extra".to_owned()]);
        assert_eq!(table.render(false), "A  B\nx\ny  z");
    }

    #[test]
    fn table_bold_header_only() {
        let mut table = Table::new(&[("A", Align::Left)]);
        table.push(vec!["x".to_owned()]);
        assert_eq!(table.render(true), "\u{1b}[1mA\u{1b}[0m\nx");
    }
}
