//! Running the binary and writing input files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The result of one run of `vahti`.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `vahti` with `args` and no `VAHTI_*` variables from the caller's environment.
pub fn vahti(args: &[&str]) -> Run {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_vahti"))
        .args(args)
        .env_remove("VAHTI_URL")
        .env_remove("VAHTI_TOKEN")
        .env_remove("VAHTI_ADMIN_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Writes `content` to `name` in `dir` and returns the path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Returns a loopback port that nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
