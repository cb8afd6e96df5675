//! Reading XML files: bytes to text by their declared encoding, then text to an element tree.

mod decode;
mod tree;

pub(crate) use tree::{Element, Node};

use crate::diagnostics::Warning;
use crate::error::FormatError;

/// The top-level elements of an XML file and the warnings about its encoding.
pub(crate) struct XmlFile {
    pub roots: Vec<Element>,
    pub warnings: Vec<Warning>,
}

/// Decodes and parses an XML file. Several top-level elements are allowed (see
/// [`tree::parse_elements`]).
pub(crate) fn parse_xml(bytes: &[u8]) -> Result<XmlFile, FormatError> {
    let decoded = decode::decode_xml(bytes)?;
    if decoded.text.trim().is_empty() {
        return Err(FormatError::Empty);
    }
    let roots = tree::parse_elements(&decoded.text)?;
    Ok(XmlFile {
        roots,
        warnings: decoded.warnings,
    })
}
