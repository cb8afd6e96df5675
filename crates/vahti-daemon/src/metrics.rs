//! Prometheus metrics: counters, gauges and histograms with labels, rendered in the text
//! exposition format 0.0.4 for `/metrics`.
//!
//! Hand-written instead of a client crate because the daemon needs only these three types.
//! Updates are single atomic operations. Looking up a labelled child takes a read lock and one
//! small allocation, so code on a hot path can keep the returned `Arc` and skip the lookup.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// The `Content-Type` of [`Registry::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Bucket upper bounds for request durations, in seconds.
pub const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A metric that can write its samples.
pub trait Metric: Send + Sync + 'static {
    /// The `# TYPE` of the metric: `counter`, `gauge` or `histogram`.
    const TYPE: &'static str;

    /// Appends the sample lines of this metric, with `labels` already formatted as `a="x",b="y"`
    /// or empty.
    fn write_samples(&self, name: &str, labels: &str, out: &mut String);
}

/// A count that only goes up.
#[derive(Debug, Default)]
pub struct Counter {
    value: AtomicU64,
}

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// Adds `amount`.
    pub fn inc_by(&self, amount: u64) {
        self.value.fetch_add(amount, Ordering::Relaxed);
    }

    /// Returns the current count.
    pub fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

impl Metric for Counter {
    const TYPE: &'static str = "counter";

    fn write_samples(&self, name: &str, labels: &str, out: &mut String) {
        write_sample(out, name, "", labels, &self.get().to_string());
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge {
    value: AtomicI64,
}

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: i64) {
        self.value.store(value, Ordering::Relaxed);
    }

    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Subtracts one.
    pub fn dec(&self) {
        self.add(-1);
    }

    /// Adds `amount`, which may be negative.
    pub fn add(&self, amount: i64) {
        self.value.fetch_add(amount, Ordering::Relaxed);
    }

    /// Returns the current value.
    pub fn get(&self) -> i64 {
        self.value.load(Ordering::Relaxed)
    }
}

impl Metric for Gauge {
    const TYPE: &'static str = "gauge";

    fn write_samples(&self, name: &str, labels: &str, out: &mut String) {
        write_sample(out, name, "", labels, &self.get().to_string());
    }
}

/// A distribution of observed values over fixed buckets.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Per-bucket counts, not cumulative; the last one counts values above every bound.
    buckets: Box<[AtomicU64]>,
    /// The sum of all observations, as `f64` bits.
    sum: AtomicU64,
}

impl Histogram {
    /// A histogram with these bucket upper bounds, which must be sorted in increasing order.
    pub fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0.0_f64.to_bits()),
        }
    }

    /// Records one value. NaN is ignored.
    pub fn observe(&self, value: f64) {
        if value.is_nan() {
            return;
        }
        let index = self
            .bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(self.bounds.len());
        if let Some(bucket) = self.buckets.get(index) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }

        let mut current = self.sum.load(Ordering::Relaxed);
        loop {
            let next = (f64::from_bits(current) + value).to_bits();
            match self.sum.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
    }

    /// Records a duration in seconds.
    pub fn observe_duration(&self, duration: Duration) {
        self.observe(duration.as_secs_f64());
    }

    /// Returns the number of observations.
    pub fn count(&self) -> u64 {
        self.buckets
            .iter()
            .map(|bucket| bucket.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }

    /// Returns the sum of all observations.
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.sum.load(Ordering::Relaxed))
    }
}

impl Metric for Histogram {
    const TYPE: &'static str = "histogram";

    fn write_samples(&self, name: &str, labels: &str, out: &mut String) {
        let separator = if labels.is_empty() { "" } else { "," };
        let mut cumulative: u64 = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            cumulative = cumulative.wrapping_add(bucket.load(Ordering::Relaxed));
            let bound = self
                .bounds
                .get(index)
                .map_or_else(|| "+Inf".to_owned(), |bound| format_float(*bound));
            let bucket_labels = format!("{labels}{separator}le=\"{bound}\"");
            write_sample(
                out,
                name,
                "_bucket",
                &bucket_labels,
                &cumulative.to_string(),
            );
        }
        write_sample(out, name, "_sum", labels, &format_float(self.sum()));
        write_sample(out, name, "_count", labels, &cumulative.to_string());
    }
}

