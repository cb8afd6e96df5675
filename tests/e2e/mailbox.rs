//! Python's aiosmtpd as the SMTP server, storing what it receives in a Maildir.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `To` header.
    pub to: String,
    /// The decoded `Subject` header.
    pub subject: String,
    /// The `Message-ID` header.
    pub message_id: String,
    /// The decoded `text/plain` part, with no-break spaces turned into plain spaces so that
    /// amounts such as `2 800,00` can be searched.
    pub text: String,
    /// Whether an HTML part and a PNG image came with it.
    pub has_html_and_qr: bool,
}

/// A running aiosmtpd, killed when dropped.
pub struct Mailbox {
    child: Child,
    dir: PathBuf,
    /// The port it listens on.
    pub port: u16,
}

impl Mailbox {
    /// Starts aiosmtpd on a free loopback port with the Mailbox handler. Fails the test with a
    /// hint when Python or aiosmtpd is missing.
    pub fn start(dir: &Path) -> Mailbox {
        let check = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .output();
        match check {
            Ok(output) if output.status.success() => {}
            Ok(output) => panic!(
                "the Python package aiosmtpd is missing: run scripts/test, or `python3 -m pip install aiosmtpd`\n{}",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(error) => panic!("python3 could not be started ({error}): run scripts/test"),
        }

        let maildir = dir.join("maildir");
        let port = crate::daemon::free_port();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd could not be started");

        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Mailbox {
            child,
            dir: maildir,
            port,
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|folder| std::fs::read_dir(self.dir.join(folder)).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|entry| {
                let modified = entry.metadata().and_then(|meta| meta.modified()).unwrap();
                (modified, entry.path())
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| parse(&std::fs::read(path).unwrap()))
            .collect()
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        // The server may already have exited; either way it must not outlive the test.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(bytes: &[u8]) -> Received {
    let mail = mailparse::parse_mail(bytes).unwrap();
    let header = |name: &str| {
        mail.headers
            .iter()
            .find(|header| header.get_key().eq_ignore_ascii_case(name))
            .map(|header| header.get_value())
            .unwrap_or_default()
    };

    let mut text = String::new();
    let mut html = false;
    let mut png = false;
    let mut parts = vec![&mail];
    while let Some(part) = parts.pop() {
        let mime = part.ctype.mimetype.to_ascii_lowercase();
        if mime == "text/plain" && text.is_empty() {
            text = part.get_body().unwrap();
        }
        html |= mime == "text/html";
        png |= mime == "image/png";
        parts.extend(part.subparts.iter());
    }

    Received {
        text: text.replace(['\u{a0}', '\u{202f}'], " "),
        to: header("To"),
        subject: header("Subject"),
        message_id: header("Message-ID"),
        has_html_and_qr: html && png,
    }
}
