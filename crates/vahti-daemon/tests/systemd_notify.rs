//! systemd notifications against a real notification socket.
//!
//! `sd_notify` reads `NOTIFY_SOCKET` and `WATCHDOG_USEC` from the process environment, so each
//! test runs one of the `child_*` tests below in a new process of this test binary with those
//! variables set, and reads the datagrams that process sends.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail the test on any I/O error"
)]

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use vahti_daemon::systemd;

/// Set in the child process, which otherwise skips the `child_*` tests.
const CHILD_MARKER: &str = "VAHTI_SYSTEMD_TEST_CHILD";

fn is_child() -> bool {
    std::env::var_os(CHILD_MARKER).is_some()
}

/// Runs the test `name` of this binary in a child process with `vars` set and `NOTIFY_SOCKET`
/// pointing at `socket`, or removed when `socket` is `None`.
fn run_child(name: &str, socket: Option<&Path>, vars: &[(&str, &str)]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            name,
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_MARKER, "1")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .envs(vars.iter().copied());
    if let Some(socket) = socket {
        command.env("NOTIFY_SOCKET", socket);
    }

    let output = command.output().unwrap();

    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "child {name} failed:\n{report}");
    assert!(
        report.contains("1 passed"),
        "child {name} did not run:\n{report}"
    );
}

fn bind_socket(dir: &Path) -> (UnixDatagram, std::path::PathBuf) {
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket.set_nonblocking(true).unwrap();
    (socket, path)
}

/// Reads every datagram waiting on the socket.
fn drain(socket: &UnixDatagram) -> Vec<String> {
    let mut messages = Vec::new();
    let mut buffer = [0_u8; 4096];
    while let Ok(length) = socket.recv(&mut buffer) {
        messages.push(String::from_utf8_lossy(&buffer[..length]).into_owned());
    }
    messages
}

#[test]
fn notifications_reach_socket() {
    let dir = tempfile::tempdir().unwrap();
    let (socket, path) = bind_socket(dir.path());

    run_child("child_sends_notifications", Some(&path), &[]);

    assert_eq!(
        drain(&socket),
        ["STATUS=migrating\n", "READY=1\n", "STOPPING=1\n"]
    );
}

#[test]
#[ignore = "runs in a child process started by notifications_reach_socket"]
fn child_sends_notifications() {
    if !is_child() {
        return;
    }
    assert!(systemd::is_supervised());
    systemd::notify_status("migrating");
    systemd::notify_ready();
    systemd::notify_stopping();
}

#[test]
fn healthy_watchdog_pings() {
    let dir = tempfile::tempdir().unwrap();
    let (socket, path) = bind_socket(dir.path());

    run_child(
        "child_runs_healthy_watchdog",
        Some(&path),
        &[("WATCHDOG_USEC", "100000")],
    );

    let pings = drain(&socket);
    assert!(pings.len() >= 3, "{pings:?}");
    assert!(pings.iter().all(|ping| ping == "WATCHDOG=1\n"), "{pings:?}");
}

#[tokio::test]
#[ignore = "runs in a child process started by healthy_watchdog_pings"]
async fn child_runs_healthy_watchdog() {
    if !is_child() {
        return;
    }
    assert_eq!(
        systemd::watchdog_interval(),
        Some(Duration::from_millis(100))
    );
    let task = systemd::spawn_watchdog(|| async { true }).unwrap();
    // Half the interval is 50 ms, so about eight pings fit in 450 ms.
    tokio::time::sleep(Duration::from_millis(450)).await;
    task.abort();
}

#[test]
fn unhealthy_watchdog_stays_silent() {
    let dir = tempfile::tempdir().unwrap();
    let (socket, path) = bind_socket(dir.path());

    run_child(
        "child_runs_unhealthy_watchdog",
        Some(&path),
        &[("WATCHDOG_USEC", "100000")],
    );

    assert_eq!(drain(&socket), Vec::<String>::new());
}

#[tokio::test]
#[ignore = "runs in a child process started by unhealthy_watchdog_stays_silent"]
async fn child_runs_unhealthy_watchdog() {
    if !is_child() {
        return;
    }
    let task = systemd::spawn_watchdog(|| async { false }).unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    task.abort();
}

#[test]
fn watchdog_for_other_pid_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (socket, path) = bind_socket(dir.path());

    run_child(
        "child_sees_no_watchdog",
        Some(&path),
        &[("WATCHDOG_USEC", "100000"), ("WATCHDOG_PID", "1")],
    );

    assert_eq!(drain(&socket), Vec::<String>::new());
}

#[tokio::test]
#[ignore = "runs in a child process started by tests that expect no watchdog"]
async fn child_sees_no_watchdog() {
    if !is_child() {
        return;
    }
    assert_eq!(systemd::watchdog_interval(), None);
    assert!(systemd::spawn_watchdog(|| async { true }).is_none());
}

#[test]
fn zero_watchdog_interval_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (_socket, path) = bind_socket(dir.path());

    run_child(
        "child_sees_no_watchdog",
        Some(&path),
        &[("WATCHDOG_USEC", "0")],
    );
}

#[test]
fn without_socket_nothing_is_sent() {
    run_child("child_without_socket", None, &[]);
}

#[test]
#[ignore = "runs in a child process started by without_socket_nothing_is_sent"]
fn child_without_socket() {
    if !is_child() {
        return;
    }
    assert!(!systemd::is_supervised());
    // With no socket these return at once without error or log.
    systemd::notify_ready();
    systemd::notify_status("running");
    systemd::notify_stopping();
}
