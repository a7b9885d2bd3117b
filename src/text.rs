//! The rules for every kind of user text, in one place: single-line texts (names, titles, short
//! labels) hold no control characters at all; multi-line texts (descriptions, notes, answers,
//! reasons) may hold line breaks and tabs. Both are trimmed and counted in characters, not
//! bytes. Each domain names its limits with [`single_line`] or [`multi_line`] and checks input
//! with [`TextRule::required`], [`TextRule::optional`] or [`TextRule::blank_allowed`]; every
//! refusal is `BAD_USER_INPUT` with the input's field.

use crate::error::{AppError, AppResult, CoreReason};

/// Which characters a text may hold besides printable ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// No control characters at all.
    Single,
    /// Line breaks (`\n`, `\r`) and tabs, no other control characters.
    Multi,
}

/// The rule of one kind of text: its lines and its length in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    pub lines: Lines,
    pub max_chars: usize,
}

/// A single-line text of at most `max_chars` characters.
pub const fn single_line(max_chars: usize) -> TextRule {
    TextRule {
        lines: Lines::Single,
        max_chars,
    }
}

/// A multi-line text of at most `max_chars` characters.
pub const fn multi_line(max_chars: usize) -> TextRule {
    TextRule {
        lines: Lines::Multi,
        max_chars,
    }
}

impl TextRule {
    fn allowed(self, c: char) -> bool {
        !c.is_control() || (self.lines == Lines::Multi && matches!(c, '\n' | '\r' | '\t'))
    }

    /// The trimmed text, which may be empty.
    pub fn blank_allowed(self, field: &str, value: &str) -> AppResult<String> {
        let value = value.trim();
        if value.chars().count() > self.max_chars {
            return Err(AppError::bad_field(field, CoreReason::TEXT_TOO_LONG).arg("max", self.max_chars));
        }
        if !value.chars().all(|c| self.allowed(c)) {
            return Err(AppError::bad_field(field, CoreReason::TEXT_CONTROL_CHARACTERS));
        }
        Ok(value.to_string())
    }

    /// The trimmed text, which must not be empty.
    pub fn required(self, field: &str, value: &str) -> AppResult<String> {
        let value = self.blank_allowed(field, value)?;
        if value.is_empty() {
            return Err(AppError::bad_field(field, CoreReason::TEXT_REQUIRED));
        }
        Ok(value)
    }

    /// The trimmed text, `None` when absent or blank.
    pub fn optional(self, field: &str, value: Option<&str>) -> AppResult<Option<String>> {
        Ok(value
            .map(|v| self.blank_allowed(field, v))
            .transpose()?
            .filter(|v| !v.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines_refuse_every_control_character() {
        let name = single_line(5);
        assert_eq!(name.required("name", "  雷均 ").unwrap(), "雷均");
        assert!(name.required("name", "a\nb").is_err());
        assert!(name.required("name", "a\tb").is_err());
        assert!(name.required("name", "   ").is_err());
        assert!(name.required("name", "六个字的名字").is_err());
        assert_eq!(name.blank_allowed("name", " ").unwrap(), "");
    }

    #[test]
    fn multi_lines_keep_line_breaks_and_tabs_only() {
        let note = multi_line(20);
        assert_eq!(
            note.required("note", "第一行\n\t第二行\r\n").unwrap(),
            "第一行\n\t第二行"
        );
        assert!(note.required("note", "bell\u{7}").is_err());
        assert!(note.required("note", "nul\u{0}").is_err());
        assert_eq!(note.optional("note", Some("  ")).unwrap(), None);
        assert_eq!(note.optional("note", None).unwrap(), None);
        let error = note.required("note", &"字".repeat(21)).unwrap_err();
        assert_eq!(error.code(), "BAD_USER_INPUT");
    }
}
