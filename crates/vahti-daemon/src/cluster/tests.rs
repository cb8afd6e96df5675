use super::*;

/// Builds a lease table of `shards` rows from (holder, number of shards) runs; the rest is free.
fn table(shards: i32, runs: &[(&str, i32)]) -> Vec<ShardLease> {
    let mut holders = runs
        .iter()
        .flat_map(|(holder, count)| std::iter::repeat_n(*holder, usize::try_from(*count).unwrap()));
    (0..shards)
        .map(|shard| {
            let holder = holders.next();
            ShardLease {
                shard,
                holder: holder.map(str::to_owned),
                expires_at: None,
                epoch: 1,
                held: holder.is_some(),
            }
        })
        .collect()
}

fn nodes(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn config(shards: u32) -> ClusterConfig {
    ClusterConfig {
        enabled: true,
        node_id: None,
        shards,
        lease_duration_ms: 15_000,
        heartbeat_interval_ms: 3_000,
    }
}

#[test]
fn share_rounds_up() {
    let cases = [
        (256, 1, 256),
        (256, 2, 128),
        (256, 3, 86),
        (32, 5, 7),
        (4, 8, 1),
        (16, 0, 16),
    ];
    for (shards, nodes, expected) in cases {
        assert_eq!(
            share(shards, nodes),
            expected,
            "{shards} shards, {nodes} nodes"
        );
    }
}

#[test]
fn plan_moves_toward_share() {
    let cases = [
        // Alone on an empty table: take everything.
        ("a", 0, table(8, &[]), nodes(&["a"]), Move::Acquire(8)),
        // A second daemon joins a table the first one fills: nothing is free yet.
        (
            "b",
            0,
            table(8, &[("a", 8)]),
            nodes(&["a", "b"]),
            Move::Stay,
        ),
        // The first daemon sees the newcomer below its share and hands one shard over.
        (
            "a",
            8,
            table(8, &[("a", 8)]),
            nodes(&["a", "b"]),
            Move::HandOver("b".to_owned()),
        ),
        // A daemon below its share takes a free shard itself.
        (
            "b",
            0,
            table(8, &[("a", 7)]),
            nodes(&["a", "b"]),
            Move::Acquire(1),
        ),
        // No hand-over while a shard is free.
        (
            "a",
            7,
            table(8, &[("a", 7)]),
            nodes(&["a", "b"]),
            Move::Stay,
        ),
        // The daemon furthest below its share receives the shard.
        (
            "a",
            6,
            table(8, &[("a", 6), ("b", 2)]),
            nodes(&["a", "b", "c"]),
            Move::HandOver("c".to_owned()),
        ),
        // Balanced.
        (
            "a",
            4,
            table(8, &[("a", 4), ("b", 4)]),
            nodes(&["a", "b"]),
            Move::Stay,
        ),
        // Over the share, but the others are at theirs: nobody to give to.
        (
            "a",
            3,
            table(8, &[("a", 3), ("b", 3), ("c", 2)]),
            nodes(&["a", "b", "c"]),
            Move::Stay,
        ),
        // A daemon died: its shards expire and the survivors share them.
        (
            "a",
            3,
            table(8, &[("a", 3), ("c", 3)]),
            nodes(&["a", "c"]),
            Move::Acquire(1),
        ),
        // Below the share, but only as many as are free.
        (
            "c",
            0,
            table(8, &[("a", 7)]),
            nodes(&["a", "b", "c"]),
            Move::Acquire(1),
        ),
    ];
    for (me, mine, leases, live, expected) in cases {
        assert_eq!(
            plan(8, me, mine, &leases, &live),
            expected,
            "{me} holds {mine}, live {live:?}"
        );
    }
}

#[test]
fn moving_until_balanced() {
    let two = nodes(&["a", "b"]);

    assert!(moving(8, &table(8, &[("a", 8)]), &two));
    assert!(moving(8, &table(8, &[("a", 5), ("b", 2)]), &two));
    assert!(!moving(8, &table(8, &[("a", 4), ("b", 4)]), &two));
    assert!(!moving(
        8,
        &table(8, &[("a", 3), ("b", 3), ("c", 2)]),
        &nodes(&["a", "b", "c"])
    ));
}

#[test]
fn single_holds_every_shard() {
    let cluster = Cluster::single("vahti-1".to_owned(), &config(16));

    let held = cluster.held();

    assert_eq!(held.len(), 16);
    assert_eq!(cluster.scope().account_shards(), None);
    assert_eq!(cluster.scope().lease_for(200), None);
}

#[test]
fn leased_starts_with_nothing() {
    let cluster = Cluster::leased("vahti-1".to_owned(), &config(16));

    assert!(cluster.held().is_empty());
    assert_eq!(cluster.scope().account_shards(), Some(Vec::new()));
}

#[test]
fn scope_covers_account_shards_by_remainder() {
    let cluster = Cluster::leased("vahti-1".to_owned(), &config(64));
    let leases = [
        HeldLease { shard: 3, epoch: 7 },
        HeldLease {
            shard: 10,
            epoch: 2,
        },
    ];
    cluster.acquired(&leases, Instant::now());

    let scope = cluster.scope();

    assert_eq!(
        scope.account_shards(),
        Some(vec![3, 10, 67, 74, 131, 138, 195, 202])
    );
    assert_eq!(scope.lease_for(131), Some(leases[0]));
    assert_eq!(scope.lease_for(202), Some(leases[1]));
    assert_eq!(scope.lease_for(4), None);
}

#[test]
fn expired_local_validity_not_held() {
    let cluster = Cluster::leased("vahti-1".to_owned(), &config(16));
    let long_ago = Instant::now().checked_sub(Duration::from_secs(60)).unwrap();
    cluster.acquired(&[HeldLease { shard: 1, epoch: 1 }], long_ago);

    assert!(cluster.held().is_empty());
    assert_eq!(cluster.claimed(), [HeldLease { shard: 1, epoch: 1 }]);
}

#[test]
fn renewal_reports_lost_leases() {
    let cluster = Cluster::leased("vahti-1".to_owned(), &config(16));
    let first = HeldLease { shard: 1, epoch: 1 };
    let second = HeldLease { shard: 2, epoch: 4 };
    cluster.acquired(&[first, second], Instant::now());

    let lost = cluster.renewed(&[second], 3, Instant::now());

    assert_eq!(lost, [first]);
    assert_eq!(cluster.held(), [second]);
    assert_eq!(cluster.nodes_live(), 3);
}

#[test]
fn give_up_last_takes_highest_shard() {
    let cluster = Cluster::leased("vahti-1".to_owned(), &config(16));
    let leases = [
        HeldLease { shard: 1, epoch: 1 },
        HeldLease { shard: 9, epoch: 1 },
    ];
    cluster.acquired(&leases, Instant::now());

    assert_eq!(
        cluster.give_up_last().map(|(lease, _)| lease),
        Some(leases[1])
    );
    assert_eq!(cluster.held(), [leases[0]]);
}

#[test]
fn receivers_spread_stopping_daemons_shards() {
    let leases: Vec<HeldLease> = (0..4).map(|shard| HeldLease { shard, epoch: 1 }).collect();
    let table = table(8, &[("a", 4), ("b", 1), ("c", 3)]);

    let plan = receivers_for("a", &leases, &table, &nodes(&["a", "b", "c"]));

    let receivers: Vec<&str> = plan.iter().map(|(_, node)| node.as_str()).collect();
    assert_eq!(receivers, ["b", "b", "b", "c"]);
    let handed: Vec<HeldLease> = plan.iter().map(|(lease, _)| *lease).collect();
    assert_eq!(handed, leases);
}

#[test]
fn receivers_none_when_alone() {
    let leases = [HeldLease { shard: 0, epoch: 1 }];

    let plan = receivers_for("a", &leases, &table(1, &[("a", 1)]), &nodes(&["a"]));

    assert!(plan.is_empty());
}
