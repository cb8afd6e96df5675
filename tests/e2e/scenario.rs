//! The scenario: one creditor, the public sample invoices, a guided consumer account, a bank
//! notification, and roughly two months of escalation.
//!
//! The clock starts on Tuesday 2026-09-01 at 09:00 in Helsinki.
//!
//! | invoice | from | due | what happens |
//! | --- | --- | --- | --- |
//! | 2026-77 | `finvoice/soap-framed.xml`, business | 2026-10-06 | friendly reminder, then reminders |
//! | 00044 | `finvoice/operator-converted.xml`, 0.99 EUR | 2026-09-22 | nothing: below the minimum amount |
//! | 100946 | `finvoice/finvoice1.xml` | 2023-02-28 | caught up at once, then reminders |
//! | `E-3900` | created through the API, ref 3900, 2300.00 | 2026-08-20 | guided: approved friendly reminder, then paid in full by `camt/content_054.xml` and never reminded again |
//! | `E-43216` | created through the API, ref 43216, 500.00 | 2026-08-20 | guided: friendly reminder, 200.00 paid, reminder with its fee lowered on approval, final demand as a letter, hand-over to the agency |

use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;
use vahti_domain::paycode::VirtualBarcode;
use vahti_domain::policy::{Approval, Policy};
use vahti_sdk::Client;
use vahti_sdk::api::{
    ApprovePendingRequest, BatchInvoiceItem, BatchInvoiceRequest, ClockRequest,
    CreatePolicyRequest, CreateTenantRequest, DebtorType, EventType, EventsQuery, FeeAmount,
    InvoiceKind, InvoiceStatus, IssueStatus, Locale, PageQuery, PendingActionKind,
    PendingListQuery, UpsertAccountRequest, UpsertInvoiceRequest,
};
use vahti_testkit::{Backend, TestDatabase, samples_dir};

use crate::daemon::{ADMIN_TOKEN, Vahtid};
use crate::mailbox::{Mailbox, Received};

const CLOCK_START: &str = "2026-09-01T06:00:00Z";
const GUIDED: &str = "k-1001";

pub fn run(backend: Backend) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let database = TestDatabase::new(backend);
    let mut dir = tempfile::tempdir().unwrap();
    // Set VAHTI_E2E_KEEP to keep the daemon's log, database and the received mail for a look.
    if std::env::var_os("VAHTI_E2E_KEEP").is_some() {
        dir.disable_cleanup(true);
        eprintln!("e2e working directory: {}", dir.path().display());
    }
    let mailbox = Mailbox::start(dir.path());
    let daemon = Vahtid::start(dir.path(), database.url(), mailbox.port, CLOCK_START);

    runtime.block_on(scenario(&daemon, &mailbox, dir.path()));
    daemon.stop();
}

