//! The systemd unit in `docs/vahtid.service`, checked with `systemd-analyze verify`.

use std::process::Command;

const UNIT: &str = include_str!("../../../docs/vahtid.service");
const INSTALLED_PATH: &str = "/usr/local/bin/vahtid";

#[test]
fn unit_file_verifies() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        println!("note: systemd-analyze is not installed; the unit file was not verified");
        return;
    };
    assert!(version.status.success());

    // verify checks that ExecStart= is executable, so point it at the binary under test.
    let dir = tempfile::tempdir().unwrap();
    let unit_path = dir.path().join("vahtid.service");
    let unit = UNIT.replace(INSTALLED_PATH, env!("CARGO_BIN_EXE_vahtid"));
    std::fs::write(&unit_path, unit).unwrap();

    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit_path)
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr, "", "systemd-analyze reported problems");
}

#[test]
fn unit_file_has_required_settings() {
    for line in [
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=30",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "DynamicUser=yes",
        "StateDirectory=vahti",
        "ConfigurationDirectory=vahti",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "NoNewPrivileges=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=",
        "LockPersonality=yes",
        "MemoryDenyWriteExecute=yes",
        "Restart=on-failure",
    ] {
        assert!(
            UNIT.lines().any(|unit_line| unit_line == line),
            "{line} missing"
        );
    }
}

#[test]
fn unit_file_starts_installed_binary() {
    let exec_start = UNIT
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .unwrap();

    assert_eq!(exec_start, format!("{INSTALLED_PATH} run"));
}
