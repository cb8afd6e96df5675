//! The self-service page in headless Chromium, driven over WebDriver by chromedriver: the
//! daemon sends a reminder over SMTP to the loopback test server, the browser opens the link in
//! it, and the debtor disputes an invoice through the form.
//!
//! The test needs Debian's `chromium` and `chromium-driver` packages, which `scripts/test`
//! installs. Chromium starts with background networking, component updates and sync off, and
//! resolves no host but 127.0.0.1, so the page can reach nothing else. Screenshots of every page in every language
//! go to `selfservice-screens/` in Cargo's temporary directory for integration tests
//! (`CARGO_TARGET_TMPDIR`), and the test prints that path.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::json;
use tokio::process::{Child, Command};
use vahti_testkit::smtp::SmtpServer;

use crate::support::{Harness, StoredInvoice};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Width of the desktop screenshots and of the phone screenshots, in CSS pixels.
const DESKTOP_WIDTH: u32 = 1024;
const PHONE_WIDTH: u32 = 390;

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Driver {
    async fn start() -> Driver {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "{CHROMEDRIVER} or {CHROMIUM} is missing: install Debian's chromium and chromium-driver packages (scripts/test does)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let driver = Driver {
            child,
            port,
            profile,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not listen on port {port} within 10 s");
    }

    async fn browser(&self) -> Client {
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--disable-domain-reliability".to_owned(),
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1".to_owned(),
            format!("--user-data-dir={}", self.profile.path().display()),
            format!("--window-size={DESKTOP_WIDTH},900"),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".to_owned(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({"binary": CHROMIUM, "args": args}),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Creates and returns the screenshot folder, `selfservice-screens/` in Cargo's temporary
/// directory for integration tests.
fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("selfservice-screens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves the whole page, at `width` CSS pixels, as `NAME.png`.
async fn screenshot(browser: &Client, name: &str, width: u32) {
    browser.set_window_size(width, 900).await.unwrap();
    let height = browser
        .execute("return document.documentElement.scrollHeight;", Vec::new())
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(900);
    let height = u32::try_from(height).unwrap().clamp(600, 6000);
    browser.set_window_size(width, height).await.unwrap();
    let png = browser.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
    browser.set_window_size(width, 900).await.unwrap();
}

/// The text of the page's main element.
async fn main_text(browser: &Client) -> String {
    browser
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits up to ten seconds for the browser to show a page whose path contains `part`, and
/// returns the URL it shows then.
async fn wait_for_path(browser: &Client, part: &str) -> url::Url {
    for _ in 0..100 {
        let current = browser.current_url().await.unwrap();
        if current.path().contains(part) {
            return current;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.current_url().await.unwrap()
}

/// Finds the link to the self-service page in the plain-text part of an email.
fn link_in(message: &[u8], base: &str) -> String {
    let parsed = mailparse::parse_mail(message).unwrap();
    let mut parts = vec![&parsed];
    let mut text = None;
    while let Some(part) = parts.pop() {
        if part.ctype.mimetype == "text/plain" {
            text = Some(part.get_body().unwrap());
            break;
        }
        parts.extend(part.subparts.iter());
    }
    let text = text.unwrap_or_else(|| panic!("the email has no text/plain part"));
    let start = text
        .find(&format!("{base}/s/"))
        .unwrap_or_else(|| panic!("the email has no link to the self-service page"));
    text[start..].split_whitespace().next().unwrap().to_owned()
}

#[test]
fn dispute_in_browser() {
    actix_rt::System::new().block_on(async {
        let smtp = SmtpServer::start().await.unwrap();
        let port = smtp.port().to_string();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let h = Harness::start_on(
            vahti_testkit::Backend::Sqlite,
            &[
                ("VAHTI__MAIL__TRANSPORT", "smtp"),
                ("VAHTI__MAIL__SMTP__HOST", "127.0.0.1"),
                ("VAHTI__MAIL__SMTP__PORT", &port),
                ("VAHTI__MAIL__SMTP__SECURITY", "plain"),
                ("VAHTI__SELF_SERVICE__LINK_DAYS", "31"),
                // The test opens about 30 pages with one link within a minute.
                ("VAHTI__SELF_SERVICE__LINK_REQUESTS_PER_MINUTE", "1000"),
            ],
            listener,
        )
        .await;
        let (tenant, token) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;
        // INV-1 fell due a week ago, so the friendly reminder goes out when the clock starts.
        let (_, invoices) = h
            .store_account(
                tenant,
                "C-1",
                &[
                    StoredInvoice {
                        external_id: "INV-1",
                        amount: "129.90",
                        due: "2026-02-23",
                    },
                    StoredInvoice {
                        external_id: "INV-2",
                        amount: "45.00",
                        due: "2026-03-20",
                    },
                ],
            )
            .await;
        h.advance_days(0).await;
        let received = smtp.wait_for_messages(1, Duration::from_secs(20)).await;
        assert_eq!(received.len(), 1, "the reminder reached the SMTP server");
        assert_eq!(received[0].rcpt_to, ["matti@example.fi"]);
        let link = link_in(&received[0].data, &h.base);

        let driver = Driver::start().await;
        let browser = driver.browser().await;

        // The overview in the account's language, then in each language on a desktop and a phone.
        browser.goto(&link).await.unwrap();
        assert!(main_text(&browser).await.contains("Avoimet laskusi"));
        for lang in ["fi", "sv", "en"] {
            browser.goto(&format!("{link}?lang={lang}")).await.unwrap();
            let html_lang = browser
                .find(Locator::Css("html"))
                .await
                .unwrap()
                .attr("lang")
                .await
                .unwrap();
            assert_eq!(html_lang.as_deref(), Some(lang));
            screenshot(&browser, &format!("{lang}-overview"), DESKTOP_WIDTH).await;
            screenshot(&browser, &format!("{lang}-overview-phone"), PHONE_WIDTH).await;
            for form in ["dispute", "promise", "plan", "extension", "email"] {
                browser
                    .goto(&format!("{link}/{form}?lang={lang}"))
                    .await
                    .unwrap();
                let kept = browser
                    .find(Locator::Css("input[name=lang]"))
                    .await
                    .unwrap()
                    .attr("value")
                    .await
                    .unwrap();
                assert_eq!(
                    kept.as_deref(),
                    Some(lang),
                    "the {form} form keeps the language"
                );
                screenshot(&browser, &format!("{lang}-{form}"), DESKTOP_WIDTH).await;
            }
        }

        // The copy button appears with JavaScript and copies nothing but digits.
        browser.goto(&link).await.unwrap();
        let button = browser
            .find(Locator::Css("button[data-copy]"))
            .await
            .unwrap();
        assert_eq!(
            button.attr("hidden").await.unwrap(),
            None,
            "the script shows the copy button"
        );

        // The skip link is the first stop of the keyboard.
        browser
            .execute("document.activeElement.blur(); return null;", Vec::new())
            .await
            .unwrap();
        let tab = fantoccini::key::Key::Tab.chars().next().unwrap();
        let keys = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab });
        browser.perform_actions(keys).await.unwrap();
        let focused = browser.active_element().await.unwrap();
        assert_eq!(
            focused.attr("class").await.unwrap().as_deref(),
            Some("skip")
        );

        // The dispute, sent through the form as a debtor would.
        browser
            .find(Locator::LinkText("Tee huomautus laskusta"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .find(Locator::Css(&format!(
                "input[name=invoice][value='{}']",
                invoices[0].0
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .find(Locator::Id("field-reason"))
            .await
            .unwrap()
            .send_keys("Tilasin vain yhden kahvipaketin, mutta laskulla on kaksi.")
            .await
            .unwrap();
        browser
            .find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The form page has a heading too, so wait for the redirect itself.
        let confirmation = wait_for_path(&browser, "/requests/").await;
        assert!(confirmation.path().contains("/requests/"), "{confirmation}");
        assert!(
            main_text(&browser)
                .await
                .contains("Huomautuksesi on vastaanotettu")
        );
        for lang in ["fi", "sv", "en"] {
            browser
                .goto(&format!(
                    "{}?lang={lang}",
                    confirmation.as_str().split('?').next().unwrap()
                ))
                .await
                .unwrap();
            screenshot(&browser, &format!("{lang}-confirmation"), DESKTOP_WIDTH).await;
        }

        // The API shows the dispute, and the clock moving on sends nothing more about INV-1.
        let requests = h.get("/v1/self-service/requests", &token).await;
        assert_eq!(requests.status, StatusCode::OK);
        assert_eq!(requests.body["items"][0]["kind"], "dispute");
        assert_eq!(requests.body["items"][0]["invoices"], json!(["INV-1"]));
        let events = h.get("/v1/events?limit=1000", &token).await;
        let disputed: Vec<&serde_json::Value> = events.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["type"] == "dispute_opened")
            .collect();
        assert_eq!(disputed.len(), 1);
        assert_eq!(disputed[0]["invoice"], "INV-1");
        let invoice = h
            .app
            .read({
                let id = invoices[0];
                move |tx| Ok(vahti_store::invoices::get(tx, id)?)
            })
            .await
            .unwrap();
        assert!(invoice.disputed);

        let before = h.event_kinds(tenant).await.len();
        h.advance_days(30).await;
        let later = h.events(tenant).await;
        let steps_on_disputed = later
            .iter()
            .skip(before)
            .filter(|event| event.kind.starts_with("step_"))
            .filter(|event| event.invoice_id == Some(invoices[0]))
            .count();
        assert_eq!(
            steps_on_disputed, 0,
            "escalation of the disputed invoice is paused"
        );

        // The link has expired by now: the neutral page, with the creditor's contact.
        h.advance_days(2).await;
        for lang in ["fi", "sv", "en"] {
            browser.goto(&format!("{link}?lang={lang}")).await.unwrap();
            let text = main_text(&browser).await;
            assert!(text.contains("asiakaspalvelu@kahvi.example.fi"), "{text}");
            screenshot(&browser, &format!("{lang}-expired"), DESKTOP_WIDTH).await;
        }

        println!(
            "screenshots of the self-service page: {}",
            screenshot_dir().display()
        );
        browser.close().await.unwrap();
        drop(driver);
        h.stop().await;
    });
}