async fn scenario(daemon: &Vahtid, mailbox: &Mailbox, dir: &Path) {
    let admin = client(&daemon.base_url, ADMIN_TOKEN);
    let created = admin
        .admin()
        .tenants()
        .create(
            &serde_json::from_value::<CreateTenantRequest>(json!({
                "name": "Kuusimäen Kahvipaahtimo Oy",
                "business_id": "3958213-2",
                "iban": "FI5057234000204518",
                "bic": "OKOYFIHH",
                "sender_email": "laskutus@kahvi.example.fi",
                "reply_to": "reskontra@kahvi.example.fi",
                "contact": {"address_lines": ["Paahtimonkuja 4"], "postal_code": "33470", "city": "Ylöjärvi"}
            }))
            .unwrap(),
        )
        .await
        .expect("creating the tenant");
    let api = client(&daemon.base_url, &created.token.token);

    // A guided consumer policy: every step waits for a person's approval.
    let mut guided = Policy::default_consumer();
    guided.name = "Guided consumer".to_owned();
    for step in &mut guided.steps {
        step.approval = Approval::Required;
    }
    api.policies()
        .create(&CreatePolicyRequest {
            key: "guided".to_owned(),
            policy: serde_json::to_value(&guided).unwrap(),
        })
        .await
        .unwrap();
    api.accounts()
        .upsert(
            GUIDED,
            &UpsertAccountRequest {
                name: "Aino Lehtovaara".to_owned(),
                debtor_type: DebtorType::Consumer,
                emails: vec!["aino@example.fi".to_owned()],
                locale: Some(Locale::Fi),
                time_zone: None,
                policy: Some("guided".to_owned()),
                contact: None,
                electronic_demand_consent_until: None,
            },
        )
        .await
        .unwrap();
    // Both invoices arrive in one batch, so their reminders share one message.
    let items = [
        ("E-3900", "3900", "2300.00"),
        ("E-43216", "43216", "500.00"),
    ]
    .into_iter()
    .map(|(external_id, reference, amount)| BatchInvoiceItem {
        external_id: external_id.to_owned(),
        invoice: UpsertInvoiceRequest {
            account: GUIDED.to_owned(),
            kind: InvoiceKind::Invoice,
            number: external_id.trim_start_matches("E-").to_owned(),
            issue_date: date("2026-07-20"),
            sent_on: None,
            due_date: Some(date("2026-08-20")),
            currency: "EUR".to_owned(),
            amount: Decimal::from_str(amount).unwrap(),
            reference: Some(reference.to_owned()),
            corrects: None,
            status: IssueStatus::Issued,
            seller_iban: None,
            seller_bic: None,
        },
    })
    .collect();
    let batch = api
        .invoices()
        .batch(&BatchInvoiceRequest { items })
        .await
        .unwrap();
    assert!(
        batch.results.iter().all(|result| result.error.is_none()),
        "{batch:?}"
    );

    // Import the public Finvoice samples; the malformed one is rejected whole with its line.
    for name in ["soap-framed.xml", "operator-converted.xml", "finvoice1.xml"] {
        let report = api
            .imports()
            .invoices(sample(&format!("finvoice/{name}")))
            .await
            .unwrap_or_else(|error| panic!("importing {name}: {error}"));
        assert_eq!(report.created, 1, "{name}: {report:?}");
    }
    let malformed = api
        .imports()
        .invoices(sample("finvoice/finvoice3.xml"))
        .await
        .unwrap_err();
    assert_eq!(malformed.status(), Some(422), "{malformed}");
    assert!(malformed.to_string().contains("line 37"), "{malformed}");
    let again = api
        .imports()
        .invoices(sample("finvoice/finvoice1.xml"))
        .await
        .unwrap();
    assert!(again.already_imported, "{again:?}");

    // The integrator completes the imported accounts with e-mail addresses.
    let accounts: Vec<_> = api
        .accounts()
        .list(&PageQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|account| account.external_id != GUIDED)
        .collect();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    let mut address_of = std::collections::BTreeMap::new();
    for (index, account) in accounts.iter().enumerate() {
        let email = format!("debtor{index}@example.fi");
        api.accounts()
            .upsert(
                &account.external_id,
                &UpsertAccountRequest {
                    name: account.name.clone(),
                    debtor_type: account.debtor_type,
                    emails: vec![email.clone()],
                    locale: Some(Locale::Fi),
                    time_zone: None,
                    policy: None,
                    contact: None,
                    electronic_demand_consent_until: None,
                },
            )
            .await
            .unwrap();
        address_of.insert(account.external_id.clone(), email);
    }

    // Day 0, Tuesday 2026-09-01. The invoice of 2023 was overdue when it was imported, before
    // its account had an e-mail address, so its friendly reminder became a letter for a person to
    // send. The guided account's friendly reminder, for both invoices, waits for approval.
    advance(&admin, 0).await;
    assert!(mailbox.messages().is_empty(), "{:#?}", mailbox.messages());
    let pending = pending_of(&api).await;
    assert_eq!(pending.len(), 2, "{pending:#?}");
    let letter = pending
        .iter()
        .find(|action| action.kind == PendingActionKind::Letter)
        .expect("a letter for the account without an e-mail address");
    assert_eq!(letter.invoices[0].step, "friendly_reminder");
    let approval = pending
        .iter()
        .find(|action| action.account == GUIDED)
        .expect("an approval for the guided account");
    assert_eq!(approval.invoices.len(), 2, "{approval:#?}");
    for action in &pending {
        api.pending()
            .approve(action.id, &ApprovePendingRequest::default())
            .await
            .unwrap();
    }
    advance(&admin, 0).await;
    let mails = mailbox.messages();
    assert_eq!(
        mails.len(),
        1,
        "{mails:#?}\nevents: {:?}\nlog:\n{}",
        event_types(&api).await,
        std::fs::read_to_string(dir.join("vahtid.log")).unwrap_or_default()
    );
    let friendly = &mails[0];
    assert!(friendly.to.contains("aino@example.fi"), "{}", friendly.to);
    assert!(
        friendly.text.contains("2 800,00"),
        "both invoices and their total: {}",
        friendly.text
    );
    check_payment_codes(friendly);

    // Day 2: the bank notification pays 3900 in full and 43216 in part.
    advance(&admin, 2).await;
    let report = api
        .imports()
        .payments(sample("camt/content_054.xml"))
        .await
        .unwrap();
    assert!(report.created >= 4, "{report:?}");
    let paid = api.invoices().get("E-3900").await.unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid, "{paid:?}");
    let partly = api.invoices().get("E-43216").await.unwrap();
    assert_eq!(
        partly.principal_outstanding,
        Decimal::from(300),
        "{partly:?}"
    );

    // The collection agency receives its cases as files.
    let partner = reqwest::Client::new()
        .put(format!("{}/v1/collection/partner", daemon.base_url))
        .bearer_auth(&created.token.token)
        .json(&json!({"kind": "file", "name": "Perintä Esimerkki Oy", "email": "asiakaspalvelu@perinta.example.fi"}))
        .send()
        .await
        .unwrap();
    assert!(partner.status().is_success(), "{:?}", partner.text().await);

    // Day 14, 2026-09-15: the reminder of 43216 waits for approval; the approver lowers its fee.
    let mut seen = mailbox.messages().len();
    let mut approved_reminder = false;
    let mut approved_letter = false;
    let mut approved_handover = false;
    for _ in 0..60 {
        advance(&admin, 1).await;
        for action in pending_of(&api).await {
            let step = action.invoices[0].step.clone();
            let request = if step == "reminder" {
                approved_reminder = true;
                ApprovePendingRequest {
                    fee_amounts: vec![FeeAmount {
                        invoice: "E-43216".to_owned(),
                        amount: Decimal::from(3),
                    }],
                    ..ApprovePendingRequest::default()
                }
            } else {
                if action.kind == PendingActionKind::Letter && step == "final_demand" {
                    approved_letter = true;
                }
                if step == "collection_handover" {
                    approved_handover = true;
                }
                ApprovePendingRequest::default()
            };
            api.pending().approve(action.id, &request).await.unwrap();
        }
        advance(&admin, 0).await;

        for mail in &mailbox.messages()[seen..] {
            check_payment_codes(mail);
            assert!(
                !mail.text.contains("Lasku 3900\n"),
                "the paid invoice is never reminded again: {}",
                mail.text
            );
        }
        seen = mailbox.messages().len();
    }
    assert!(approved_reminder, "a reminder waited for approval");
    assert!(
        approved_letter,
        "the consumer's final demand became a letter"
    );
    assert!(approved_handover, "the hand-over waited for approval");

    // The reminder carries the lowered fee, interest and the new total.
    let guided_mails: Vec<Received> = mailbox
        .messages()
        .into_iter()
        .filter(|mail| mail.to.contains("aino@example.fi"))
        .collect();
    let reminder = guided_mails
        .iter()
        .find(|mail| mail.subject.starts_with("Maksumuistutus"))
        .expect("a reminder to the guided account");
    assert!(
        reminder.text.contains("3,00"),
        "the lowered fee: {}",
        reminder.text
    );
    assert!(
        reminder.text.contains("Viivästyskorko"),
        "interest is itemised: {}",
        reminder.text
    );
    assert!(
        guided_mails
            .iter()
            .any(|mail| mail.text.contains("Perintä Esimerkki Oy")),
        "a hand-over notice names the agency"
    );

    // The case went to the agency as files; the handed-over invoice gets nothing more.
    let handed = api.invoices().get("E-43216").await.unwrap();
    assert_eq!(handed.status, InvoiceStatus::HandedOver, "{handed:?}");
    let exported = std::fs::read_dir(dir.join("data").join("collection"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert!(exported > 0, "no case files under the export directory");
    let before = mailbox.messages().len();
    advance(&admin, 30).await;
    let after: Vec<Received> = mailbox.messages()[before..].to_vec();
    assert!(
        after
            .iter()
            .all(|mail| !mail.to.contains("aino@example.fi")),
        "no reminders after hand-over: {after:#?}"
    );

    // The account whose first reminder went by letter got its next ones by e-mail.
    assert!(
        mailbox
            .messages()
            .iter()
            .any(|mail| mail.to.contains(&address_of["name:Mallikas Oy"])
                && mail.text.contains("100946")),
        "a reminder of invoice 100946 by e-mail"
    );

    // Nothing below the minimum amount was ever sent.
    assert!(
        mailbox
            .messages()
            .iter()
            .all(|mail| !mail.text.contains("00044"))
    );

    // The final status and the event log tell the same story.
    let status = api.accounts().status(GUIDED).await.unwrap();
    assert!(
        status
            .open_invoices
            .iter()
            .all(|invoice| invoice.external_id != "E-3900")
    );
    let kinds = event_types(&api).await;
    for expected in [
        EventType::InvoiceCreated,
        EventType::ApprovalNeeded,
        EventType::ActionApproved,
        EventType::StepSent,
        EventType::PaymentMatched,
        EventType::InvoicePaid,
        EventType::FeeCharged,
        EventType::CaseHandedOver,
    ] {
        assert!(
            kinds.contains(&expected),
            "no {expected:?} event among {kinds:?}"
        );
    }
}

/// Every reminder carries a bank barcode whose amount and reference agree with the text; a
/// hand-over notice carries none and names the agency instead.
fn check_payment_codes(mail: &Received) {
    assert!(!mail.message_id.is_empty());
    if mail
        .subject
        .starts_with("Ilmoitus saatavan siirrosta perintään")
    {
        assert!(mail.text.contains("Perintä Esimerkki Oy"), "{}", mail.text);
        return;
    }
    assert!(
        mail.has_html_and_qr,
        "{} has no HTML part with a QR code",
        mail.subject
    );
    let digits = mail
        .text
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 54)
        .unwrap_or_else(|| panic!("no 54-digit barcode in {}:\n{}", mail.subject, mail.text));
    let barcode = VirtualBarcode::parse(digits).unwrap();
    assert_eq!(barcode.iban().as_str(), "FI5057234000204518");
    let printed = barcode.reference().to_printed();
    assert!(
        mail.text.contains(&printed),
        "reference {printed} missing from {}",
        mail.text
    );
    let amount = barcode.amount().expect("the barcode carries the amount");
    let finnish = finnish_amount(amount.amount());
    assert!(
        mail.text.contains(&format!("{finnish} €")),
        "barcode amount {finnish} € missing from {}",
        mail.text
    );
}

