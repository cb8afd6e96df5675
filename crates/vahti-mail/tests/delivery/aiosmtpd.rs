//! Delivery to Python's aiosmtpd, an SMTP server written independently of Vahti and lettre.
//!
//! The test needs `python3` with the `aiosmtpd` package, which `scripts/test` installs. It fails
//! rather than skips when they are missing, so a CI run cannot pass without it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use vahti_mail::Locale;
use vahti_mail::format;
use vahti_mail::model::MessageKind;
use vahti_mail::transport::{Mailer, TransportConfig};

use crate::common::{self, BCC, RECIPIENT};

/// How long aiosmtpd may take to start listening and to store the message.
const STARTUP: Duration = Duration::from_secs(20);

/// Fails the test with a hint unless `python3 -c "import aiosmtpd"` succeeds.
async fn require_aiosmtpd() {
    let output = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .await
        .unwrap_or_else(|error| {
            panic!("python3 could not be started ({error}): run scripts/test, which sets up the test tools")
        });
    assert!(
        output.status.success(),
        "the Python package aiosmtpd is missing: run scripts/test, or install it with `python3 -m pip install aiosmtpd`\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    listener.local_addr().unwrap().port()
}

/// Starts aiosmtpd with its Mailbox handler, which stores messages in a Maildir.
async fn start_aiosmtpd(port: u16, maildir: &Path) -> Child {
    let mut child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let deadline = tokio::time::Instant::now() + STARTUP;
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return child;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().await.unwrap();
            panic!(
                "aiosmtpd exited with {status} before listening: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "aiosmtpd did not listen on port {port} within {STARTUP:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits for the first message file in the Maildir's `new` folder.
async fn wait_for_maildir_message(maildir: &Path) -> PathBuf {
    let new = maildir.join("new");
    let deadline = tokio::time::Instant::now() + STARTUP;
    loop {
        if let Ok(entries) = std::fs::read_dir(&new)
            && let Some(entry) = entries.flatten().next()
        {
            return entry.path();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "aiosmtpd stored no message in {new:?} within {STARTUP:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn aiosmtpd_receives_reminder() {
    require_aiosmtpd().await;
    let directory = tempfile::tempdir().unwrap();
    let maildir = directory.path().join("maildir");
    let port = free_port();
    let mut server = start_aiosmtpd(port, &maildir).await;

    let model = common::model(MessageKind::Reminder, Locale::Swedish);
    let message = common::build(&model, 31);
    let mailer = Mailer::from_config(&TransportConfig::Smtp(common::smtp_config(port))).unwrap();
    let delivered = mailer.send(&message).await.unwrap();
    assert_eq!(delivered.smtp_code, Some(250));

    let path = wait_for_maildir_message(&maildir).await;
    let bytes = std::fs::read(&path).unwrap();
    mailer.shutdown().await;
    server.kill().await.unwrap();

    let mail = mailparse::parse_mail(&bytes).unwrap();
    // aiosmtpd's Message handler records the envelope in X-MailFrom and X-RcptTo.
    assert_eq!(
        common::header(&mail, "X-MailFrom").as_deref(),
        Some("laskutus@lumipuu.example")
    );
    assert_eq!(
        common::header(&mail, "X-RcptTo").as_deref(),
        Some(format!("{RECIPIENT}, {BCC}").as_str())
    );
    assert_eq!(
        common::header(&mail, "Message-ID").as_deref(),
        Some("<vahti.31@mail.lumipuu.example>")
    );
    assert_eq!(common::header(&mail, "Bcc"), None);

    let (text, html, png) = common::parts(&mail);
    let total = format::money(model.total(), Locale::Swedish);
    assert!(text.contains(&total), "text part lacks the total {total}");
    assert!(html.contains(&total), "HTML part lacks the total {total}");
    assert!(text.contains("Betalningspåminnelse") || text.contains("Bästa"));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
}
