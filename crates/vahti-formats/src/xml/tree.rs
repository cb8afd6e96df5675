//! A small element tree built with `quick-xml`, with the line and column of every element.
//!
//! Invoice and bank files are read by path (`EpiDetails/EpiPaymentInstructionDetails/...`), which
//! is simplest on a tree. Names are matched by local name, so `cbc:ID` and `ID` are the same
//! element; a caller that needs the namespace reads the `xmlns` attributes.

use std::collections::HashMap;

use quick_xml::XmlVersion;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

use crate::diagnostics::Position;
use crate::error::FormatError;

/// The deepest nesting accepted. Finvoice and camt files nest fewer than 15 levels; the limit
/// keeps a hostile file from exhausting the stack when the tree is dropped.
const MAX_DEPTH: usize = 100;

/// An XML element with its attributes, its own text and its child elements.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// The name as written, with its prefix.
    pub name: String,
    /// Attributes by name as written, with values unescaped.
    pub attributes: Vec<(String, String)>,
    /// The text directly inside the element, unescaped, with line breaks normalized to LF.
    pub text: String,
    pub children: Vec<Element>,
    pub line: usize,
    pub column: usize,
}

impl Element {
    /// Returns the name without its namespace prefix.
    pub fn local_name(&self) -> &str {
        local(&self.name)
    }

    /// Returns the value of an attribute matched by local name. Namespace declarations never
    /// match.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| !is_namespace_declaration(key) && local(key) == name)
            .map(|(_, value)| value.as_str())
    }

    /// Returns the namespace URI of this element, declared on the element itself.
    pub fn namespace(&self) -> Option<&str> {
        let wanted = match self.name.split_once(':') {
            Some((prefix, _)) => format!("xmlns:{prefix}"),
            None => "xmlns".to_owned(),
        };
        self.attributes
            .iter()
            .find(|(key, _)| *key == wanted)
            .map(|(_, value)| value.as_str())
    }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

fn is_namespace_declaration(key: &str) -> bool {
    key == "xmlns" || key.starts_with("xmlns:")
}

/// An element together with its path in the document, so that every value read through it comes
/// with its position.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub element: &'a Element,
    pub path: String,
}

impl<'a> Node<'a> {
    /// Wraps the top-level elements of a file, numbering those that share a name.
    pub fn roots(elements: &'a [Element]) -> Vec<Node<'a>> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for element in elements {
            *counts.entry(element.local_name()).or_default() += 1;
        }

        let mut seen: HashMap<&str, usize> = HashMap::new();
        elements
            .iter()
            .map(|element| {
                let name = element.local_name();
                let index = seen.entry(name).or_default();
                *index += 1;
                let repeated = counts.get(name).copied().unwrap_or(0) > 1;
                Node {
                    element,
                    path: sibling_path("", name, *index, repeated),
                }
            })
            .collect()
    }

    /// Returns the first child with this local name.
    pub fn child(&self, name: &str) -> Option<Node<'a>> {
        let mut matching = self
            .element
            .children
            .iter()
            .filter(|child| child.local_name() == name);
        let element = matching.next()?;
        let repeated = matching.next().is_some();
        Some(Node {
            element,
            path: sibling_path(&self.path, name, 1, repeated),
        })
    }

    /// Returns all children with this local name, in document order.
    pub fn children(&self, name: &str) -> Vec<Node<'a>> {
        let matching: Vec<&Element> = self
            .element
            .children
            .iter()
            .filter(|child| child.local_name() == name)
            .collect();
        let repeated = matching.len() > 1;
        matching
            .into_iter()
            .enumerate()
            .map(|(index, element)| Node {
                element,
                path: sibling_path(&self.path, name, index + 1, repeated),
            })
            .collect()
    }

    /// Follows a path of local names below this element, taking the first match at each step.
    pub fn descendant(&self, path: &[&str]) -> Option<Node<'a>> {
        let mut node = self.clone();
        for name in path {
            node = node.child(name)?;
        }
        Some(node)
    }

    /// Returns the trimmed text of the element at `path`, or `None` when it is missing or empty.
    pub fn text_at(&self, path: &[&str]) -> Option<String> {
        self.descendant(path).and_then(|node| node.text())
    }

    /// Returns the trimmed text of this element, or `None` when it is empty.
    pub fn text(&self) -> Option<String> {
        let trimmed = self.element.text.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    /// Returns the text exactly as written, with surrounding white space.
    pub fn raw_text(&self) -> &'a str {
        &self.element.text
    }

    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        self.element.attribute(name)
    }

    pub fn local_name(&self) -> &'a str {
        self.element.local_name()
    }

    /// Returns the position of the element's start tag, with its path.
    pub fn position(&self) -> Position {
        Position::at(self.element.line, self.element.column).with_path(self.path.clone())
    }
}

