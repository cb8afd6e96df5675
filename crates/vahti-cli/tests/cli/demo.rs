//! `vahti demo` runs the whole product in its own process.

use crate::support::vahti;

#[test]
fn demo_runs_full_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = vahti(&["demo", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);

    // Imports, the timeline and the aging summary.
    assert!(
        run.stdout
            .contains("Imported finvoice-3.0-koivunlehti.xml: 1 created"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("peppol-creditnote-4105.xml: 1 created"),
        "{}",
        run.stdout
    );
    for line in [
        "2026-03-02  201 Kahvila Koivunlehti Oy    email: friendly reminder",
        "2026-03-26                                bank file statement-2026-03.camt054.xml imported: 5 payments",
        "payment without a matching invoice",
        "letter to send by post: final demand, approved by the demo  4103                   81.16 EUR",
        "2026-03-13  101 Aino Lehtovaara           email: friendly reminder                        4087, 4112             65.42 EUR",
        "2026-04-24  102 Emily Carter              hand-over to collection waiting for approval    4103",
        "hand-over to collection waiting for approval",
        "Aging on 2026-05-31",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in:\n{}",
            run.stdout
        );
    }

    // A paid invoice gets no reminder after its payment.
    let after_payment = run.stdout.split("bank file").nth(1).unwrap();
    assert!(!after_payment.contains("email: reminder                                 4104"));

    // Every email the timeline names is a file that a mail client opens.
    let emails: Vec<_> = std::fs::read_dir(out.join("mail"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(emails.len() >= 15, "{emails:?}");
    for path in &emails {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains("MIME-Version: 1.0"), "{}", path.display());
        assert!(text.contains("multipart/alternative"), "{}", path.display());
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(run.stdout.contains(name), "{name} is not in the timeline");
    }
}

#[test]
fn demo_refuses_used_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vahti.db"), b"").unwrap();
    let run = vahti(&["demo", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("already holds a demo database"),
        "{}",
        run.stderr
    );
}
