//! Reloading the configuration on SIGHUP. Only the log filter changes while the daemon runs;
//! other changes are reported and wait for a restart.

use std::path::Path;

use crate::config::Config;
use crate::telemetry::LogFilterHandle;

/// Loads the configuration again and applies its log filter.
///
/// Returns the new configuration, or `None` when it failed to load, in which case the running
/// configuration stays in force. Either way the outcome is logged.
pub fn reload_log_filter(
    config_path: Option<&Path>,
    running: &Config,
    log_filter: &LogFilterHandle,
) -> Option<Config> {
    let loaded = match Config::load(config_path) {
        Ok(loaded) => loaded,
        Err(error) => {
            tracing::error!(
                error = %error,
                "configuration reload failed; the running configuration stays in force"
            );
            return None;
        }
    };

    let current = log_filter.current();
    if loaded.log.level == current {
        tracing::info!(filter = %current, "log filter unchanged");
    } else {
        match log_filter.set(&loaded.log.level) {
            Ok(()) => tracing::info!(
                filter = %loaded.log.level,
                previous_filter = %current,
                "log filter changed"
            ),
            Err(error) => tracing::error!(error = %error, "log filter not changed"),
        }
    }

    let restart_needed = changed_sections(running, &loaded);
    if !restart_needed.is_empty() {
        tracing::warn!(
            sections = %restart_needed.join(", "),
            "configuration changed in sections that take effect only after a restart"
        );
    }
    Some(loaded)
}

/// Returns the sections that differ, other than `log.level`. Secrets are compared by value.
pub fn changed_sections(old: &Config, new: &Config) -> Vec<&'static str> {
    let sections = [
        ("server", old.server != new.server),
        ("database", old.database != new.database),
        ("daemon", old.daemon != new.daemon),
        ("admin", old.admin != new.admin),
        ("clock", old.clock != new.clock),
        ("scheduler", old.scheduler != new.scheduler),
        ("actors", old.actors != new.actors),
        ("mail", old.mail != new.mail),
        ("outbox", old.outbox != new.outbox),
        ("log.format", old.log.format != new.log.format),
    ];
    sections
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(name, _)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProcessEnv;

    fn config(extra: &[(&str, &str)]) -> Config {
        let mut pairs = vec![("HOME", "/home/vahti")];
        pairs.extend_from_slice(extra);
        Config::load_with(None, None, &ProcessEnv::from_pairs(pairs)).unwrap()
    }

    #[test]
    fn same_config_has_no_changes() {
        assert!(changed_sections(&config(&[]), &config(&[])).is_empty());
    }

    #[test]
    fn log_level_change_needs_no_restart() {
        let old = config(&[]);
        let new = config(&[("VAHTI__LOG__LEVEL", "debug")]);

        assert!(changed_sections(&old, &new).is_empty());
    }

    #[test]
    fn changed_sections_listed() {
        let old = config(&[]);
        let new = config(&[
            ("VAHTI__SERVER__LISTEN", "127.0.0.1:9999"),
            ("VAHTI__LOG__FORMAT", "json"),
        ]);

        assert_eq!(changed_sections(&old, &new), ["server", "log.format"]);
    }
}
