//! Turns the bytes of an XML file into text, honouring every XML declaration in it.
//!
//! An operator delivery may put several XML documents in one file (a SOAP envelope, then a
//! Finvoice with its own declaration), so each declaration governs the bytes up to the next one.
//! Bytes before the first declaration, or a file without any, are UTF-8 as XML 1.0 prescribes.
//! Two tolerated deviations produce warnings. Undeclared bytes that are not UTF-8 are read as
//! ISO-8859-15, or as the single-byte encoding the file declares further on. Bytes declared in a
//! single-byte encoding that are valid UTF-8 with non-ASCII characters are read as UTF-8, because
//! Finnish text in ISO-8859-15 is practically never valid UTF-8.

use encoding_rs::{Encoding, ISO_8859_15, UTF_8, UTF_16BE, UTF_16LE};

use crate::diagnostics::{Position, Warning, WarningKind};
use crate::error::FormatError;

/// The text of a file and the warnings about how its bytes were read.
#[derive(Debug)]
pub(crate) struct DecodedText {
    pub text: String,
    pub warnings: Vec<Warning>,
}

/// A run of bytes governed by one declaration, or by none.
struct Segment<'a> {
    bytes: &'a [u8],
    start: usize,
    label: Option<String>,
}

/// Decodes the bytes of an XML file. Line breaks are kept as they are, so line numbers in the
/// text are line numbers in the file.
pub(crate) fn decode_xml(bytes: &[u8]) -> Result<DecodedText, FormatError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_segments(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, UTF_16LE);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, UTF_16BE);
    }
    decode_segments(bytes)
}

fn decode_utf16(bytes: &[u8], encoding: &'static Encoding) -> Result<DecodedText, FormatError> {
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(DecodedText {
            text: text.into_owned(),
            warnings: Vec::new(),
        }),
        None => Err(FormatError::InvalidEncoding {
            line: 1,
            encoding: encoding.name(),
        }),
    }
}

fn decode_segments(bytes: &[u8]) -> Result<DecodedText, FormatError> {
    let segments = split_at_declarations(bytes);
    let later_declared = first_declared_encoding(&segments, bytes)?;

    let mut text = String::with_capacity(bytes.len());
    let mut warnings = Vec::new();
    for segment in &segments {
        let decoded = match &segment.label {
            Some(label) => decode_declared(segment, label, bytes, &mut warnings)?,
            None => decode_undeclared(segment, later_declared, bytes, &mut warnings),
        };
        text.push_str(&decoded);
    }
    Ok(DecodedText { text, warnings })
}

/// Splits the file before every `<?xml` declaration.
fn split_at_declarations(bytes: &[u8]) -> Vec<Segment<'_>> {
    let mut starts: Vec<usize> = (0..bytes.len())
        .filter(|&index| is_declaration_at(bytes, index))
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }

    let mut segments = Vec::with_capacity(starts.len());
    for (position, &start) in starts.iter().enumerate() {
        let end = starts.get(position + 1).copied().unwrap_or(bytes.len());
        let segment_bytes = bytes.get(start..end).unwrap_or_default();
        let label = if is_declaration_at(bytes, start) {
            Some(declared_label(segment_bytes).unwrap_or_else(|| "UTF-8".to_owned()))
        } else {
            None
        };
        segments.push(Segment {
            bytes: segment_bytes,
            start,
            label,
        });
    }
    segments
}