/// Builds the path of a child: `parent/name`, with the 1-based `[index]` when the name repeats.
fn sibling_path(parent: &str, name: &str, index: usize, repeated: bool) -> String {
    if repeated {
        format!("{parent}/{name}[{index}]")
    } else {
        format!("{parent}/{name}")
    }
}

/// Byte offsets of line starts, to turn a parser offset into a line and a column.
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Indexes the line starts of `text`. CR LF, LF and a lone CR each end a line.
    pub fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (index, &byte) in bytes.iter().enumerate() {
            let ends_line =
                byte == b'\n' || (byte == b'\r' && bytes.get(index + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(index + 1);
            }
        }
        LineIndex { text, starts }
    }

    /// Returns the 1-based line and column (in characters) of a byte offset.
    pub fn locate(&self, offset: usize) -> (usize, usize) {
        let line_index = match self.starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        let line_start = self.starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset.min(self.text.len()))
            .map_or(0, |head| head.chars().count());
        (line_index + 1, column + 1)
    }
}

/// Parses decoded XML text into its top-level elements.
///
/// More than one top-level element is accepted, because operators concatenate an envelope and a
/// Finvoice in one file; the caller decides which elements it expects. Text outside the
/// elements must be white space.
pub(crate) fn parse_elements(text: &str) -> Result<Vec<Element>, FormatError> {
    let lines = LineIndex::new(text);
    let mut reader = Reader::from_str(text);
    let mut open: Vec<Element> = Vec::new();
    let mut roots: Vec<Element> = Vec::new();

    loop {
        let offset = offset_of(reader.buffer_position());
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                let at = offset_of(reader.error_position());
                return Err(malformed(&lines, at, &open, describe(&error)));
            }
        };

        match event {
            Event::Start(start) => {
                if open.len() >= MAX_DEPTH {
                    return Err(malformed(
                        &lines,
                        offset,
                        &open,
                        format!("elements are nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let element = new_element(&start, offset, &lines, &open)?;
                open.push(element);
            }
            Event::Empty(start) => {
                let element = new_element(&start, offset, &lines, &open)?;
                attach(element, &mut open, &mut roots);
            }
            Event::End(_) => match open.pop() {
                Some(element) => attach(element, &mut open, &mut roots),
                None => {
                    return Err(malformed(
                        &lines,
                        offset,
                        &open,
                        "closing tag without an opening tag".to_owned(),
                    ));
                }
            },
            Event::Text(content) => {
                append_text(&content.xml10_content(), offset, &lines, &mut open)?;
            }
            Event::CData(content) => {
                append_text(&content.xml10_content(), offset, &lines, &mut open)?;
            }
            Event::GeneralRef(reference) => {
                let character = resolve_reference(&reference)
                    .map_err(|reason| malformed(&lines, offset, &open, reason))?;
                append_text(
                    character.encode_utf8(&mut [0; 4]),
                    offset,
                    &lines,
                    &mut open,
                )?;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }

    if let Some(unclosed) = open.last() {
        let reason = format!(
            "element <{}> opened on line {} is not closed before the end of the file",
            unclosed.name, unclosed.line
        );
        return Err(malformed(&lines, text.len(), &open, reason));
    }
    if roots.is_empty() {
        return Err(FormatError::Empty);
    }
    Ok(roots)
}

fn offset_of(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

fn attach(element: Element, open: &mut [Element], roots: &mut Vec<Element>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None => roots.push(element),
    }
}

fn append_text(
    content: &str,
    offset: usize,
    lines: &LineIndex<'_>,
    open: &mut [Element],
) -> Result<(), FormatError> {
    match open.last_mut() {
        Some(element) => {
            element.text.push_str(content);
            Ok(())
        }
        None if content.trim().is_empty() => Ok(()),
        None => Err(malformed(
            lines,
            offset,
            open,
            "text outside the root element".to_owned(),
        )),
    }
}

fn new_element(
    start: &BytesStart<'_>,
    offset: usize,
    lines: &LineIndex<'_>,
    open: &[Element],
) -> Result<Element, FormatError> {
    let name = start.name().as_ref().to_owned();
    let valid_name = name
        .chars()
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_' || first == ':');
    if !valid_name {
        return Err(malformed(
            lines,
            offset,
            open,
            "a '<' that does not start a tag: write it as &lt; in text".to_owned(),
        ));
    }

    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute
            .map_err(|error| malformed(lines, offset, open, format!("in <{name}>: {error}")))?;
        let key = attribute.key.as_ref().to_owned();
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|error| {
                malformed(
                    lines,
                    offset,
                    open,
                    format!("attribute {key} of <{name}>: {error}"),
                )
            })?
            .into_owned();
        attributes.push((key, value));
    }

    let (line, column) = lines.locate(offset);
    Ok(Element {
        name,
        attributes,
        text: String::new(),
        children: Vec::new(),
        line,
        column,
    })
}

/// Resolves a character reference or one of the five predefined entities. Entities declared in
/// a DTD are not supported: invoice and bank formats do not use them.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, String> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(character)) => Ok(character),
            _ => Err(format!("invalid character reference &{};", &**reference)),
        };
    }
    match &**reference {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(format!(
            "undefined entity &{other};: only &lt; &gt; &amp; &apos; &quot; and character references are allowed"
        )),
    }
}