fn write_sample(out: &mut String, name: &str, suffix: &str, labels: &str, value: &str) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name}{suffix} {value}");
    } else {
        let _ = writeln!(out, "{name}{suffix}{{{labels}}} {value}");
    }
}

/// Formats a float as Prometheus reads it: `+Inf`, `-Inf`, `NaN`, or a plain decimal.
fn format_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        value.to_string()
    }
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape_label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Escapes help text: backslash and line feed.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// One child of a family: its label values and the metric.
type Child<M, const N: usize> = ([String; N], Arc<M>);

/// A metric with `N` labels: one child per combination of label values.
pub struct Family<M, const N: usize> {
    label_names: [&'static str; N],
    /// Children by [`child_key`] of their label values.
    children: RwLock<HashMap<String, Child<M, N>>>,
    new_child: Box<dyn Fn() -> M + Send + Sync>,
}

impl<M: Metric, const N: usize> Family<M, N> {
    fn new(
        label_names: [&'static str; N],
        new_child: impl Fn() -> M + Send + Sync + 'static,
    ) -> Self {
        Family {
            label_names,
            children: RwLock::new(HashMap::new()),
            new_child: Box::new(new_child),
        }
    }

    /// Returns the child for these label values, given in the order of the label names, and
    /// creates it on first use.
    pub fn with_labels(&self, values: [&str; N]) -> Arc<M> {
        let key = child_key(&values);
        let existing = self
            .children
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .map(|(_, child)| Arc::clone(child));
        if let Some(child) = existing {
            return child;
        }

        let mut children = self
            .children
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let (_, child) = children
            .entry(key)
            .or_insert_with(|| (values.map(str::to_owned), Arc::new((self.new_child)())));
        Arc::clone(child)
    }

    fn write_samples(&self, name: &str, out: &mut String) {
        let children = self.children.read().unwrap_or_else(PoisonError::into_inner);
        let mut sorted: Vec<&Child<M, N>> = children.values().collect();
        sorted.sort_by(|left, right| left.0.cmp(&right.0));

        for (values, child) in sorted {
            let labels: Vec<String> = self
                .label_names
                .iter()
                .zip(values)
                .map(|(name, value)| format!("{name}=\"{}\"", escape_label_value(value)))
                .collect();
            child.write_samples(name, &labels.join(","), out);
        }
    }
}

/// Builds an unambiguous map key for label values by prefixing each value with its length.
fn child_key(values: &[&str]) -> String {
    let mut key = String::new();
    for value in values {
        let _ = write!(key, "{}:{value}", value.len());
    }
    key
}

/// Something the registry can render: one metric family with its header.
trait Render: Send + Sync {
    fn render(&self, out: &mut String);
}

struct Single<M> {
    name: &'static str,
    help: &'static str,
    metric: Arc<M>,
}

impl<M: Metric> Render for Single<M> {
    fn render(&self, out: &mut String) {
        write_header(out, self.name, self.help, M::TYPE);
        self.metric.write_samples(self.name, "", out);
    }
}

struct Labelled<M, const N: usize> {
    name: &'static str,
    help: &'static str,
    family: Arc<Family<M, N>>,
}

impl<M: Metric, const N: usize> Render for Labelled<M, N> {
    fn render(&self, out: &mut String) {
        write_header(out, self.name, self.help, M::TYPE);
        self.family.write_samples(self.name, out);
    }
}

fn write_header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A set of metrics rendered together, in the order they were registered.
///
/// Names must match `[a-zA-Z_:][a-zA-Z0-9_:]*` and label names `[a-zA-Z_][a-zA-Z0-9_]*`; the
/// registry does not check them.
#[derive(Default)]
pub struct Registry {
    entries: RwLock<Vec<Box<dyn Render>>>,
}

impl Registry {
    /// Creates an empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    fn add(&self, entry: Box<dyn Render>) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    fn single<M: Metric>(&self, name: &'static str, help: &'static str, metric: M) -> Arc<M> {
        let metric = Arc::new(metric);
        self.add(Box::new(Single {
            name,
            help,
            metric: Arc::clone(&metric),
        }));
        metric
    }

    fn labelled<M: Metric, const N: usize>(
        &self,
        name: &'static str,
        help: &'static str,
        family: Family<M, N>,
    ) -> Arc<Family<M, N>> {
        let family = Arc::new(family);
        self.add(Box::new(Labelled {
            name,
            help,
            family: Arc::clone(&family),
        }));
        family
    }