fn is_declaration_at(bytes: &[u8], index: usize) -> bool {
    let Some(rest) = bytes.get(index..) else {
        return false;
    };
    rest.starts_with(b"<?xml")
        && rest
            .get(5)
            .is_some_and(|&byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Reads the `encoding` pseudo-attribute of the declaration at the start of `segment`.
fn declared_label(segment: &[u8]) -> Option<String> {
    let end = segment.windows(2).position(|pair| pair == b"?>")?;
    let declaration = std::str::from_utf8(segment.get(..end)?).ok()?;
    let after_name = declaration.split("encoding").nth(1)?;
    let after_equals = after_name.trim_start().strip_prefix('=')?.trim_start();
    let quote = after_equals
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')?;
    let value = after_equals.get(1..)?;
    let close = value.find(quote)?;
    value.get(..close).map(str::to_owned)
}

/// Returns the encoding of the first declaration in the file, used for undeclared bytes before it
/// that are not UTF-8.
fn first_declared_encoding(
    segments: &[Segment<'_>],
    bytes: &[u8],
) -> Result<Option<&'static Encoding>, FormatError> {
    match segments.iter().find_map(|segment| {
        segment
            .label
            .as_ref()
            .map(|label| (segment.start, label.as_str()))
    }) {
        Some((start, label)) => resolve_label(label, line_at(bytes, start)).map(Some),
        None => Ok(None),
    }
}

fn resolve_label(label: &str, line: usize) -> Result<&'static Encoding, FormatError> {
    match Encoding::for_label(label.trim().as_bytes()) {
        Some(encoding) if encoding.is_ascii_compatible() => Ok(encoding),
        _ => Err(FormatError::UnsupportedEncoding {
            line,
            label: label.to_owned(),
        }),
    }
}

fn decode_declared(
    segment: &Segment<'_>,
    label: &str,
    bytes: &[u8],
    warnings: &mut Vec<Warning>,
) -> Result<String, FormatError> {
    let declared_line = line_at(bytes, segment.start);
    let encoding = resolve_label(label, declared_line)?;

    if encoding == UTF_8 {
        return match std::str::from_utf8(segment.bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(error) => Err(FormatError::InvalidEncoding {
                line: line_at(bytes, segment.start + error.valid_up_to()),
                encoding: "UTF-8",
            }),
        };
    }

    if encoding.is_single_byte()
        && let Ok(text) = std::str::from_utf8(segment.bytes)
        && let Some(first) = segment.bytes.iter().position(|byte| !byte.is_ascii())
    {
        let line = line_at(bytes, segment.start + first);
        warnings.push(Warning::new(
            WarningKind::EncodingDeclarationMismatch,
            format!(
                "the XML declaration on line {declared_line} says {label}, but the text is valid UTF-8 with non-ASCII characters from line {line} on, so it was read as UTF-8"
            ),
            Some(Position::line(line)),
        ));
        return Ok(text.to_owned());
    }

    encoding
        .decode_without_bom_handling_and_without_replacement(segment.bytes)
        .map(|text| text.into_owned())
        .ok_or(FormatError::InvalidEncoding {
            line: declared_line,
            encoding: encoding.name(),
        })
}

fn decode_undeclared(
    segment: &Segment<'_>,
    later_declared: Option<&'static Encoding>,
    bytes: &[u8],
    warnings: &mut Vec<Warning>,
) -> String {
    let error = match std::str::from_utf8(segment.bytes) {
        Ok(text) => return text.to_owned(),
        Err(error) => error,
    };

    // A later declaration of UTF-8 cannot apply to these bytes, which are not UTF-8.
    let encoding = later_declared
        .filter(|encoding| encoding.is_single_byte())
        .unwrap_or(ISO_8859_15);
    let line = line_at(bytes, segment.start + error.valid_up_to());
    warnings.push(Warning::new(
        WarningKind::EncodingAssumed,
        format!(
            "the text before any XML declaration is not valid UTF-8 (first at line {line}), so it was read as {}",
            encoding.name()
        ),
        Some(Position::line(line)),
    ));
    let (text, _) = encoding.decode_without_bom_handling(segment.bytes);
    text.into_owned()
}

/// Returns the 1-based line of a byte offset. CR LF, LF and a lone CR each end a line.
pub(crate) fn line_at(bytes: &[u8], offset: usize) -> usize {
    let head = bytes.get(..offset).unwrap_or(bytes);
    let mut line = 1;
    let mut previous = 0u8;
    for &byte in head {
        if byte == b'\n' || previous == b'\r' {
            line += 1;
        }
        previous = byte;
    }
    // A CR as the last byte before the offset ends a line too.
    if previous == b'\r' && bytes.get(offset) != Some(&b'\n') {
        line += 1;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use vahti_domain::ErrorCode;

    #[test]
    fn honours_iso_8859_15_declaration() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><a>K\xe4rpp\xe4 \xa4</a>";
        let decoded = decode_xml(bytes).unwrap();
        assert!(
            decoded.text.ends_with("<a>Kärppä €</a>"),
            "{}",
            decoded.text
        );
        assert!(decoded.warnings.is_empty());
    }

    #[test]
    fn each_declaration_governs_its_segment() {
        let mut bytes = b"<env>\xc3\xa4</env>\r\n".to_vec();
        bytes.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\r\n<a>\xe4</a>");
        let decoded = decode_xml(&bytes).unwrap();
        assert!(decoded.text.starts_with("<env>ä</env>"), "{}", decoded.text);
        assert!(decoded.text.ends_with("<a>ä</a>"), "{}", decoded.text);
    }

    #[test]
    fn undeclared_latin_text_warns() {
        let decoded = decode_xml(b"<a>\n<b>P\xf6ll\xf6</b></a>").unwrap();
        assert!(decoded.text.contains("Pöllö"));
        assert_eq!(decoded.warnings.len(), 1);
        assert_eq!(decoded.warnings[0].kind, WarningKind::EncodingAssumed);
        assert_eq!(decoded.warnings[0].position, Some(Position::line(2)));
    }

    #[test]
    fn utf8_declared_latin1_is_rejected() {
        let error =
            decode_xml(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\xe4</a>").unwrap_err();
        assert_eq!(error.code(), "file_encoding_invalid");
        assert!(error.to_string().starts_with("line 2:"), "{error}");
    }

    #[test]
    fn mislabelled_utf8_is_read_as_utf8() {
        let bytes = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<a>Myyjä</a>".as_bytes();
        let decoded = decode_xml(bytes).unwrap();
        assert!(decoded.text.contains("Myyjä"));
        assert_eq!(
            decoded.warnings[0].kind,
            WarningKind::EncodingDeclarationMismatch
        );
    }

    #[test]
    fn unknown_label_is_rejected() {
        let error = decode_xml(b"<?xml version=\"1.0\" encoding=\"X-KLINGON\"?><a/>").unwrap_err();
        assert_eq!(error.code(), "file_encoding_unsupported");
        assert!(error.to_string().contains("X-KLINGON"));
    }

    #[test]
    fn byte_order_marks() {
        assert_eq!(decode_xml(b"\xef\xbb\xbf<a/>").unwrap().text, "<a/>");
        assert_eq!(decode_xml(b"\xff\xfe<\0a\0/\0>\0").unwrap().text, "<a/>");
    }

    #[test]
    fn lines_count_all_breaks() {
        let bytes = b"a\r\nb\rc\nd";
        assert_eq!(line_at(bytes, 0), 1);
        assert_eq!(line_at(bytes, 3), 2);
        assert_eq!(line_at(bytes, 5), 3);
        assert_eq!(line_at(bytes, 7), 4);
        assert_eq!(line_at(bytes, 2), 1);
    }
}
