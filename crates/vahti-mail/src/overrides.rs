//! Tenant overrides of the built-in wording: a subject and one free paragraph per message kind
//! and locale, changed at run time without a rebuild.
//!
//! The free paragraph is plain text. It appears after the opening paragraph, escaped in the HTML
//! part, with blank lines separating paragraphs and single line breaks kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use vahti_domain::ErrorCode;

use crate::Locale;
use crate::model::{MessageKind, is_line_breaking};

/// The maximum length of an overriding subject, in characters. Mail clients show about 60 to 80
/// characters of a subject, and RFC 5322 section 2.1.1 recommends header lines under 78.
pub const MAX_SUBJECT_CHARS: usize = 150;

/// The maximum length of a free paragraph, in characters.
pub const MAX_PARAGRAPH_CHARS: usize = 2000;

/// A subject line: one line of text without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Subject(String);

impl Subject {
    /// Validates a subject. Surrounding white space is removed.
    ///
    /// # Errors
    ///
    /// [`OverrideError`] when the subject is empty, longer than [`MAX_SUBJECT_CHARS`], or
    /// contains CR, LF or another control character, which could start a new mail header.
    pub fn parse(text: &str) -> Result<Self, OverrideError> {
        if text.contains(['\r', '\n']) {
            return Err(OverrideError::SubjectLineBreak {
                value: text.to_owned(),
            });
        }
        if text.chars().any(is_line_breaking) {
            return Err(OverrideError::SubjectControlCharacter {
                value: text.to_owned(),
            });
        }

        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(OverrideError::SubjectEmpty);
        }
        let chars = trimmed.chars().count();
        if chars > MAX_SUBJECT_CHARS {
            return Err(OverrideError::SubjectTooLong {
                chars,
                max: MAX_SUBJECT_CHARS,
            });
        }
        Ok(Subject(trimmed.to_owned()))
    }

    /// The subject text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Subject::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A free paragraph of plain text, possibly several lines, with LF line endings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FreeParagraph(String);

impl FreeParagraph {
    /// Validates a free paragraph. CRLF and CR line endings become LF, trailing white space on
    /// each line and blank lines around the text are removed.
    ///
    /// # Errors
    ///
    /// [`OverrideError`] when the text is empty, longer than [`MAX_PARAGRAPH_CHARS`], or
    /// contains a control character other than a line break.
    pub fn parse(text: &str) -> Result<Self, OverrideError> {
        let unified = text.replace("\r\n", "\n").replace('\r', "\n");
        if unified.chars().any(|c| c != '\n' && is_line_breaking(c)) {
            return Err(OverrideError::ParagraphControlCharacter {
                value: text.to_owned(),
            });
        }

        let lines: Vec<&str> = unified.lines().map(str::trim_end).collect();
        let joined = lines.join("\n");
        let trimmed = joined.trim_matches('\n');
        if trimmed.trim().is_empty() {
            return Err(OverrideError::ParagraphEmpty);
        }
        let chars = trimmed.chars().count();
        if chars > MAX_PARAGRAPH_CHARS {
            return Err(OverrideError::ParagraphTooLong {
                chars,
                max: MAX_PARAGRAPH_CHARS,
            });
        }
        Ok(FreeParagraph(trimmed.to_owned()))
    }

    /// The text with LF line endings.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The paragraphs, split at blank lines, each as its lines.
    pub fn blocks(&self) -> Vec<Vec<String>> {
        let mut blocks = Vec::new();
        let mut current: Vec<String> = Vec::new();
        for line in self.0.lines() {
            if line.trim().is_empty() {
                if !current.is_empty() {
                    blocks.push(std::mem::take(&mut current));
                }
            } else {
                current.push(line.to_owned());
            }
        }
        if !current.is_empty() {
            blocks.push(current);
        }
        blocks
    }
}

