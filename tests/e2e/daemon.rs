//! The `vahtid` process under test.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The admin token the daemon is started with.
pub const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789";

/// A running `vahtid`, killed when dropped.
pub struct Vahtid {
    child: Child,
    /// The base URL of its HTTP API.
    pub base_url: String,
}

impl Vahtid {
    /// Starts `vahtid` with the given database, a manual clock at `clock_start`, and plain SMTP
    /// to `smtp_port` on loopback. Its log goes to `dir/vahtid.log`.
    pub fn start(dir: &Path, database_url: &str, smtp_port: u16, clock_start: &str) -> Vahtid {
        let port = free_port();
        let log = std::fs::File::create(dir.join("vahtid.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_vahtid"))
            .env_clear()
            .env("HOME", dir)
            .env("VAHTI__SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("VAHTI__DAEMON__DATA_DIR", dir.join("data"))
            .env("VAHTI__DATABASE__URL", database_url)
            .env("VAHTI__CLOCK__MODE", "manual")
            .env("VAHTI__CLOCK__START", clock_start)
            .env("VAHTI__ADMIN__TOKEN", ADMIN_TOKEN)
            .env("VAHTI__MAIL__TRANSPORT", "smtp")
            .env("VAHTI__MAIL__FROM_DOMAIN", "vahti.example.fi")
            .env("VAHTI__MAIL__SMTP__HOST", "127.0.0.1")
            .env("VAHTI__MAIL__SMTP__PORT", smtp_port.to_string())
            .env("VAHTI__MAIL__SMTP__SECURITY", "plain")
            .env("VAHTI__LOG__LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("vahtid could not be started");
        let daemon = Vahtid {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        daemon.wait_ready(dir);
        daemon
    }

    fn wait_ready(&self, dir: &Path) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = format!("{}/readyz", self.base_url);
        loop {
            let answered =
                std::net::TcpStream::connect(self.base_url.trim_start_matches("http://")).is_ok();
            if answered && ureq_get_ok(&url) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "vahtid did not become ready within 60 s; its log:\n{}",
                std::fs::read_to_string(dir.join("vahtid.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the daemon with SIGTERM and checks that it exits 0.
    pub fn stop(mut self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert_eq!(status.code(), Some(0), "vahtid exited with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "vahtid did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Vahtid {
    fn drop(&mut self) {
        // Already exited after `stop`; otherwise the test failed and the daemon must go.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking GET that returns whether the answer was 200, for the readiness poll.
fn ureq_get_ok(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let Some((host, path)) = rest.split_once('/') else {
        return false;
    };
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return false;
    };
    use std::io::{Read, Write};
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    // A partial answer counts as not ready; the poll tries again.
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// A TCP port that is free on loopback now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    listener.local_addr().unwrap().port()
}
