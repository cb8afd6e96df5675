//! Figures, their goals, and the Markdown table the binary prints.

use std::fmt::Write as _;

use serde::Serialize;

/// A goal a figure is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "limit")]
pub enum Goal {
    /// The value must be at least this.
    AtLeast(f64),
    /// The value must be at most this.
    AtMost(f64),
    /// The value divided by the baseline must be at least this.
    RatioAtLeast(f64),
}

impl Goal {
    fn describe(self, unit: &str) -> String {
        match self {
            Goal::AtLeast(limit) => format!(">= {} {unit}", number(limit)),
            Goal::AtMost(limit) => format!("<= {} {unit}", number(limit)),
            Goal::RatioAtLeast(limit) => format!("ratio >= {limit}"),
        }
    }
}

/// One measured figure with the baseline measured in the same run.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// The scenario, such as `ingest-sqlite`.
    pub scenario: String,
    /// What was measured, such as `invoices per second`.
    pub name: String,
    /// The measured value.
    pub value: f64,
    /// The unit of `value` and `baseline`.
    pub unit: String,
    /// The same measure of the baseline, when the scenario has one.
    pub baseline: Option<f64>,
    /// What the baseline is.
    pub baseline_name: String,
    /// The goals the value is checked against.
    pub goals: Vec<Goal>,
    /// The sizes and settings of the run.
    pub setup: String,
    /// Whether the run was as large as the goals assume; goals of a smaller run are not judged.
    pub at_goal_size: bool,
}

impl Figure {
    /// A figure without a baseline or goals.
    pub fn new(scenario: &str, name: &str, value: f64, unit: &str, setup: String) -> Figure {
        Figure {
            scenario: scenario.to_owned(),
            name: name.to_owned(),
            value,
            unit: unit.to_owned(),
            baseline: None,
            baseline_name: String::new(),
            goals: Vec::new(),
            setup,
            at_goal_size: true,
        }
    }

    /// Notes that the goals assume a run of `goal_size` (accounts, invoices) and this one had
    /// `size`: a smaller run's figure is shown without judging it against the goals.
    #[must_use]
    pub fn sized(mut self, size: usize, goal_size: usize) -> Figure {
        self.at_goal_size = size >= goal_size;
        self
    }

    /// Sets the baseline.
    #[must_use]
    pub fn baseline(mut self, name: &str, value: f64) -> Figure {
        self.baseline_name = name.to_owned();
        self.baseline = Some(value);
        self
    }

    /// Adds a goal.
    #[must_use]
    pub fn goal(mut self, goal: Goal) -> Figure {
        self.goals.push(goal);
        self
    }

    /// The value divided by the baseline.
    pub fn ratio(&self) -> Option<f64> {
        self.baseline
            .filter(|baseline| *baseline != 0.0)
            .map(|baseline| self.value / baseline)
    }

    /// Whether every goal is met; `None` without goals or below the goals' size.
    pub fn met(&self) -> Option<bool> {
        if self.goals.is_empty() || !self.at_goal_size {
            return None;
        }
        Some(self.goals.iter().all(|goal| match *goal {
            Goal::AtLeast(limit) => self.value >= limit,
            Goal::AtMost(limit) => self.value <= limit,
            Goal::RatioAtLeast(limit) => self.ratio().is_some_and(|ratio| ratio >= limit),
        }))
    }
}

/// Formats a number with three significant digits at most, and no exponent.
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// Renders the figures as a Markdown table.
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from(
        "| scenario | figure | value | baseline | ratio | goal | met |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for figure in figures {
        let baseline = figure.baseline.map_or_else(
            || "-".to_owned(),
            |value| {
                format!(
                    "{} {} ({})",
                    number(value),
                    figure.unit,
                    figure.baseline_name
                )
            },
        );
        let ratio = figure.ratio().map_or_else(|| "-".to_owned(), number);
        let goals: Vec<String> = figure
            .goals
            .iter()
            .map(|goal| goal.describe(&figure.unit))
            .collect();
        let met = match figure.met() {
            None if !figure.goals.is_empty() => "not judged: smaller run",
            None => "-",
            Some(true) => "yes",
            Some(false) => "no",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} {} | {baseline} | {ratio} | {} | {met} |",
            figure.scenario,
            figure.name,
            number(figure.value),
            figure.unit,
            if goals.is_empty() {
                "-".to_owned()
            } else {
                goals.join(", ")
            },
        );
    }
    out
}

/// Describes the machine: cores, CPU model, memory, operating system and kernel.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split(':').nth(1))
        .map_or("unknown", str::trim)
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|line| line.starts_with("MemTotal"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or_else(
            || "unknown".to_owned(),
            |kib| format!("{:.1} GiB", kib as f64 / 1048576.0),
        );
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map_or("unknown", |name| name.trim_matches('"'))
        .to_owned();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cores} cores, {model}, {memory} RAM, {os}, Linux {}",
        kernel.trim()
    )
}