    /// Registers a counter without labels.
    pub fn counter(&self, name: &'static str, help: &'static str) -> Arc<Counter> {
        self.single(name, help, Counter::default())
    }

    /// Registers a counter with labels.
    pub fn counter_family<const N: usize>(
        &self,
        name: &'static str,
        help: &'static str,
        labels: [&'static str; N],
    ) -> Arc<Family<Counter, N>> {
        self.labelled(name, help, Family::new(labels, Counter::default))
    }

    /// Registers a gauge without labels.
    pub fn gauge(&self, name: &'static str, help: &'static str) -> Arc<Gauge> {
        self.single(name, help, Gauge::default())
    }

    /// Registers a gauge with labels.
    pub fn gauge_family<const N: usize>(
        &self,
        name: &'static str,
        help: &'static str,
        labels: [&'static str; N],
    ) -> Arc<Family<Gauge, N>> {
        self.labelled(name, help, Family::new(labels, Gauge::default))
    }

    /// Registers a histogram without labels.
    pub fn histogram(
        &self,
        name: &'static str,
        help: &'static str,
        bounds: &'static [f64],
    ) -> Arc<Histogram> {
        self.single(name, help, Histogram::new(bounds))
    }

    /// Registers a histogram with labels.
    pub fn histogram_family<const N: usize>(
        &self,
        name: &'static str,
        help: &'static str,
        labels: [&'static str; N],
        bounds: &'static [f64],
    ) -> Arc<Family<Histogram, N>> {
        self.labelled(
            name,
            help,
            Family::new(labels, move || Histogram::new(bounds)),
        )
    }

    /// Renders every metric in the text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for entry in self
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            entry.render(&mut out);
        }
        out
    }
}

/// The metrics the daemon reports.
pub struct Metrics {
    registry: Registry,
    /// HTTP requests by method, route pattern (not the raw path) and status code.
    pub http_requests: Arc<Family<Counter, 3>>,
    /// Time from receiving a request to sending the response head.
    pub http_request_duration: Arc<Histogram>,
    /// Account actors in memory.
    pub actors_active: Arc<Gauge>,
    /// Accounts whose next action is due, as of the scheduler's last poll.
    pub accounts_due: Arc<Gauge>,
    /// Outbox rows waiting for delivery, by kind (`email`, `webhook`).
    pub outbox_depth: Arc<Family<Gauge, 1>>,
    /// Finished delivery attempts by kind and outcome (`sent`, `retry`, `given_up`).
    pub deliveries: Arc<Family<Counter, 2>>,
    /// Failed delivery attempts by kind and failure class (`timeout`, `rejected`, ...).
    pub delivery_failures: Arc<Family<Counter, 2>>,
    /// Scheduler polls.
    pub scheduler_runs: Arc<Counter>,
    /// Shared transactions of the scheduler's wake-ups that failed, after which their accounts
    /// were woken one at a time.
    pub shared_wake_failures: Arc<Counter>,
    /// Groups of accounts read and planned ahead, while the group before was written, and used.
    pub wake_groups_read_ahead: Arc<Counter>,
    /// Groups of accounts read ahead that were read again in their transaction, because something
    /// else was written in between.
    pub wake_groups_read_again: Arc<Counter>,
    /// Escalation steps executed, by step kind.
    pub steps_executed: Arc<Family<Counter, 1>>,
    /// Shards whose lease this daemon holds; every shard when it runs alone.
    pub cluster_shards_held: Arc<Gauge>,
    /// 1 for each shard whose lease this daemon holds and 0 for the other shards, by shard; only
    /// with shard leases.
    pub cluster_shard_held: Arc<Family<Gauge, 1>>,
    /// Live daemons in the cluster at the last heartbeat, this one included.
    pub cluster_nodes_live: Arc<Gauge>,
    /// Shard leases this daemon took, by how: `free` (released or never held), `expired` (the
    /// holder stopped renewing, such as a daemon that died) or `handed_over` (another daemon
    /// passed the lease on while rebalancing or stopping).
    pub cluster_lease_takeovers: Arc<Family<Counter, 1>>,
    /// Shard leases this daemon held that ran out before it could renew them.
    pub cluster_leases_lost: Arc<Counter>,
    /// Always 1, labelled with the daemon's version.
    pub build_info: Arc<Family<Gauge, 1>>,
}

impl Metrics {
    /// Registers every metric of the daemon and sets `vahti_build_info{version}` to 1.
    pub fn new(version: &str) -> Self {
        let registry = Registry::new();
        let metrics = Metrics {
            http_requests: registry.counter_family(
                "vahti_http_requests_total",
                "HTTP requests by method, route and status.",
                ["method", "route", "status"],
            ),
            http_request_duration: registry.histogram(
                "vahti_http_request_duration_seconds",
                "Time to answer an HTTP request, in seconds.",
                DURATION_BUCKETS,
            ),
            actors_active: registry.gauge("vahti_actors_active", "Account actors in memory."),
            accounts_due: registry.gauge(
                "vahti_accounts_due",
                "Accounts with a due action at the last scheduler poll.",
            ),
            outbox_depth: registry.gauge_family(
                "vahti_outbox_depth",
                "Outbox rows waiting for delivery, by kind.",
                ["kind"],
            ),
            deliveries: registry.counter_family(
                "vahti_deliveries_total",
                "Finished delivery attempts by kind and outcome.",
                ["kind", "outcome"],
            ),
            delivery_failures: registry.counter_family(
                "vahti_delivery_failures_total",
                "Failed delivery attempts by kind and failure class.",
                ["kind", "class"],
            ),
            scheduler_runs: registry.counter("vahti_scheduler_runs_total", "Scheduler polls."),
            shared_wake_failures: registry.counter(
                "vahti_shared_wake_failures_total",
                "Shared wake-up transactions that failed; their accounts were woken one at a time.",
            ),
            wake_groups_read_ahead: registry.counter(
                "vahti_wake_groups_read_ahead_total",
                "Groups of due accounts read and planned while the group before was written (SQLite).",
            ),
            wake_groups_read_again: registry.counter(
                "vahti_wake_groups_read_again_total",
                "Groups of due accounts read ahead but read again, because something else was written in between.",
            ),
            steps_executed: registry.counter_family(
                "vahti_steps_executed_total",
                "Escalation steps executed, by step kind.",
                ["kind"],
            ),
            cluster_shards_held: registry.gauge(
                "vahti_cluster_shards_held",
                "Shards whose lease this daemon holds.",
            ),
            cluster_shard_held: registry.gauge_family(
                "vahti_cluster_shard_held",
                "1 for each shard whose lease this daemon holds, 0 for the others.",
                ["shard"],
            ),
            cluster_nodes_live: registry.gauge(
                "vahti_cluster_nodes_live",
                "Live daemons in the cluster at the last heartbeat, this one included.",
            ),
            cluster_lease_takeovers: registry.counter_family(
                "vahti_cluster_lease_takeovers_total",
                "Shard leases taken, by whether the lease was free, had expired or was handed over.",
                ["reason"],
            ),
            cluster_leases_lost: registry.counter(
                "vahti_cluster_leases_lost_total",
                "Shard leases that ran out before this daemon renewed them.",
            ),
            build_info: registry.gauge_family(
                "vahti_build_info",
                "Always 1; the label carries the version of vahtid.",
                ["version"],
            ),
            registry,
        };
        metrics.build_info.with_labels([version]).set(1);
        metrics
    }

