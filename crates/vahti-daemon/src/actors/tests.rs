use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use vahti_domain::ids::{AccountId, TenantId};

use super::*;

fn key(account: i64) -> AccountKey {
    AccountKey {
        tenant: TenantId(1),
        account: AccountId(account),
    }
}

fn directory(idle: Duration) -> Directory {
    Directory::start(&DirectoryConfig {
        shards: 4,
        arbiters: 2,
        idle_timeout: idle,
    })
}

fn in_system<F: std::future::Future<Output = ()>>(future: F) {
    actix::System::new().block_on(future);
}

#[test]
fn jobs_on_one_account_run_serially() {
    in_system(async {
        let directory = directory(Duration::from_secs(60));
        let counter = Arc::new(AtomicUsize::new(0));

        let jobs = (0..50).map(|_| {
            let counter = Arc::clone(&counter);
            directory.run(key(1), move || {
                // A read, a pause and a write: concurrent jobs would lose updates.
                let seen = counter.load(Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(1));
                counter.store(seen + 1, Ordering::SeqCst);
                seen
            })
        });
        let results = futures::future::join_all(jobs).await;

        assert_eq!(counter.load(Ordering::SeqCst), 50);
        let mut seen: Vec<usize> = results.into_iter().map(Result::unwrap).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
    });
}

#[test]
fn different_accounts_run_in_parallel() {
    in_system(async {
        let directory = directory(Duration::from_secs(60));
        let (sender, receiver) = std::sync::mpsc::channel::<()>();

        // The first job waits for the second; run serially they would time out.
        let waiting = directory.run(key(1), move || {
            receiver.recv_timeout(Duration::from_secs(10)).is_ok()
        });
        let signalling = directory.run(key(2), move || sender.send(()).is_ok());
        let (waited, signalled) = futures::join!(waiting, signalling);

        assert!(waited.unwrap());
        assert!(signalled.unwrap());
    });
}

#[test]
fn idle_actor_is_passivated_and_reactivated() {
    in_system(async {
        let directory = directory(Duration::from_millis(100));
        let state = Arc::new(AtomicUsize::new(0));

        let first = Arc::clone(&state);
        directory
            .run(key(1), move || first.fetch_add(1, Ordering::SeqCst))
            .await
            .unwrap();
        assert_eq!(directory.active_actors(), 1);

        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(directory.active_actors(), 0);

        let second = Arc::clone(&state);
        let before = directory
            .run(key(1), move || second.fetch_add(1, Ordering::SeqCst))
            .await
            .unwrap();
        assert_eq!(before, 1);
        assert_eq!(directory.active_actors(), 1);
    });
}

#[test]
fn panicking_job_is_reported_and_actor_restarts() {
    in_system(async {
        let directory = directory(Duration::from_secs(60));

        let failed = directory
            .run(key(1), || -> usize { panic!("disk on fire") })
            .await
            .unwrap_err();
        assert!(
            matches!(failed, ActorError::JobPanicked { .. }),
            "{failed:?}"
        );
        assert!(failed.to_string().contains("disk on fire"), "{failed}");

        let after = directory.run(key(1), || 7).await.unwrap();
        assert_eq!(after, 7);
    });
}

#[test]
fn drained_directory_rejects_jobs() {
    in_system(async {
        let directory = directory(Duration::from_secs(60));
        directory.run(key(1), || ()).await.unwrap();

        directory.drain().await;
        tokio::time::sleep(Duration::from_millis(50)).await;

        let error = directory.run(key(1), || ()).await.unwrap_err();
        assert!(matches!(error, ActorError::ShuttingDown), "{error:?}");
        assert_eq!(directory.active_actors(), 0);
    });
}

#[test]
fn memory_returned_when_actors_quiet() {
    in_system(async {
        let directory = directory(Duration::from_millis(100));
        let jobs = (0..150).map(|account| directory.run(key(account), || ()));
        for result in futures::future::join_all(jobs).await {
            result.unwrap();
        }
        assert_eq!(directory.memory_trims(), 0);

        // All 150 passivate; the last one to stop gives the memory back.
        for _ in 0..50 {
            if directory.active_actors() == 0 && directory.memory_trims() > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(directory.active_actors(), 0);
        assert_eq!(directory.memory_trims(), 1);

        // Fewer than a hundred stops since then do not trim again.
        directory.run(key(1), || ()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(directory.active_actors(), 0);
        assert_eq!(directory.memory_trims(), 1);
    });
}
