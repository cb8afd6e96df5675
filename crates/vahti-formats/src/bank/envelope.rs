//! Unwrapping the file inside a Finnish bank web-service response.
//!
//! The Finnish banks' web-service channel (XML namespaces under `http://bxd.fi/`) responds to a
//! download request with a SOAP envelope whose body contains an `ApplicationResponse` in base64.
//! That `ApplicationResponse` is XML again and carries the bank file in base64 in `Content`,
//! with `Encrypted` and `Compressed` flags and an XML signature.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::FormatError;
use crate::xml::{Node, parse_xml};

/// Returns the bank file carried by a web-service response: a SOAP envelope containing a base64
/// `ApplicationResponse`, or a bare `ApplicationResponse`.
///
/// The signature is not verified. Encrypted or compressed content and error responses are
/// rejected with the bank's own response text.
pub(super) fn unwrap_response(root: &Node<'_>) -> Result<Vec<u8>, FormatError> {
    if root.local_name() == "ApplicationResponse" && root.child("Content").is_some() {
        return content_of(root);
    }

    let encoded = find_element(root, "ApplicationResponse", 0)
        .and_then(|node| node.text())
        .ok_or_else(|| FormatError::BankResponse {
            reason: "the envelope holds no ApplicationResponse: it is not a file download response"
                .to_owned(),
        })?;
    let inner_bytes = decode_base64(&encoded, "ApplicationResponse")?;
    let inner = parse_xml(&inner_bytes)?;
    let inner_roots = Node::roots(&inner.roots);
    match inner_roots.as_slice() {
        [response] if response.local_name() == "ApplicationResponse" => content_of(response),
        _ => Err(FormatError::BankResponse {
            reason: "the decoded ApplicationResponse is not an ApplicationResponse document"
                .to_owned(),
        }),
    }
}

fn content_of(response: &Node<'_>) -> Result<Vec<u8>, FormatError> {
    if let Some(code) = response.text_at(&["ResponseCode"])
        && code != "00"
    {
        let text = response.text_at(&["ResponseText"]).unwrap_or_default();
        return Err(FormatError::BankResponse {
            reason: format!(
                "the bank answered with response code {code} ({text:?}) and sent no file"
            ),
        });
    }
    let flag = |name: &str| {
        response
            .text_at(&[name])
            .is_some_and(|value| value == "true")
    };
    if flag("Encrypted") {
        return Err(FormatError::BankResponse {
            reason: "the content is encrypted: download the file again without encryption"
                .to_owned(),
        });
    }
    if flag("Compressed") {
        return Err(FormatError::BankResponse {
            reason: "the content is compressed: download the file again without compression"
                .to_owned(),
        });
    }

    let content = response
        .text_at(&["Content"])
        .ok_or_else(|| FormatError::BankResponse {
            reason: "the ApplicationResponse has no Content: the response carries no file"
                .to_owned(),
        })?;
    decode_base64(&content, "Content")
}

fn decode_base64(text: &str, element: &str) -> Result<Vec<u8>, FormatError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|error| FormatError::BankResponse {
            reason: format!("the base64 text of {element} is invalid: {error}"),
        })
}

/// Finds the first element with a local name, depth first. The tree is at most 100 levels deep.
fn find_element<'a>(node: &Node<'a>, name: &str, depth: usize) -> Option<Node<'a>> {
    if node.local_name() == name {
        return Some(node.clone());
    }
    if depth > 100 {
        return None;
    }
    node.element.children.iter().find_map(|child| {
        let child_node = Node {
            element: child,
            path: format!("{}/{}", node.path, child.local_name()),
        };
        find_element(&child_node, name, depth + 1)
    })
}
