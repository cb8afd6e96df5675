//! Payment references as found in files: validated when possible, kept as text when not.

use serde::Serialize;
use vahti_domain::ErrorCode;
use vahti_domain::ident::{FinnishReference, IdentError, PaymentReference, RfReference};

use crate::diagnostics::{Position, Warning, WarningKind};

/// A payment reference as written in a file, with its validated form when it is a valid Finnish
/// or RF creditor reference.
///
/// A reference that fails validation is kept, so that the document stays importable and a person
/// can look at it. `parsed` is then `None` and `issue` gives the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedReference {
    /// The text exactly as written, including any padding or white space.
    pub raw: String,
    /// The validated reference.
    pub parsed: Option<PaymentReference>,
    /// The reason validation failed, when it did.
    pub issue: Option<ReferenceIssue>,
}

/// The reason a reference failed validation, with the code of the underlying identifier error
/// (such as `reference_check_digit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceIssue {
    /// The stable code of the validation error.
    pub code: &'static str,
    /// The validation message, naming the value.
    pub message: String,
}

impl From<IdentError> for ReferenceIssue {
    fn from(error: IdentError) -> Self {
        ReferenceIssue {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

/// The origin of a payment's reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceSource {
    /// A field meant for the creditor reference: camt `CdtrRefInf/Ref`, the KTL reference field.
    Structured,
    /// Found in the payer's free-text message; less certain than a structured reference.
    FreeText,
    /// The payment carries no reference.
    None,
}

impl ParsedReference {
    /// Validates a reference as written in an invoice or a structured remittance field. Spaces
    /// inside (the printed form) and leading zeros are accepted, as in [`PaymentReference::parse`].
    pub fn parse(raw: &str) -> Self {
        let result = PaymentReference::parse(raw);
        Self::from_result(raw, result)
    }

    /// Validates a right-aligned, zero-padded reference field such as KTL's 20 digits. The
    /// padding zeros are not part of the reference, so `00000000000000000013` is the two-digit
    /// reference `13`, which is too short.
    pub fn parse_zero_padded(raw: &str) -> Self {
        let trimmed = raw.trim();
        let result = if trimmed.bytes().all(|b| b.is_ascii_digit()) && !trimmed.is_empty() {
            let significant = trimmed.trim_start_matches('0');
            FinnishReference::parse(significant).map(PaymentReference::Finnish)
        } else {
            PaymentReference::parse(trimmed)
        };
        Self::from_result(raw, result)
    }

    fn from_result(raw: &str, result: Result<PaymentReference, IdentError>) -> Self {
        match result {
            Ok(reference) => ParsedReference {
                raw: raw.to_owned(),
                parsed: Some(reference),
                issue: None,
            },
            Err(error) => ParsedReference {
                raw: raw.to_owned(),
                parsed: None,
                issue: Some(error.into()),
            },
        }
    }

    /// Returns whether the reference passed validation.
    pub fn is_valid(&self) -> bool {
        self.parsed.is_some()
    }
}

/// Builds the warnings for a reference at its position: white space around it, failed validation.
pub(crate) fn reference_warnings(reference: &ParsedReference, position: &Position) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if reference.raw.trim() != reference.raw {
        warnings.push(Warning::new(
            WarningKind::ReferenceWhitespace,
            format!(
                "payment reference {:?} has white space around it, which was ignored",
                reference.raw
            ),
            Some(position.clone()),
        ));
    }
    if let Some(issue) = &reference.issue {
        warnings.push(Warning::new(
            WarningKind::ReferenceInvalid,
            format!(
                "payment reference {:?} is kept as text but cannot be used for matching: {}",
                reference.raw, issue.message
            ),
            Some(position.clone()),
        ));
    }
    warnings
}

/// The outcome of looking for a reference in free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FreeTextReference {
    /// Exactly one valid reference.
    Found(ParsedReference),
    /// Several different valid references, as written.
    Ambiguous(Vec<String>),
    /// No valid reference.
    NotFound,
}

/// A valid reference found in free text, as written. A strong candidate is an RF reference or
/// follows a reference keyword.
struct Candidate {
    raw: String,
    reference: PaymentReference,
    strong: bool,
}

/// A run of ASCII letters and digits in free text, with the text between it and the previous run.
struct Token<'a> {
    text: &'a str,
    gap_before: &'a str,
}

