//! Runs every scenario of the benchmark binary at its tiny size, to prove that the harness works
//! and that each scenario's checks pass. The figures themselves are not checked: speed is never
//! asserted in tests.

use std::process::Command;

#[test]
fn every_scenario_runs_tiny() {
    let output = Command::new(env!("CARGO_BIN_EXE_vahti-bench"))
        .args(["--size", "tiny"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );

    for scenario in [
        "| ingest-sqlite | invoices per second |",
        "| ingest-postgres | invoices per second |",
        "| daily | wake-up to all recorded |",
        "| restart | time until ready |",
        "| email | emails per second |",
        "| memory | bytes per registered account |",
        "| memory | bytes per active actor |",
        "| api | upsert latency p99 |",
        // At the tiny rate every upsert must succeed.
        "| api | failed upserts | 0.000 requests |",
    ] {
        assert!(
            stdout.contains(scenario),
            "{scenario} missing from:\n{stdout}"
        );
    }
}