/// An amount as Finnish text prints it, with plain spaces: `2 800,00`.
fn finnish_amount(amount: Decimal) -> String {
    let text = format!("{:.2}", amount);
    let (whole, cents) = text.split_once('.').unwrap();
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (index, digit) in digits.iter().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(*digit);
    }
    format!("{grouped},{cents}")
}

async fn pending_of(api: &Client) -> Vec<vahti_sdk::api::PendingAction> {
    api.pending()
        .list(&PendingListQuery::default())
        .await
        .unwrap()
        .items
}

async fn event_types(api: &Client) -> Vec<EventType> {
    let mut after = None;
    let mut kinds = Vec::new();
    loop {
        let page = api
            .events()
            .list(&EventsQuery {
                after,
                limit: Some(1000),
                wait: None,
            })
            .await
            .unwrap();
        let Some(last) = page.events.last() else {
            return kinds;
        };
        after = Some(last.seq);
        kinds.extend(page.events.iter().map(|event| event.event_type));
    }
}

async fn advance(admin: &Client, days: u32) {
    admin
        .admin()
        .clock()
        .change(&ClockRequest {
            set: None,
            advance_seconds: Some(days * 86_400),
            wait: true,
        })
        .await
        .unwrap();
}

fn client(base_url: &str, token: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .token(token)
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap()
}

fn sample(path: &str) -> Vec<u8> {
    std::fs::read(samples_dir().join(path)).unwrap_or_else(|error| panic!("sample {path}: {error}"))
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}