/// Looks for a valid Finnish or RF reference in a payer's free-text message.
///
/// Candidates are runs of letters and digits standing on their own (`RFB/557742358` yields
/// `557742358`; `US20291092` yields nothing). An RF reference may be printed in groups of four
/// and a Finnish reference in groups of five, separated by single spaces. A candidate counts only
/// if it passes validation. Roughly one random number in ten passes the Finnish check digit, so
/// two rules keep other numbers out. A lone four-digit number from 1900 to 2099 is taken for a
/// year, because 2024 passes the check digit. And when the text contains an RF reference or a
/// number right after a word such as `viite`, `ref` or `RFB`, other numbers are ignored. Callers
/// record that the reference came from free text.
pub(crate) fn find_in_free_text(text: &str) -> FreeTextReference {
    let tokens = tokenize(text);
    let mut used = vec![false; tokens.len()];
    let mut found: Vec<Candidate> = Vec::new();

    collect_rf_candidates(&tokens, &mut used, &mut found);
    collect_finnish_candidates(&tokens, &used, &mut found);

    let any_strong = found.iter().any(|candidate| candidate.strong);
    let mut distinct: Vec<(String, PaymentReference)> = Vec::new();
    for candidate in found {
        if any_strong && !candidate.strong {
            continue;
        }
        let duplicate = distinct
            .iter()
            .any(|(_, seen)| seen.matching_key() == candidate.reference.matching_key());
        if !duplicate {
            distinct.push((candidate.raw, candidate.reference));
        }
    }

    match distinct.len() {
        0 => FreeTextReference::NotFound,
        1 => match distinct.pop() {
            Some((raw, reference)) => FreeTextReference::Found(ParsedReference {
                raw,
                parsed: Some(reference),
                issue: None,
            }),
            None => FreeTextReference::NotFound,
        },
        _ => FreeTextReference::Ambiguous(distinct.into_iter().map(|(raw, _)| raw).collect()),
    }
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut previous_end = 0;
    let mut start: Option<usize> = None;
    for (index, character) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let in_token = character.is_ascii_alphanumeric() && index < text.len();
        match (start, in_token) {
            (None, true) => start = Some(index),
            (Some(token_start), false) => {
                tokens.push(Token {
                    text: text.get(token_start..index).unwrap_or_default(),
                    gap_before: text.get(previous_end..token_start).unwrap_or_default(),
                });
                previous_end = index;
                start = None;
            }
            _ => {}
        }
    }
    tokens
}

/// Collects RF references, joining following groups of at most four characters separated by
/// single spaces and keeping the longest join that validates.
fn collect_rf_candidates(tokens: &[Token<'_>], used: &mut [bool], found: &mut Vec<Candidate>) {
    for (index, token) in tokens.iter().enumerate() {
        let starts_like_rf = token
            .text
            .get(..2)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("RF"))
            && token
                .text
                .get(2..4)
                .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()));
        if !starts_like_rf {
            continue;
        }

        let mut joined = token.text.to_owned();
        let mut printed = token.text.to_owned();
        let mut best: Option<(String, RfReference, usize)> = RfReference::parse(&joined)
            .ok()
            .map(|rf| (printed.clone(), rf, index));
        for (next_index, next) in tokens.iter().enumerate().skip(index + 1) {
            let continues = next.gap_before == " "
                && next.text.len() <= 4
                && joined.len() + next.text.len() <= 25;
            if !continues {
                break;
            }
            joined.push_str(next.text);
            printed.push(' ');
            printed.push_str(next.text);
            if let Ok(rf) = RfReference::parse(&joined) {
                best = Some((printed.clone(), rf, next_index));
            }
        }

        if let Some((raw, rf, last)) = best {
            for flag in used.iter_mut().take(last + 1).skip(index) {
                *flag = true;
            }
            found.push(Candidate {
                raw,
                reference: PaymentReference::Rf(rf),
                strong: true,
            });
        }
    }
}

