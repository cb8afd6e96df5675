//! Decoding each example body and encoding it again gives the same JSON.

use crate::fixtures::{requests, responses};

#[test]
fn every_request_round_trips() {
    for case in requests() {
        assert_eq!(
            (case.decode_encode)(&case.json),
            Ok(case.json.clone()),
            "{}",
            case.name
        );
    }
}

#[test]
fn every_response_round_trips() {
    for case in responses() {
        assert_eq!(
            (case.decode_encode)(&case.json),
            Ok(case.json.clone()),
            "{}",
            case.name
        );
    }
}

#[test]
fn patch_omits_absent_fields() {
    let request = vahti_api::UpdateTenantRequest {
        name: Some("Esimerkki Oyj".to_owned()),
        iban: Some(None),
        ..Default::default()
    };
    let json = serde_json::to_value(&request).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"name": "Esimerkki Oyj", "iban": null})
    );
}

#[test]
fn patch_tells_null_from_absent() {
    let request: vahti_api::UpdateTenantRequest =
        serde_json::from_str(r#"{"bic": null, "iban": "FI7944052020036082"}"#).unwrap();
    assert_eq!(request.bic, Some(None));
    assert_eq!(request.iban, Some(Some("FI7944052020036082".to_owned())));
    assert_eq!(request.reply_to, None);
}
