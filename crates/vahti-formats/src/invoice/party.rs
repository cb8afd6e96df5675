//! Reading the seller and buyer parties of Finvoice and UBL documents.

use crate::diagnostics::{Warning, WarningKind};
use crate::values::looks_like_email;
use crate::xml::Node;

use super::{Identifier, Party, PostalAddress};

/// The element names of one Finvoice party: `Seller` or `Buyer`.
pub(super) struct FinvoiceRole {
    prefix: &'static str,
}

pub(super) const SELLER: FinvoiceRole = FinvoiceRole { prefix: "Seller" };
pub(super) const BUYER: FinvoiceRole = FinvoiceRole { prefix: "Buyer" };

impl FinvoiceRole {
    fn name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }
}

/// Reads a Finvoice party from the message's `{Role}PartyDetails`, `{Role}CommunicationDetails`,
/// `{Role}ContactPersonName`, `{Role}OrganisationUnitNumber` and, for the seller,
/// `SellerInformationDetails`. Name lines (up to two `{Role}OrganisationName`) are joined with a
/// space, as Finvoice splits long names over them.
pub(super) fn finvoice_party(
    message: &Node<'_>,
    role: &FinvoiceRole,
    warnings: &mut Vec<Warning>,
) -> Party {
    let details = message.child(&role.name("PartyDetails"));
    let in_details = |suffix: &str| {
        details
            .as_ref()
            .and_then(|details| details.text_at(&[&role.name(suffix)]))
    };

    let name = details.as_ref().and_then(|details| {
        let lines: Vec<String> = details
            .children(&role.name("OrganisationName"))
            .iter()
            .filter_map(Node::text)
            .collect();
        (!lines.is_empty()).then(|| lines.join(" "))
    });

    let communication = message.child(&role.name("CommunicationDetails"));
    let information = message
        .child("SellerInformationDetails")
        .filter(|_| role.prefix == "Seller");
    let email_node = communication
        .as_ref()
        .and_then(|node| node.child(&role.name("EmailaddressIdentifier")))
        .filter(|node| node.text().is_some())
        .or_else(|| {
            information
                .as_ref()
                .and_then(|node| node.child("SellerCommonEmailaddressIdentifier"))
        });
    let phone = communication
        .as_ref()
        .and_then(|node| node.text_at(&[&role.name("PhoneNumberIdentifier")]))
        .or_else(|| {
            information
                .as_ref()
                .and_then(|node| node.text_at(&["SellerPhoneNumber"]))
        });

    let address = details
        .as_ref()
        .and_then(|details| details.child(&role.name("PostalAddressDetails")))
        .map(|node| finvoice_address(&node, role));

    Party {
        name,
        trading_name: in_details("OrganisationTradingName"),
        organisation_id: in_details("PartyIdentifier").map(|id| Identifier { scheme: None, id }),
        vat_id: in_details("OrganisationTaxCode"),
        endpoint: message
            .text_at(&[&role.name("OrganisationUnitNumber")])
            .map(|id| Identifier { scheme: None, id }),
        email: email_node.and_then(|node| checked_email(&node, warnings)),
        phone,
        contact_name: message.text_at(&[&role.name("ContactPersonName")]),
        address,
    }
}

fn finvoice_address(node: &Node<'_>, role: &FinvoiceRole) -> PostalAddress {
    let mut street: Vec<String> = node
        .children(&role.name("StreetName"))
        .iter()
        .filter_map(Node::text)
        .collect();
    if let Some(post_office_box) = node.text_at(&[&role.name("PostOfficeBoxIdentifier")]) {
        street.push(post_office_box);
    }
    PostalAddress {
        street,
        post_code: node.text_at(&[&role.name("PostCodeIdentifier")]),
        town: node.text_at(&[&role.name("TownName")]),
        country_code: node.text_at(&["CountryCode"]),
    }
}

/// Reads a UBL `cac:Party`. The name is the legal `RegistrationName`, falling back to the
/// `PartyName`; the organisation id is the legal entity's `CompanyID`, falling back to the first
/// `PartyIdentification/ID`.
pub(super) fn ubl_party(party: &Node<'_>, warnings: &mut Vec<Warning>) -> Party {
    let trading_name = party.text_at(&["PartyName", "Name"]);
    let name = party
        .text_at(&["PartyLegalEntity", "RegistrationName"])
        .or_else(|| trading_name.clone());
    let organisation_id = scheme_identifier(party, &["PartyLegalEntity", "CompanyID"])
        .or_else(|| scheme_identifier(party, &["PartyIdentification", "ID"]));

    Party {
        name,
        trading_name,
        organisation_id,
        vat_id: party.text_at(&["PartyTaxScheme", "CompanyID"]),
        endpoint: scheme_identifier(party, &["EndpointID"]),
        email: party
            .descendant(&["Contact", "ElectronicMail"])
            .and_then(|node| checked_email(&node, warnings)),
        phone: party.text_at(&["Contact", "Telephone"]),
        contact_name: party.text_at(&["Contact", "Name"]),
        address: party.child("PostalAddress").map(|node| ubl_address(&node)),
    }
}

fn ubl_address(node: &Node<'_>) -> PostalAddress {
    let mut street: Vec<String> = ["StreetName", "AdditionalStreetName"]
        .iter()
        .filter_map(|name| node.text_at(&[name]))
        .collect();
    street.extend(
        node.children("AddressLine")
            .iter()
            .filter_map(|line| line.text_at(&["Line"])),
    );
    PostalAddress {
        street,
        post_code: node.text_at(&["PostalZone"]),
        town: node.text_at(&["CityName"]),
        country_code: node.text_at(&["Country", "IdentificationCode"]),
    }
}

fn scheme_identifier(node: &Node<'_>, path: &[&str]) -> Option<Identifier> {
    let found = node.descendant(path)?;
    let id = found.text()?;
    let scheme = found
        .attribute("schemeID")
        .map(str::trim)
        .filter(|scheme| !scheme.is_empty())
        .map(str::to_owned);
    Some(Identifier { scheme, id })
}

/// Reads the e-mail address of an element, or returns `None` with a warning when it is not an
/// address.
fn checked_email(node: &Node<'_>, warnings: &mut Vec<Warning>) -> Option<String> {
    let text = node.text()?;
    if looks_like_email(&text) {
        return Some(text);
    }
    warnings.push(Warning::new(
        WarningKind::EmailInvalid,
        format!("e-mail address {text:?} dropped: it is not of the form name@domain"),
        Some(node.position()),
    ));
    None
}
