//! Resident memory of a process, read from `/proc`.

use anyhow::Context;

/// Returns the resident set size of this process in bytes (`VmRSS` in `/proc/self/status`).
pub fn resident_bytes() -> anyhow::Result<u64> {
    resident_bytes_of("self")
}

/// Returns the resident set size in bytes of the process `pid`, `"self"` for this one.
pub fn resident_bytes_of(pid: &str) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status =
        std::fs::read_to_string(&path).with_context(|| format!("failed to read {path}"))?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .with_context(|| format!("{path} has no VmRSS line"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .with_context(|| format!("VmRSS line {line:?} has no value"))?
        .parse()
        .with_context(|| format!("VmRSS line {line:?} is not a number of kB"))?;
    Ok(kib * 1024)
}