/// Describes a `quick-xml` error in the words of this crate.
fn describe(error: &XmlError) -> String {
    match error {
        XmlError::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            format!("mismatched closing tag </{found}>, expected </{expected}>")
        }
        XmlError::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
            format!("closing tag </{name}> has no opening tag")
        }
        XmlError::IllFormed(IllFormedError::UnclosedReference) => {
            "'&' does not start a reference ending in ';': write it as &amp;".to_owned()
        }
        XmlError::Syntax(SyntaxError::UnclosedTag) => "tag not closed with '>'".to_owned(),
        other => other.to_string(),
    }
}

/// Builds a malformed-XML error at a byte offset, with the path of the innermost open element.
fn malformed(
    lines: &LineIndex<'_>,
    offset: usize,
    open: &[Element],
    reason: String,
) -> FormatError {
    let (line, column) = lines.locate(offset);
    let mut position = Position::at(line, column);
    if !open.is_empty() {
        let path: String = open
            .iter()
            .map(|element| format!("/{}", element.local_name()))
            .collect();
        position = position.with_path(path);
    }
    FormatError::MalformedXml { position, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vahti_domain::ErrorCode;

    fn parse_one(text: &str) -> Element {
        let mut roots = parse_elements(text).unwrap();
        assert_eq!(roots.len(), 1);
        roots.remove(0)
    }

    #[test]
    fn elements_text_and_attributes() {
        let root = parse_one(
            "<r xmlns:c=\"urn:x\">\n  <c:Amt Ccy=\"EUR\">1&amp;2&#x41;</c:Amt>\n  <Amt/>\n</r>",
        );
        let node = &Node::roots(std::slice::from_ref(&root))[0];
        let amounts = node.children("Amt");
        assert_eq!(amounts.len(), 2);
        assert_eq!(amounts[0].path, "/r/Amt[1]");
        assert_eq!(amounts[0].text().as_deref(), Some("1&2A"));
        assert_eq!(amounts[0].attribute("Ccy"), Some("EUR"));
        assert_eq!(amounts[1].text(), None);
        assert_eq!(amounts[0].position().line, 2);
        assert_eq!(amounts[0].position().column, Some(3));
    }

    #[test]
    fn namespace_follows_prefix() {
        let root = parse_one("<p:Doc xmlns=\"urn:a\" xmlns:p=\"urn:b\"/>");
        assert_eq!(root.local_name(), "Doc");
        assert_eq!(root.namespace(), Some("urn:b"));
    }

    #[test]
    fn mismatched_tag_names_line_and_tags() {
        let error = parse_elements("<a>\n<Number>1</Numbr>\n</a>").unwrap_err();
        assert_eq!(error.code(), "xml_malformed");
        assert_eq!(
            error.to_string(),
            "line 2, column 10, element /a/Number: malformed XML: mismatched closing tag </Numbr>, expected </Number>"
        );
    }

    #[test]
    fn unclosed_element_is_reported() {
        let error = parse_elements("<a>\n<b>").unwrap_err();
        assert!(
            error.to_string().contains("<b> opened on line 2"),
            "{error}"
        );
    }

    #[test]
    fn malformed_inputs_are_rejected() {
        for text in [
            "<a>1 < 2</a>",
            "text<a/>",
            "<a>&lt</a>",
            "<a>&nbsp;</a>",
            "<a x='1' x='2'/>",
            "<a",
            "</a>",
        ] {
            let error = parse_elements(text).unwrap_err();
            assert_eq!(error.code(), "xml_malformed", "input {text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = "<a>".repeat(MAX_DEPTH + 1);
        let error = parse_elements(&text).unwrap_err();
        assert!(error.to_string().contains("nested deeper"), "{error}");
    }

    #[test]
    fn line_index_handles_cr_only_files() {
        let index = LineIndex::new("a\rbc\r\nd");
        assert_eq!(index.locate(0), (1, 1));
        assert_eq!(index.locate(3), (2, 2));
        assert_eq!(index.locate(6), (3, 1));
    }
}