    /// Renders every metric in the text exposition format 0.0.4, to be served with
    /// [`CONTENT_TYPE`].
    pub fn render(&self) -> String {
        self.registry.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_registry_renders_exactly() {
        let registry = Registry::new();
        let requests =
            registry.counter_family("app_requests_total", "Requests.", ["method", "status"]);
        let queue = registry.gauge("app_queue", "Queued items.");
        let latency = registry.histogram("app_latency_seconds", "Latency.", &[0.1, 1.0]);

        requests.with_labels(["POST", "201"]).inc();
        requests.with_labels(["GET", "200"]).inc_by(3);
        queue.set(5);
        queue.dec();
        latency.observe(0.05);
        latency.observe(0.5);
        latency.observe(2.0);

        let expected = "\
# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{method=\"GET\",status=\"200\"} 3
app_requests_total{method=\"POST\",status=\"201\"} 1
# HELP app_queue Queued items.
# TYPE app_queue gauge
app_queue 4
# HELP app_latency_seconds Latency.
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le=\"0.1\"} 1
app_latency_seconds_bucket{le=\"1\"} 2
app_latency_seconds_bucket{le=\"+Inf\"} 3
app_latency_seconds_sum 2.55
app_latency_seconds_count 3
";
        assert_eq!(registry.render(), expected);
    }

    #[test]
    fn labelled_histogram_puts_le_last() {
        let registry = Registry::new();
        let family = registry.histogram_family("h", "H.", ["route"], &[1.0]);

        family.with_labels(["/a"]).observe(1.0);

        let text = registry.render();
        assert!(
            text.contains("h_bucket{route=\"/a\",le=\"1\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("h_count{route=\"/a\"} 1\n"), "{text}");
    }

    #[test]
    fn label_values_escaped() {
        let registry = Registry::new();
        let family = registry.counter_family("c_total", "C.", ["route"]);

        family.with_labels(["a\\b\"c\nd"]).inc();

        let text = registry.render();
        assert!(
            text.contains("c_total{route=\"a\\\\b\\\"c\\nd\"} 1\n"),
            "{text}"
        );
    }

    #[test]
    fn help_text_escaped() {
        let registry = Registry::new();
        registry.counter("c_total", "line one\nback\\slash");

        let text = registry.render();

        assert!(
            text.starts_with("# HELP c_total line one\\nback\\\\slash\n"),
            "{text}"
        );
    }

    #[test]
    fn same_labels_share_child() {
        let registry = Registry::new();
        let family = registry.counter_family("c_total", "C.", ["a", "b"]);

        family.with_labels(["x", "y"]).inc();
        family.with_labels(["x", "y"]).inc();

        assert_eq!(family.with_labels(["x", "y"]).get(), 2);
    }

    #[test]
    fn label_boundaries_not_confused() {
        let registry = Registry::new();
        let family = registry.counter_family("c_total", "C.", ["a", "b"]);

        family.with_labels(["1:x", ""]).inc();

        assert_eq!(family.with_labels(["1", "x:"]).get(), 0);
    }

    #[test]
    fn histogram_ignores_nan() {
        let histogram = Histogram::new(&[1.0]);

        histogram.observe(f64::NAN);

        assert_eq!(histogram.count(), 0);
    }

    #[test]
    fn histogram_bound_is_inclusive() {
        let histogram = Histogram::new(&[1.0, 2.0]);

        histogram.observe(1.0);
        let mut out = String::new();
        histogram.write_samples("h", "", &mut out);

        assert!(out.starts_with("h_bucket{le=\"1\"} 1\n"), "{out}");
    }

    #[test]
    fn daemon_metrics_declared() {
        let metrics = Metrics::new("1.2.3");

        let text = metrics.render();

        for (name, kind) in [
            ("vahti_http_requests_total", "counter"),
            ("vahti_http_request_duration_seconds", "histogram"),
            ("vahti_actors_active", "gauge"),
            ("vahti_accounts_due", "gauge"),
            ("vahti_outbox_depth", "gauge"),
            ("vahti_deliveries_total", "counter"),
            ("vahti_delivery_failures_total", "counter"),
            ("vahti_scheduler_runs_total", "counter"),
            ("vahti_shared_wake_failures_total", "counter"),
            ("vahti_wake_groups_read_ahead_total", "counter"),
            ("vahti_wake_groups_read_again_total", "counter"),
            ("vahti_steps_executed_total", "counter"),
            ("vahti_cluster_shards_held", "gauge"),
            ("vahti_cluster_shard_held", "gauge"),
            ("vahti_cluster_nodes_live", "gauge"),
            ("vahti_cluster_lease_takeovers_total", "counter"),
            ("vahti_cluster_leases_lost_total", "counter"),
            ("vahti_build_info", "gauge"),
        ] {
            assert!(
                text.contains(&format!("# TYPE {name} {kind}\n")),
                "{name}\n{text}"
            );
        }
        assert!(
            text.contains("vahti_build_info{version=\"1.2.3\"} 1\n"),
            "{text}"
        );
    }

    #[test]
    fn daemon_metric_names_valid() {
        let text = Metrics::new("0").render();
        for line in text.lines().filter(|line| line.starts_with("# TYPE ")) {
            let name = line.split(' ').nth(2).unwrap();
            let mut chars = name.chars();
            let first = chars.next().unwrap();
            assert!(first.is_ascii_alphabetic() || first == '_', "{name}");
            assert!(
                chars.all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{name}"
            );
        }
    }

    #[test]
    fn counters_count_across_threads() {
        let counter = Arc::new(Counter::default());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || (0..1000).for_each(|_| counter.inc()))
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }

        assert_eq!(counter.get(), 4000);
    }
}