impl<'de> Deserialize<'de> for FreeParagraph {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        FreeParagraph::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The overrides of one message kind in one locale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateOverride {
    /// Replaces the built-in subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// Added after the opening paragraph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<FreeParagraph>,
}

/// A tenant's overrides, at most one per message kind and locale.
///
/// Serialized as a list of entries with `kind`, `locale`, `subject` and `paragraph`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<OverrideEntry>", into = "Vec<OverrideEntry>")]
pub struct TemplateOverrides {
    entries: BTreeMap<(MessageKind, Locale), TemplateOverride>,
}

impl TemplateOverrides {
    /// No overrides: every message uses the built-in wording.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the override of `kind` in `locale`, replacing an earlier one.
    pub fn set(&mut self, kind: MessageKind, locale: Locale, value: TemplateOverride) {
        self.entries.insert((kind, locale), value);
    }

    /// The override of `kind` in `locale`.
    pub fn get(&self, kind: MessageKind, locale: Locale) -> Option<&TemplateOverride> {
        self.entries.get(&(kind, locale))
    }

    /// Removes the override of `kind` in `locale`.
    pub fn remove(&mut self, kind: MessageKind, locale: Locale) -> Option<TemplateOverride> {
        self.entries.remove(&(kind, locale))
    }
}

/// One stored override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct OverrideEntry {
    kind: MessageKind,
    locale: Locale,
    #[serde(flatten)]
    value: TemplateOverride,
}

impl TryFrom<Vec<OverrideEntry>> for TemplateOverrides {
    type Error = OverrideError;

    fn try_from(entries: Vec<OverrideEntry>) -> Result<Self, Self::Error> {
        let mut overrides = TemplateOverrides::new();
        for entry in entries {
            if overrides.get(entry.kind, entry.locale).is_some() {
                return Err(OverrideError::Duplicate {
                    kind: entry.kind.as_str(),
                    locale: entry.locale,
                });
            }
            overrides.set(entry.kind, entry.locale, entry.value);
        }
        Ok(overrides)
    }
}

impl From<TemplateOverrides> for Vec<OverrideEntry> {
    fn from(overrides: TemplateOverrides) -> Self {
        overrides
            .entries
            .into_iter()
            .map(|((kind, locale), value)| OverrideEntry {
                kind,
                locale,
                value,
            })
            .collect()
    }
}

/// An invalid override.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// The subject is empty.
    #[error("the subject is missing: it must contain text")]
    SubjectEmpty,

    /// The subject contains CR or LF, which would start a new mail header.
    #[error(
        "the subject {value:?} contains a line break (CR or LF): a subject is one line, so remove it"
    )]
    SubjectLineBreak {
        /// The subject as given.
        value: String,
    },

    /// The subject contains another control character.
    #[error("the subject {value:?} contains a control character: remove it")]
    SubjectControlCharacter {
        /// The subject as given.
        value: String,
    },

    /// The subject is too long.
    #[error("the subject has {chars} characters, but at most {max} are allowed")]
    SubjectTooLong {
        /// The number of characters found.
        chars: usize,
        /// The maximum number of characters.
        max: usize,
    },

    /// The free paragraph is empty.
    #[error("the free paragraph is missing: it must contain text, or leave it out")]
    ParagraphEmpty,

    /// The free paragraph contains a control character other than a line break.
    #[error(
        "the free paragraph {value:?} contains a control character other than a line break: remove it"
    )]
    ParagraphControlCharacter {
        /// The text as given.
        value: String,
    },

    /// The free paragraph is too long.
    #[error("the free paragraph has {chars} characters, but at most {max} are allowed")]
    ParagraphTooLong {
        /// The number of characters found.
        chars: usize,
        /// The maximum number of characters.
        max: usize,
    },

    /// Two overrides for the same kind and locale.
    #[error("there are two overrides for {kind} in {locale}: keep one")]
    Duplicate {
        /// The message kind.
        kind: &'static str,
        /// The locale.
        locale: Locale,
    },
}

