//! Property tests: no input makes a parser panic, whether random bytes or damaged real files.

use std::sync::OnceLock;

use proptest::prelude::*;
use vahti_formats::{
    parse_bank_file, parse_camt, parse_finvoice, parse_invoice_file, parse_ktl, parse_ubl,
};

use crate::common::{fixture, sample};

/// Runs every parser on the bytes, ignoring the results.
fn parse_everything(bytes: &[u8]) {
    let _ = parse_invoice_file(bytes);
    let _ = parse_bank_file(bytes);
    let _ = parse_finvoice(bytes);
    let _ = parse_ubl(bytes);
    let _ = parse_camt(bytes);
    let _ = parse_ktl(bytes);
}

/// Reads the samples and fixtures that mutations start from, once.
fn originals() -> &'static [Vec<u8>] {
    static FILES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let samples = [
            "finvoice/anon_finvoice_30_invoice_with_MessageTransmissionDetails.xml",
            "finvoice/credit-note.xml",
            "finvoice/finvoice1.xml",
            "finvoice/finvoice3.xml",
            "finvoice/operator-converted.xml",
            "finvoice/soap-framed.xml",
            "peppol-ubl/base-creditnote-correction.xml",
            "peppol-ubl/base-example.xml",
            "peppol-ubl/ubl-tc434-example2.xml",
            "camt/camt.054.001.02.feature.xml",
            "camt/camt054.v2.xml",
            "camt/camt054.v8.xml",
            "camt/camt53.xml",
            "camt/content_053.xml",
            "camt/content_054.xml",
            "ktl/df_ktl.content.ktl",
            "ktl/df_ktl.xml",
        ];
        let fixtures = [
            "camt054-001.04-fi.xml",
            "camt054-001.08-fi.xml",
            "finvoice-1.2-iso-8859-15.xml",
            "finvoice-1.3-latin-no-declaration.xml",
            "finvoice-2.01-utf8-batch.xml",
            "finvoice-3.0-no-declaration.xml",
            "ktl-correction.ktl",
            "ktl-totals-mismatch.ktl",
            "ubl-creditnote-sek.xml",
        ];
        samples
            .iter()
            .map(|path| sample(path))
            .chain(fixtures.iter().map(|name| fixture(name)))
            .collect()
    })
}

/// A change to a file: cut it short, overwrite a byte, insert bytes or remove a range.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(prop::sample::Index),
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Remove(prop::sample::Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let markup = prop::sample::select(vec![
        b"<".to_vec(),
        b">".to_vec(),
        b"</".to_vec(),
        b"&".to_vec(),
        b"\"".to_vec(),
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>".to_vec(),
        b"\r".to_vec(),
        b"\n".to_vec(),
        b"\xc3".to_vec(),
        b"\xe4".to_vec(),
        b"9".to_vec(),
        b"-".to_vec(),
        b",".to_vec(),
    ]);
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip(at, byte)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..8)
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<prop::sample::Index>(), markup).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<prop::sample::Index>(), 1usize..64)
            .prop_map(|(at, length)| Mutation::Remove(at, length)),
    ]
}

fn apply(original: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for change in mutations {
        if bytes.is_empty() {
            break;
        }
        match change {
            Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len())),
            Mutation::Flip(at, byte) => {
                let index = at.index(bytes.len());
                bytes[index] = *byte;
            }
            Mutation::Insert(at, inserted) => {
                let index = at.index(bytes.len());
                bytes.splice(index..index, inserted.iter().copied());
            }
            Mutation::Remove(at, length) => {
                let start = at.index(bytes.len());
                let end = (start + length).min(bytes.len());
                bytes.drain(start..end);
            }
        }
    }
    bytes
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        parse_everything(&bytes);
    }

    #[test]
    fn random_text_never_panics(text in "[<>/?!=\"' a-zA-Z0-9&;#:.,\r\n-]{0,512}") {
        parse_everything(text.as_bytes());
    }

    #[test]
    fn mutated_files_never_panic(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let files = originals();
        let original = &files[file.index(files.len())];
        parse_everything(&apply(original, &mutations));
    }

    #[test]
    fn ktl_records_never_panic(
        kinds in prop::collection::vec(prop::sample::select(vec!['0', '3', '5', '9', 'x']), 1..8),
        bodies in prop::collection::vec("[0-9 A-Z]{85,95}", 8),
    ) {
        let text: String = kinds
            .iter()
            .zip(bodies.iter())
            .map(|(kind, body)| format!("{kind}{body}\r\n"))
            .collect();
        parse_everything(text.as_bytes());
    }
}
