//! The `vahtid` binary as an operator runs it: help, check-config, and a run that is reloaded
//! and stopped with signals under a real systemd notification socket.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail the test on any I/O error"
)]

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const VAHTID: &str = env!("CARGO_BIN_EXE_vahtid");

/// Builds a `vahtid` command with a clean environment whose home is `home`.
fn vahtid(home: &Path) -> Command {
    let mut command = Command::new(VAHTID);
    command.env_clear().env("HOME", home);
    command
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_describes_commands_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();

    let output = run(vahtid(dir.path()).arg("--help"));

    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0));
    for expected in [
        "run",
        "migrate",
        "check-config",
        "copy-sqlite-to-postgres",
        "--config <PATH>",
        "VAHTI__SERVER__LISTEN",
        "Exit codes: 0 success, 1 runtime error, 2 usage or configuration error",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
}

#[test]
fn version_prints_package_version() {
    let dir = tempfile::tempdir().unwrap();

    let output = run(vahtid(dir.path()).arg("--version"));

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output).trim(),
        format!("vahtid {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_command_exits_2() {
    let dir = tempfile::tempdir().unwrap();

    let output = run(vahtid(dir.path()).arg("serve"));

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unrecognized subcommand"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_config_good_file_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vahti.toml");
    std::fs::write(
        &path,
        "[server]\nlisten = \"127.0.0.1:9000\"\n[admin]\ntoken = \"admin-secret-0123456789\"\n",
    )
    .unwrap();

    let output = run(vahtid(dir.path())
        .args(["check-config", "--config"])
        .arg(&path)
        .env("VAHTI__LOG__LEVEL", "debug")
        .env(
            "VAHTI_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1/postgres",
        ));

    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(text.contains("The configuration is valid"), "{text}");
    assert!(
        text.contains(&format!("# File: {}", path.display())),
        "{text}"
    );
    assert!(
        text.contains("# Environment variables: VAHTI__LOG__LEVEL\n"),
        "{text}"
    );
    assert!(text.contains("listen = \"127.0.0.1:9000\""), "{text}");
    assert!(text.contains("level = \"debug\""), "{text}");
    assert!(text.contains("token = \"***\""), "{text}");
    assert!(!text.contains("admin-secret"), "{text}");
}