impl ErrorCode for OverrideError {
    fn code(&self) -> &'static str {
        match self {
            OverrideError::SubjectEmpty => "mail_subject_empty",
            OverrideError::SubjectLineBreak { .. } => "mail_subject_line_break",
            OverrideError::SubjectControlCharacter { .. } => "mail_subject_control_character",
            OverrideError::SubjectTooLong { .. } => "mail_subject_too_long",
            OverrideError::ParagraphEmpty => "mail_paragraph_empty",
            OverrideError::ParagraphControlCharacter { .. } => "mail_paragraph_control_character",
            OverrideError::ParagraphTooLong { .. } => "mail_paragraph_too_long",
            OverrideError::Duplicate { .. } => "mail_override_duplicate",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_rejects_line_breaks() {
        for text in ["Hello\r\nBcc: a@example.com", "Hello\nthere", "Hello\r"] {
            let error = Subject::parse(text).unwrap_err();
            assert_eq!(error.code(), "mail_subject_line_break", "{text:?}");
            assert!(error.to_string().contains("subject"), "{error}");
        }
    }

    #[test]
    fn subject_rejects_control_characters() {
        let error = Subject::parse("Bell\u{7}").unwrap_err();
        assert_eq!(error.code(), "mail_subject_control_character");
    }

    #[test]
    fn subject_limits() {
        assert_eq!(
            Subject::parse("   ").unwrap_err().code(),
            "mail_subject_empty"
        );
        let long = "x".repeat(MAX_SUBJECT_CHARS + 1);
        assert_eq!(
            Subject::parse(&long).unwrap_err().code(),
            "mail_subject_too_long"
        );
        let longest = "ä".repeat(MAX_SUBJECT_CHARS);
        assert!(Subject::parse(&longest).is_ok());
    }

    #[test]
    fn subject_is_trimmed() {
        assert_eq!(
            Subject::parse("  Muistutus ").unwrap().as_str(),
            "Muistutus"
        );
    }

    #[test]
    fn paragraph_normalises_line_endings() {
        let paragraph = FreeParagraph::parse("\r\nFirst line  \r\nsecond\r\rThird\n\n").unwrap();
        assert_eq!(paragraph.as_str(), "First line\nsecond\n\nThird");
        assert_eq!(
            paragraph.blocks(),
            vec![
                vec!["First line".to_owned(), "second".to_owned()],
                vec!["Third".to_owned()]
            ]
        );
    }

    #[test]
    fn paragraph_rejects_control_characters() {
        let error = FreeParagraph::parse("Tab\tseparated").unwrap_err();
        assert_eq!(error.code(), "mail_paragraph_control_character");
    }

    #[test]
    fn paragraph_limits() {
        assert_eq!(
            FreeParagraph::parse("\n \n").unwrap_err().code(),
            "mail_paragraph_empty"
        );
        let long = "x".repeat(MAX_PARAGRAPH_CHARS + 1);
        assert_eq!(
            FreeParagraph::parse(&long).unwrap_err().code(),
            "mail_paragraph_too_long"
        );
    }

    #[test]
    fn overrides_round_trip_json() {
        let mut overrides = TemplateOverrides::new();
        overrides.set(
            MessageKind::Reminder,
            Locale::Finnish,
            TemplateOverride {
                subject: Some(Subject::parse("Muistutus laskusta").unwrap()),
                paragraph: Some(FreeParagraph::parse("Palvelemme arkisin.").unwrap()),
            },
        );
        let json = serde_json::to_string(&overrides).unwrap();
        assert_eq!(
            json,
            r#"[{"kind":"reminder","locale":"fi","subject":"Muistutus laskusta","paragraph":"Palvelemme arkisin."}]"#
        );
        let loaded: TemplateOverrides = serde_json::from_str(&json).unwrap();
        assert_eq!(loaded, overrides);
    }

    #[test]
    fn stored_subject_is_validated() {
        let json = r#"[{"kind":"reminder","locale":"fi","subject":"a\r\nBcc: x@example.com"}]"#;
        let error = serde_json::from_str::<TemplateOverrides>(json).unwrap_err();
        assert!(error.to_string().contains("line break"), "{error}");
    }

    #[test]
    fn duplicate_entries_are_rejected() {
        let json = r#"[{"kind":"reminder","locale":"fi"},{"kind":"reminder","locale":"fi"}]"#;
        let error = serde_json::from_str::<TemplateOverrides>(json).unwrap_err();
        assert!(error.to_string().contains("two overrides"), "{error}");
    }
}
