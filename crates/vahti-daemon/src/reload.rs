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

    // Policies are not part of the file: they live in the database, and every evaluation reads
    // the version in force, so a policy changed through the API applies without a reload.
    tracing::info!("policies are read from the database at each evaluation and need no reload");

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
///
/// The destructuring lists every section, so a section added to [`Config`] does not compile until
/// it is compared here.
pub fn changed_sections(old: &Config, new: &Config) -> Vec<&'static str> {
    let Config {
        server,
        database,
        daemon,
        admin,
        clock,
        scheduler,
        actors,
        mail,
        outbox,
        webhooks,
        collection,
        self_service,
        cluster,
        log,
        loaded_from: _,
        notices: _,
    } = old;
    let sections = [
        ("server", *server != new.server),
        ("database", *database != new.database),
        ("daemon", *daemon != new.daemon),
        ("admin", *admin != new.admin),
        ("clock", *clock != new.clock),
        ("scheduler", *scheduler != new.scheduler),
        ("actors", *actors != new.actors),
        ("mail", *mail != new.mail),
        ("outbox", *outbox != new.outbox),
        ("webhooks", *webhooks != new.webhooks),
        ("collection", *collection != new.collection),
        ("self_service", *self_service != new.self_service),
        ("cluster", *cluster != new.cluster),
        ("log.format", log.format != new.log.format),
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

    #[test]
    fn webhook_and_collection_changes_listed() {
        let old = config(&[]);
        let new = config(&[
            ("VAHTI__WEBHOOKS__TIMEOUT_SECONDS", "3"),
            ("VAHTI__COLLECTION__EXPORT_DIR", "/srv/vahti/cases"),
        ]);

        assert_eq!(changed_sections(&old, &new), ["webhooks", "collection"]);
    }
}