#[test]
fn check_config_bad_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vahti.toml");
    std::fs::write(
        &path,
        "[server]\nlisten = \"127.0.0.1:9000\"\nworkers = \"four\"\n",
    )
    .unwrap();

    let output = run(vahtid(dir.path())
        .args(["check-config", "--config"])
        .arg(&path));

    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(message.contains("`server.workers`"), "{message}");
    assert!(message.contains("expected a whole number"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(stdout(&output).is_empty());
}

#[test]
fn check_config_missing_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();

    let output =
        run(vahtid(dir.path()).args(["check-config", "--config", "/nonexistent/vahti.toml"]));

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("/nonexistent/vahti.toml not found"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn run_with_bad_config_exits_2() {
    let dir = tempfile::tempdir().unwrap();

    let output = run(vahtid(dir.path())
        .arg("run")
        .env("VAHTI__SERVER__PORT", "80"));

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("VAHTI__SERVER__PORT"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn journald_without_socket_exits_1() {
    if Path::new("/run/systemd/journal/socket").exists() {
        println!("note: journald is running here, so the missing-socket error cannot be shown");
        return;
    }
    let dir = tempfile::tempdir().unwrap();

    let output = run(vahtid(dir.path())
        .arg("run")
        .env("VAHTI__LOG__FORMAT", "journald"));

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot log to journald"),
        "{}",
        stderr(&output)
    );
}

/// A running `vahtid` whose standard error is read line by line.
struct Daemon {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Daemon {
    /// Starts the daemon with its HTTP listener on a free port, so that tests running at the
    /// same time do not compete for the default port.
    fn start(command: &mut Command) -> Daemon {
        let mut child = command
            .env("VAHTI__SERVER__LISTEN", "127.0.0.1:0")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Daemon {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits up to ten seconds for a line containing `text`.
    fn wait_for_line(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line containing {text:?}; lines so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    fn wait_exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill().unwrap();
        panic!("vahtid did not exit within 10 s");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Receives datagrams until `count` have arrived or `wait` passes without one.
fn receive(socket: &UnixDatagram, count: usize, wait: Duration) -> Vec<String> {
    socket.set_read_timeout(Some(wait)).unwrap();
    let mut messages = Vec::new();
    let mut buffer = [0_u8; 4096];
    while messages.len() < count {
        let Ok(length) = socket.recv(&mut buffer) else {
            break;
        };
        messages.push(String::from_utf8_lossy(&buffer[..length]).into_owned());
    }
    messages
}

#[test]
fn run_notifies_reloads_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    let config_path = dir.path().join("vahti.toml");
    std::fs::write(&config_path, "[log]\nlevel = \"info\"\n").unwrap();

    let mut daemon = Daemon::start(
        vahtid(dir.path())
            .args(["run", "--config"])
            .arg(&config_path)
            .env("NOTIFY_SOCKET", &socket_path)
            .env("WATCHDOG_USEC", "200000"),
    );
    daemon.wait_for_line("vahtid started");
    // The watchdog pings every 100 ms; the third message is the first ping.
    let start_messages = receive(&socket, 3, Duration::from_secs(5));

    std::fs::write(&config_path, "[log]\nlevel = \"debug\"\n").unwrap();
    daemon.signal("HUP");
    let changed = daemon.wait_for_line("log filter changed");

    std::fs::write(&config_path, "[log]\nlevl = \"debug\"\n").unwrap();
    daemon.signal("HUP");
    let rejected = daemon.wait_for_line("configuration reload failed");

    daemon.signal("TERM");
    let stopping = daemon.wait_for_line("stopping");
    daemon.wait_for_line("vahtid stopped");
    let code = daemon.wait_exit_code();
    // The process has exited, so everything it sent is already queued.
    let later_messages = receive(&socket, usize::MAX, Duration::from_millis(100));

    assert_eq!(
        start_messages,
        ["READY=1\n", "STATUS=running\n", "WATCHDOG=1\n"]
    );
    assert!(changed.contains("filter=debug"), "{changed}");
    assert!(changed.contains("previous_filter=info"), "{changed}");
    assert!(rejected.contains("`log.levl`"), "{rejected}");
    assert!(stopping.contains("SIGTERM"), "{stopping}");
    assert_eq!(code, Some(0));
    assert!(
        later_messages.contains(&"STOPPING=1\n".to_owned()),
        "{later_messages:?}"
    );
    let data_dir = dir.path().join(".local/share/vahti");
    assert!(data_dir.join("mail").is_dir());
}

#[test]
fn run_stops_on_sigint() {
    let dir = tempfile::tempdir().unwrap();

    let mut daemon = Daemon::start(vahtid(dir.path()).arg("run"));
    daemon.wait_for_line("vahtid started");
    daemon.signal("INT");
    daemon.wait_for_line("SIGINT");

    assert_eq!(daemon.wait_exit_code(), Some(0));
}

#[test]
fn second_daemon_on_sqlite_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Daemon::start(vahtid(dir.path()).arg("run"));
    first.wait_for_line("vahtid started");

    let mut second = Daemon::start(vahtid(dir.path()).arg("run"));
    let failed = second.wait_for_line("vahtid failed");
    let code = second.wait_exit_code();

    let database = dir.path().join(".local/share/vahti/vahti.db");
    assert_eq!(code, Some(1));
    assert!(
        failed.contains(&format!("SQLite database {}", database.display())),
        "{failed}"
    );
    assert!(
        failed.contains(&format!("process {}", first.child.id())),
        "{failed}"
    );
    assert!(failed.contains("move to PostgreSQL"), "{failed}");
    first.signal("TERM");
    assert_eq!(first.wait_exit_code(), Some(0));
}