/// Collects Finnish references from runs of digit groups separated by single spaces: the whole
/// run when it validates, otherwise each group that validates on its own and is not a year.
fn collect_finnish_candidates(tokens: &[Token<'_>], used: &[bool], found: &mut Vec<Candidate>) {
    let is_digits = |index: usize| {
        tokens.get(index).is_some_and(|token| {
            token.text.bytes().all(|b| b.is_ascii_digit())
                && !used.get(index).copied().unwrap_or(true)
        })
    };
    let after_keyword = |index: usize| {
        index
            .checked_sub(1)
            .and_then(|previous| tokens.get(previous))
            .is_some_and(|token| is_reference_keyword(token.text))
    };

    let mut index = 0;
    while index < tokens.len() {
        if !is_digits(index) {
            index += 1;
            continue;
        }
        let mut end = index + 1;
        while is_digits(end) && tokens.get(end).is_some_and(|token| token.gap_before == " ") {
            end += 1;
        }

        let run = tokens.get(index..end).unwrap_or_default();
        let printed = run
            .iter()
            .map(|token| token.text)
            .collect::<Vec<_>>()
            .join(" ");
        let whole = (run.len() > 1)
            .then(|| FinnishReference::parse(&printed).ok())
            .flatten();
        match whole {
            Some(reference) => found.push(Candidate {
                raw: printed,
                reference: PaymentReference::Finnish(reference),
                strong: after_keyword(index),
            }),
            None => {
                for (offset, token) in run.iter().enumerate() {
                    if looks_like_year(token.text) {
                        continue;
                    }
                    if let Ok(reference) = FinnishReference::parse(token.text) {
                        found.push(Candidate {
                            raw: token.text.to_owned(),
                            reference: PaymentReference::Finnish(reference),
                            strong: after_keyword(index + offset),
                        });
                    }
                }
            }
        }
        index = end;
    }
}

/// Returns whether a word introduces a reference: Finnish `viite` and its forms, `ref` and its
/// forms in English and Swedish, and `RFB`, the "reference for beneficiary" tag of SWIFT messages.
fn is_reference_keyword(word: &str) -> bool {
    let word = word.to_ascii_lowercase();
    word.starts_with("viit") || word.starts_with("ref") || word == "rfb"
}

fn looks_like_year(digits: &str) -> bool {
    digits.len() == 4 && ("1900".."2100").contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Option<String> {
        match find_in_free_text(text) {
            FreeTextReference::Found(reference) => {
                Some(reference.parsed.unwrap().as_str().to_owned())
            }
            _ => None,
        }
    }

    #[test]
    fn parse_keeps_invalid_reference() {
        let reference = ParsedReference::parse("1043002");
        assert_eq!(reference.raw, "1043002");
        assert_eq!(reference.parsed, None);
        assert_eq!(reference.issue.unwrap().code, "reference_check_digit");
    }

    #[test]
    fn zero_padded_reference_strips_padding() {
        let valid = ParsedReference::parse_zero_padded("00000000000000455435");
        assert_eq!(valid.parsed.unwrap().as_str(), "455435");

        let short = ParsedReference::parse_zero_padded("00000000000000000013");
        assert_eq!(short.issue.unwrap().code, "reference_length");
    }

    #[test]
    fn free_text_candidates() {
        let cases = [
            ("RFB/557742358", Some("557742358")),
            ("Lasku 100946 viite 12 34561", Some("1234561")),
            ("maksu RF18 5390 0754 7034 kiitos", Some("RF18539007547034")),
            ("rf18539007547034", Some("RF18539007547034")),
            ("INVOICE US20291092", None),
            ("Invoices 123 and 321", None),
            ("viite 1234561 ja 2348236", Some("1234561")),
            ("maksu 1234561 ja 2348236", None),
            ("Lasku 2024-0142, viite 2024 0141", Some("20240141")),
            ("maksettu 17.1.2024", None),
            (
                "RF18 5390 0754 7034 lasku 1234561",
                Some("RF18539007547034"),
            ),
            ("viite 1234561, toistan 1234561", Some("1234561")),
            ("", None),
            ("äö 1234561 åå", Some("1234561")),
        ];
        for (text, expected) in cases {
            assert_eq!(found(text).as_deref(), expected, "text {text:?}");
        }
    }

    #[test]
    fn ambiguous_free_text_lists_candidates() {
        let outcome = find_in_free_text("maksu 1234561 ja 2348236");
        assert_eq!(
            outcome,
            FreeTextReference::Ambiguous(vec!["1234561".to_owned(), "2348236".to_owned()])
        );
    }

    #[test]
    fn whitespace_and_invalid_warnings() {
        let position = Position::line(4);
        let warnings = reference_warnings(&ParsedReference::parse("RF7812345 "), &position);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].kind, WarningKind::ReferenceWhitespace);

        let warnings = reference_warnings(&ParsedReference::parse("123"), &position);
        assert_eq!(warnings[0].kind, WarningKind::ReferenceInvalid);
        assert!(warnings[0].message.contains("\"123\""));
    }
}
