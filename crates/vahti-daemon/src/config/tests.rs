use std::fs;
use std::path::{Path, PathBuf};

use vahti_domain::ErrorCode;

use super::*;

/// A temporary directory with a configuration file and an environment pointing into it.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// Builds an environment with only HOME set, inside the temporary directory.
    fn env(&self, extra: &[(&str, &str)]) -> ProcessEnv {
        let home = self.path("home").display().to_string();
        let mut pairs = vec![("HOME".to_owned(), home)];
        pairs.extend(
            extra
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        );
        ProcessEnv::from_pairs(pairs)
    }

    fn load(&self, file: Option<&Path>, extra_env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::load_with(file, None, &self.env(extra_env))
    }

    fn load_file(&self, text: &str) -> Result<Config, ConfigError> {
        let path = self.write("vahti.toml", text);
        self.load(Some(&path), &[])
    }
}

#[test]
fn defaults_without_file_or_env() {
    let fixture = Fixture::new();

    let config = fixture.load(None, &[]).unwrap();

    let data_dir = fixture.path("home/.local/share/vahti");
    assert_eq!(config.server.listen, "127.0.0.1:7878".parse().unwrap());
    assert_eq!(config.server.max_body_bytes, 33_554_432);
    assert_eq!(config.server.shutdown_timeout_seconds, 30);
    assert!(config.server.workers >= 1);
    assert_eq!(config.server.max_pending_writes, 256);
    assert_eq!(config.server.public_url.as_str(), "http://127.0.0.1:7878/");
    assert_eq!(config.daemon.data_dir, data_dir);
    assert_eq!(
        config.database.url,
        DatabaseUrl::Sqlite {
            path: data_dir.join("vahti.db")
        }
    );
    assert_eq!(config.database.pool_size, 8);
    assert_eq!(config.database.busy_timeout_ms, 5000);
    assert!(config.database.migrate_on_start);
    assert_eq!(config.admin.token, None);
    assert_eq!(config.clock.mode, ClockMode::System);
    assert_eq!(config.scheduler.poll_interval_ms, 1000);
    assert_eq!(config.scheduler.batch_size, 500);
    assert_eq!(config.scheduler.concurrency, 64);
    assert_eq!(config.actors.idle_timeout_seconds, 300);
    assert_eq!(config.actors.directory_shards, 64);
    assert!(config.actors.arbiters >= 1);
    assert_eq!(config.mail.transport, MailTransport::File);
    assert_eq!(config.mail.file_dir, data_dir.join("mail"));
    assert_eq!(config.mail.from_domain, "vahti.invalid");
    assert_eq!(config.mail.smtp, None);
    assert_eq!(config.outbox.concurrency, 16);
    assert_eq!(config.outbox.max_age_hours, 72);
    assert_eq!(config.outbox.retry_base_seconds, 60);
    assert_eq!(config.outbox.retry_max_seconds, 3600);
    assert_eq!(config.outbox.tenant_rate_per_second, 10);
    assert!(config.outbox.manual_task_on_failure);
    assert_eq!(config.webhooks.timeout_seconds, 10);
    assert_eq!(config.webhooks.max_age_hours, 72);
    assert_eq!(config.webhooks.failures_before_disable, 20);
    assert_eq!(config.webhooks.secret_grace_hours, 24);
    assert!(!config.webhooks.allow_insecure_http);
    assert_eq!(config.collection.export_dir, data_dir.join("collection"));
    assert_eq!(config.log.format, LogFormat::Text);
    assert_eq!(config.log.level, "info");
    assert_eq!(config.loaded_from, LoadedFrom::default());
}

#[test]
fn defaults_note_disabled_admin() {
    let fixture = Fixture::new();

    let config = fixture.load(None, &[]).unwrap();

    assert!(
        config
            .notices
            .iter()
            .any(|notice| notice.contains("admin endpoints are disabled")),
        "{:?}",
        config.notices
    );
}

#[test]
fn file_sets_values() {
    let fixture = Fixture::new();

    let config = fixture
        .load_file(
            r#"
            [server]
            listen = "0.0.0.0:8080"
            public_url = "https://vahti.example.com/"
            workers = 3

            [database]
            url = "postgres://vahti:pw@db.example.com/vahti"
            pool_size = 20

            [clock]
            mode = "manual"
            start = 2025-01-31T09:00:00+02:00

            [mail]
            transport = "smtp"

            [mail.smtp]
            host = "smtp.example.com"
            security = "tls"
            "#,
        )
        .unwrap();

    assert_eq!(config.server.listen, "0.0.0.0:8080".parse().unwrap());
    assert_eq!(config.server.workers, 3);
    assert_eq!(
        config.server.public_url.as_str(),
        "https://vahti.example.com/"
    );
    assert_eq!(config.database.pool_size, 20);
    assert_eq!(config.clock.mode, ClockMode::Manual);
    assert_eq!(
        config.clock.start.unwrap().to_rfc3339(),
        "2025-01-31T07:00:00+00:00"
    );
    assert_eq!(config.mail.from_domain, "vahti.example.com");
    let smtp = config.mail.smtp.unwrap();
    assert_eq!(smtp.host, "smtp.example.com");
    assert_eq!(smtp.port, 465);
    assert_eq!(smtp.security, SmtpSecurity::Tls);
    assert_eq!(config.loaded_from.file, Some(fixture.path("vahti.toml")));
}

#[test]
fn smtp_port_defaults_by_security() {
    let cases = [("starttls", 587), ("tls", 465), ("plain", 25)];
    for (security, port) in cases {
        let fixture = Fixture::new();
        let text = format!(
            "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nsecurity = \"{security}\"\n"
        );

        let config = fixture.load_file(&text).unwrap();

        assert_eq!(config.mail.smtp.unwrap().port, port, "{security}");
    }
}

#[test]
fn env_overrides_file() {
    let fixture = Fixture::new();
    let path = fixture.write("vahti.toml", "[server]\nlisten = \"127.0.0.1:1000\"\n");

    let config = fixture
        .load(
            Some(&path),
            &[
                ("VAHTI__SERVER__LISTEN", "127.0.0.1:2000"),
                ("VAHTI__DATABASE__MIGRATE_ON_START", "false"),
                ("VAHTI__MAIL__SMTP__HOST", "ignored.example.com"),
            ],
        )
        .unwrap();

    assert_eq!(config.server.listen, "127.0.0.1:2000".parse().unwrap());
    assert!(!config.database.migrate_on_start);
    assert_eq!(
        config.loaded_from.variables,
        [
            "VAHTI__SERVER__LISTEN",
            "VAHTI__DATABASE__MIGRATE_ON_START",
            "VAHTI__MAIL__SMTP__HOST"
        ]
    );
}

#[test]
fn env_sets_nested_smtp_keys() {
    let fixture = Fixture::new();

    let config = fixture
        .load(
            None,
            &[
                ("VAHTI__MAIL__TRANSPORT", "smtp"),
                ("VAHTI__MAIL__SMTP__HOST", "localhost"),
                ("VAHTI__MAIL__SMTP__PORT", "2525"),
                ("VAHTI__MAIL__SMTP__SECURITY", "plain"),
            ],
        )
        .unwrap();

    let smtp = config.mail.smtp.unwrap();
    assert_eq!(smtp.host, "localhost");
    assert_eq!(smtp.port, 2525);
}

#[test]
fn single_underscore_variables_ignored() {
    let fixture = Fixture::new();

    let config = fixture
        .load(
            None,
            &[
                (
                    "VAHTI_TEST_POSTGRES_URL",
                    "postgres://postgres@127.0.0.1/postgres",
                ),
                ("VAHTI_SAMPLES_DIR", "/tmp"),
                ("VAHTI", "x"),
            ],
        )
        .unwrap();

    assert!(matches!(config.database.url, DatabaseUrl::Sqlite { .. }));
    assert!(config.loaded_from.variables.is_empty());
}

#[test]
fn unknown_key_in_file_rejected() {
    let fixture = Fixture::new();

    let error = fixture
        .load_file("[server]\nlisten = \"127.0.0.1:1\"\nlistn = \"x\"\n")
        .unwrap_err();

    let message = error.to_string();
    assert_eq!(error.code(), "config_unknown_key");
    assert!(message.contains("`server.listn`"), "{message}");
    assert!(
        message.contains(&fixture.path("vahti.toml").display().to_string()),
        "{message}"
    );
    assert!(message.contains("listen, max_body_bytes"), "{message}");
}

#[test]
fn unknown_section_in_file_rejected() {
    let fixture = Fixture::new();

    let message = fixture
        .load_file("[srever]\nlisten = 1\n")
        .unwrap_err()
        .to_string();

    assert!(message.contains("`srever`"), "{message}");
    assert!(message.contains("at the top level"), "{message}");
    assert!(message.contains("server, database"), "{message}");
}

#[test]
fn unknown_nested_key_in_file_rejected() {
    let fixture = Fixture::new();

    let message = fixture
        .load_file("[mail.smtp]\nhostname = \"x\"\n")
        .unwrap_err()
        .to_string();

    assert!(message.contains("`mail.smtp.hostname`"), "{message}");
    assert!(message.contains("in [mail.smtp]"), "{message}");
}

#[test]
fn unknown_key_in_env_rejected() {
    let fixture = Fixture::new();

    let error = fixture
        .load(None, &[("VAHTI__SERVER__LISTN", "127.0.0.1:1")])
        .unwrap_err();

    let message = error.to_string();
    assert_eq!(error.code(), "config_unknown_key");
    assert!(message.contains("`server.listn`"), "{message}");
    assert!(
        message.contains("environment variable VAHTI__SERVER__LISTN"),
        "{message}"
    );
    assert!(message.contains("listen, max_body_bytes"), "{message}");
}

#[test]
fn unknown_section_in_env_rejected() {
    let fixture = Fixture::new();

    let message = fixture
        .load(None, &[("VAHTI__SERVR__LISTEN", "x")])
        .unwrap_err()
        .to_string();

    assert!(message.contains("`servr`"), "{message}");
    assert!(message.contains("VAHTI__SERVR__LISTEN"), "{message}");
}

#[test]
fn several_problems_listed_together() {
    let fixture = Fixture::new();
    let path = fixture.write("vahti.toml", "[server]\nlistn = 1\n");

    let error = fixture
        .load(Some(&path), &[("VAHTI__LOG__LEVL", "debug")])
        .unwrap_err();

    let message = error.to_string();
    assert_eq!(error.code(), "config_several_problems");
    assert!(message.contains("`server.listn`"), "{message}");
    assert!(message.contains("`log.levl`"), "{message}");
}

#[test]
fn deny_unknown_fields_surfaces_through_config_crate() {
    // The schema check normally runs first; this checks the serde guard behind it on its own.
    let source = config::File::from_str("[server]\nlistn = 1\n", FileFormat::Toml);

    let error = config::Config::builder()
        .add_source(source)
        .build()
        .and_then(config::Config::try_deserialize::<RawConfig>)
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("unknown field `listn`"), "{message}");
    assert!(message.contains("server"), "{message}");
}

#[test]
fn schema_matches_serde_fields() {
    let defaults = serde_json::to_value(RawConfig::default()).unwrap();
    let mut from_serde = Vec::new();
    collect_keys("", &defaults, &mut from_serde);
    from_serde.sort();

    let mut from_schema: Vec<String> = schema::SECTIONS
        .iter()
        .flat_map(|(section, keys)| {
            keys.iter().map(move |(key, _)| {
                if section.is_empty() {
                    (*key).to_owned()
                } else {
                    format!("{section}.{key}")
                }
            })
        })
        .collect();
    from_schema.sort();

    assert_eq!(from_schema, from_serde);
}

fn collect_keys(prefix: &str, value: &serde_json::Value, keys: &mut Vec<String>) {
    let serde_json::Value::Object(map) = value else {
        return;
    };
    for (key, inner) in map {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        collect_keys(&full, inner, keys);
        keys.push(full);
    }
}

#[test]
fn wrong_type_in_file_names_expected_type() {
    let fixture = Fixture::new();

    let error = fixture
        .load_file("[server]\nworkers = \"many\"\n")
        .unwrap_err();

    let message = error.to_string();
    assert_eq!(error.code(), "config_invalid_type");
    assert!(message.contains("`server.workers`"), "{message}");
    assert!(message.contains("expected a whole number"), "{message}");
    assert!(message.contains("string \"many\""), "{message}");
}

#[test]
fn wrong_types_rejected_not_coerced() {
    let cases = [
        "[server]\nworkers = true\n",
        "[server]\nworkers = 2.5\n",
        "[server]\nworkers = -1\n",
        "[server]\nlisten = 7878\n",
        "[database]\nmigrate_on_start = \"yes\"\n",
        "server = 1\n",
        "[mail]\nsmtp = \"x\"\n",
    ];
    for text in cases {
        let fixture = Fixture::new();

        let error = fixture.load_file(text).unwrap_err();

        assert_eq!(error.code(), "config_invalid_type", "{text}: {error}");
    }
}

#[test]
fn wrong_type_in_env_names_variable() {
    let fixture = Fixture::new();

    let message = fixture
        .load(None, &[("VAHTI__DATABASE__MIGRATE_ON_START", "maybe")])
        .unwrap_err()
        .to_string();

    assert!(message.contains("`database.migrate_on_start`"), "{message}");
    assert!(
        message.contains("VAHTI__DATABASE__MIGRATE_ON_START"),
        "{message}"
    );
    assert!(message.contains("expected true or false"), "{message}");
}

#[test]
fn env_setting_whole_section_rejected() {
    let fixture = Fixture::new();

    let error = fixture.load(None, &[("VAHTI__SERVER", "x")]).unwrap_err();

    assert_eq!(error.code(), "config_invalid_type");
}

#[test]
fn wrong_type_of_secret_hides_value() {
    let fixture = Fixture::new();

    let message = fixture
        .load_file("[admin]\ntoken = 123456789012345\n")
        .unwrap_err()
        .to_string();

    assert!(message.contains("`admin.token`"), "{message}");
    assert!(!message.contains("123456789"), "{message}");
}

#[test]
fn missing_explicit_file_rejected() {
    let fixture = Fixture::new();
    let path = fixture.path("absent.toml");

    let error = fixture.load(Some(&path), &[]).unwrap_err();

    assert_eq!(error.code(), "config_file_not_found");
    assert!(error.to_string().contains("absent.toml"), "{error}");
}

#[test]
fn missing_default_file_ignored() {
    let fixture = Fixture::new();
    let default_path = fixture.path("absent.toml");

    let config = Config::load_with(None, Some(&default_path), &fixture.env(&[])).unwrap();

    assert_eq!(config.loaded_from.file, None);
}

#[test]
fn existing_default_file_read() {
    let fixture = Fixture::new();
    let path = fixture.write("vahti.toml", "[log]\nlevel = \"debug\"\n");

    let config = Config::load_with(None, Some(&path), &fixture.env(&[])).unwrap();

    assert_eq!(config.log.level, "debug");
}

#[test]
fn invalid_toml_names_file() {
    let fixture = Fixture::new();

    let error = fixture.load_file("[server\nlisten = 1\n").unwrap_err();

    assert_eq!(error.code(), "config_file_syntax");
    assert!(error.to_string().contains("vahti.toml"), "{error}");
}

#[test]
fn token_file_read_and_trimmed() {
    let fixture = Fixture::new();
    let token_path = fixture.write("admin-token", "0123456789abcdef0123\n");
    let text = format!(
        "[admin]\ntoken_file = {:?}\n",
        token_path.display().to_string()
    );

    let config = fixture.load_file(&text).unwrap();

    let token = config.admin.token.unwrap();
    assert_eq!(token.expose(), "0123456789abcdef0123");
}

#[test]
fn relative_secret_file_read_from_credentials_dir() {
    let fixture = Fixture::new();
    fs::create_dir(fixture.path("credentials")).unwrap();
    fs::write(
        fixture.path("credentials/smtp-password"),
        "s3cret-password\n",
    )
    .unwrap();
    let path = fixture.write(
        "vahti.toml",
        "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"smtp.example.com\"\n\
         username = \"vahti\"\npassword_file = \"smtp-password\"\n",
    );
    let credentials = fixture.path("credentials").display().to_string();

    let config = fixture
        .load(Some(&path), &[("CREDENTIALS_DIRECTORY", &credentials)])
        .unwrap();

    let password = config.mail.smtp.unwrap().password.unwrap();
    assert_eq!(password.expose(), "s3cret-password");
}

#[test]
fn secret_and_secret_file_both_rejected() {
    let fixture = Fixture::new();
    let token_path = fixture.write("admin-token", "0123456789abcdef0123\n");

    let error = fixture
        .load(
            None,
            &[
                ("VAHTI__ADMIN__TOKEN", "0123456789abcdef0123"),
                (
                    "VAHTI__ADMIN__TOKEN_FILE",
                    &token_path.display().to_string(),
                ),
            ],
        )
        .unwrap_err();

    let message = error.to_string();
    assert_eq!(error.code(), "config_secret_conflict");
    assert!(message.contains("`admin.token`"), "{message}");
    assert!(message.contains("`admin.token_file`"), "{message}");
}

#[test]
fn missing_secret_file_names_key() {
    let fixture = Fixture::new();

    let error = fixture
        .load(
            None,
            &[("VAHTI__ADMIN__TOKEN_FILE", "/nonexistent/vahti-token")],
        )
        .unwrap_err();

    assert_eq!(error.code(), "config_secret_file_unreadable");
    assert!(error.to_string().contains("`admin.token_file`"), "{error}");
}

#[test]
fn short_admin_token_rejected() {
    let fixture = Fixture::new();

    let message = fixture
        .load(None, &[("VAHTI__ADMIN__TOKEN", "short-token")])
        .unwrap_err()
        .to_string();

    assert!(message.contains("at least 16 characters"), "{message}");
    assert!(!message.contains("short-token"), "{message}");
}

#[test]
fn redacted_summary_hides_secrets() {
    let fixture = Fixture::new();
    let password_path = fixture.write("smtp-password", "smtp-secret-value\n");
    let text = format!(
        "[database]\nurl = \"postgres://vahti:db-secret-value@db.example.com/vahti?password=other-secret\"\n\
         [admin]\ntoken = \"admin-secret-value-0123\"\n\
         [mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"smtp.example.com\"\n\
         username = \"vahti\"\npassword_file = {:?}\n",
        password_path.display().to_string()
    );
    let config = fixture.load_file(&text).unwrap();

    let summary = config.redacted_summary();

    for secret in [
        "db-secret-value",
        "other-secret",
        "admin-secret-value",
        "smtp-secret-value",
    ] {
        assert!(!summary.contains(secret), "{secret} in\n{summary}");
    }
    assert!(
        summary.contains("postgres://vahti:***@db.example.com/vahti"),
        "{summary}"
    );
    assert!(summary.contains("token = \"***\""), "{summary}");
    assert!(summary.contains("password = \"***\""), "{summary}");
}

#[test]
fn debug_output_hides_secrets() {
    let fixture = Fixture::new();
    let config = fixture
        .load(None, &[("VAHTI__ADMIN__TOKEN", "admin-secret-value-0123")])
        .unwrap();

    let debug = format!("{config:?}");

    assert!(!debug.contains("admin-secret-value"), "{debug}");
}

#[test]
fn redacted_summary_is_loadable_toml() {
    let fixture = Fixture::new();
    let config = fixture.load(None, &[]).unwrap();

    let reloaded = fixture.load_file(&config.redacted_summary()).unwrap();

    let expected = Config {
        loaded_from: reloaded.loaded_from.clone(),
        notices: reloaded.notices.clone(),
        ..config
    };
    assert_eq!(reloaded, expected);
}

#[test]
fn data_dir_from_state_directory() {
    let fixture = Fixture::new();

    let config = fixture
        .load(
            None,
            &[("STATE_DIRECTORY", "/var/lib/vahti:/var/lib/other")],
        )
        .unwrap();

    assert_eq!(config.daemon.data_dir, Path::new("/var/lib/vahti"));
}

#[test]
fn data_dir_from_xdg_data_home() {
    let fixture = Fixture::new();

    let config = fixture
        .load(None, &[("XDG_DATA_HOME", "/srv/data")])
        .unwrap();

    assert_eq!(config.daemon.data_dir, Path::new("/srv/data/vahti"));
}

#[test]
fn data_dir_without_home_rejected() {
    let error = Config::load_with(None, None, &ProcessEnv::default()).unwrap_err();

    assert_eq!(error.code(), "config_no_data_dir");
}

#[test]
fn relative_paths_resolved_in_data_dir() {
    let fixture = Fixture::new();

    let config = fixture
        .load_file(
            "[daemon]\ndata_dir = \"/srv/vahti\"\n[database]\nurl = \"sqlite://db/main.db\"\n\
             [mail]\nfile_dir = \"outgoing\"\n[collection]\nexport_dir = \"agency\"\n",
        )
        .unwrap();

    assert_eq!(
        config.database.url,
        DatabaseUrl::Sqlite {
            path: PathBuf::from("/srv/vahti/db/main.db")
        }
    );
    assert_eq!(config.mail.file_dir, Path::new("/srv/vahti/outgoing"));
    assert_eq!(config.collection.export_dir, Path::new("/srv/vahti/agency"));
}

#[test]
fn invalid_values_name_key_value_and_fix() {
    let cases = [
        (
            "[server]\nlisten = \"localhost:7878\"\n",
            "`server.listen`",
            "such as 127.0.0.1:7878",
        ),
        (
            "[server]\npublic_url = \"vahti.example.com\"\n",
            "`server.public_url`",
            "absolute http",
        ),
        (
            "[database]\npool_size = 0\n",
            "`database.pool_size`",
            "between 1 and 1024",
        ),
        (
            "[database]\nurl = \"mysql://u:pw@h/db\"\n",
            "`database.url`",
            "postgres://",
        ),
        (
            "[clock]\nmode = \"fake\"\n",
            "`clock.mode`",
            "\"system\" or \"manual\"",
        ),
        (
            "[clock]\nmode = \"manual\"\nstart = \"yesterday\"\n",
            "`clock.start`",
            "RFC 3339",
        ),
        (
            "[clock]\nstart = \"2025-01-01T00:00:00Z\"\n",
            "`clock.start`",
            "clock.mode = \"manual\"",
        ),
        (
            "[scheduler]\npoll_interval_ms = 0\n",
            "`scheduler.poll_interval_ms`",
            "at least 1",
        ),
        (
            "[mail]\ntransport = \"pigeon\"\n",
            "`mail.transport`",
            "\"file\" or \"smtp\"",
        ),
        (
            "[mail]\nfrom_domain = \"not a domain\"\n",
            "`mail.from_domain`",
            "domain name",
        ),
        (
            "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"smtp.example.com\"\nsecurity = \"plain\"\n",
            "`mail.smtp.security`",
            "allow_insecure_remote",
        ),
        (
            "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"h.example.com\"\nusername = \"u\"\n",
            "`mail.smtp.username`",
            "without a password",
        ),
        (
            "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"h.example.com\"\nport = 70000\n",
            "`mail.smtp.port`",
            "between 1 and 65535",
        ),
        (
            "[outbox]\nretry_max_seconds = 10\n",
            "`outbox.retry_max_seconds`",
            "retry_base_seconds",
        ),
        (
            "[webhooks]\ntimeout_seconds = 0\n",
            "`webhooks.timeout_seconds`",
            "between 1 and 300",
        ),
        (
            "[webhooks]\nfailures_before_disable = 0\n",
            "`webhooks.failures_before_disable`",
            "between 1 and 10000",
        ),
        (
            "[cluster]\nenabled = true\n",
            "`cluster.enabled`",
            "needs PostgreSQL",
        ),
        (
            "[cluster]\nnode_id = \"node one\"\n",
            "`cluster.node_id`",
            "such as \"vahti-1\"",
        ),
        (
            "[cluster]\nshards = 100\n",
            "`cluster.shards`",
            "power of two from 1 to 256",
        ),
        (
            "[cluster]\nlease_duration_ms = 100\nheartbeat_interval_ms = 10\n",
            "`cluster.lease_duration_ms`",
            "between 500 and 3600000",
        ),
        (
            "[cluster]\nlease_duration_ms = 3000\nheartbeat_interval_ms = 1500\n",
            "`cluster.heartbeat_interval_ms`",
            "a third of cluster.lease_duration_ms (1000)",
        ),
        ("[log]\nformat = \"xml\"\n", "`log.format`", "\"journald\""),
        (
            "[log]\nlevel = \"info,[\"\n",
            "`log.level`",
            "such as \"info\"",
        ),
    ];
    for (text, key, fix) in cases {
        let fixture = Fixture::new();

        let error = fixture.load_file(text).unwrap_err();

        let message = error.to_string();
        assert_eq!(error.code(), "config_invalid_value", "{text}: {message}");
        assert!(message.contains(key), "{text}: {message}");
        assert!(message.contains(fix), "{text}: {message}");
        assert!(message.contains("vahti.toml"), "{text}: {message}");
    }
}

#[test]
fn smtp_without_host_rejected() {
    let fixture = Fixture::new();

    let error = fixture
        .load_file("[mail]\ntransport = \"smtp\"\n")
        .unwrap_err();

    let message = error.to_string();
    assert_eq!(error.code(), "config_missing_key");
    assert!(message.contains("`mail.smtp.host`"), "{message}");
    assert!(message.contains("VAHTI__MAIL__SMTP__HOST"), "{message}");
}

#[test]
fn plain_smtp_allowed_on_loopback() {
    let fixture = Fixture::new();

    let config = fixture
        .load_file("[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nsecurity = \"plain\"\n")
        .unwrap();

    assert_eq!(config.mail.smtp.unwrap().security, SmtpSecurity::Plain);
}

#[test]
fn plain_smtp_allowed_remote_when_opted_in() {
    let fixture = Fixture::new();

    let config = fixture
        .load_file(
            "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"relay.example.com\"\n\
             security = \"plain\"\nallow_insecure_remote = true\n",
        )
        .unwrap();

    assert!(config.mail.smtp.unwrap().allow_insecure_remote);
}

#[test]
fn wildcard_listen_derives_localhost_url() {
    let fixture = Fixture::new();

    let config = fixture
        .load_file("[server]\nlisten = \"[::]:7878\"\n")
        .unwrap();

    assert_eq!(config.server.public_url.as_str(), "http://localhost:7878/");
    assert_eq!(config.mail.from_domain, "localhost");
}

#[test]
fn ipv6_listen_derives_bracketed_url() {
    let fixture = Fixture::new();

    let config = fixture
        .load_file("[server]\nlisten = \"[::1]:7878\"\n")
        .unwrap();

    assert_eq!(config.server.public_url.as_str(), "http://[::1]:7878/");
}

#[test]
fn env_values_not_unicode_rejected() {
    use std::os::unix::ffi::OsStringExt;

    let env = ProcessEnv::from_pairs([
        (OsString::from("HOME"), OsString::from("/tmp")),
        (
            OsString::from("VAHTI__LOG__LEVEL"),
            OsString::from_vec(vec![0xff, 0xfe]),
        ),
    ]);

    let error = Config::load_with(None, None, &env).unwrap_err();

    assert_eq!(error.code(), "config_env_not_unicode");
}

#[test]
fn redact_postgres_url_without_password_unchanged() {
    assert_eq!(
        redact_postgres_url("postgres://vahti@db.example.com/vahti"),
        "postgres://vahti@db.example.com/vahti"
    );
}

#[test]
fn redact_postgres_url_unparsable_hidden() {
    assert_eq!(redact_postgres_url("postgres://[bad"), "postgres://***");
}

#[test]
fn cluster_off_on_sqlite() {
    let fixture = Fixture::new();

    let config = fixture.load(None, &[]).unwrap();

    assert!(!config.cluster.enabled);
    assert_eq!(config.cluster.node_id, None);
    assert_eq!(config.cluster.shards, 256);
    assert_eq!(config.cluster.lease_duration_ms, 15_000);
    assert_eq!(config.cluster.heartbeat_interval_ms, 3_000);
}

#[test]
fn cluster_on_by_default_on_postgres() {
    let fixture = Fixture::new();

    let config = fixture
        .load(
            None,
            &[
                (
                    "VAHTI__DATABASE__URL",
                    "postgres://vahti@db.example.com/vahti",
                ),
                ("VAHTI__CLUSTER__NODE_ID", "vahti-2"),
                ("VAHTI__CLUSTER__SHARDS", "64"),
            ],
        )
        .unwrap();

    assert!(config.cluster.enabled);
    assert_eq!(config.cluster.node_id.as_deref(), Some("vahti-2"));
    assert_eq!(config.cluster.shards, 64);
}

#[test]
fn cluster_off_on_postgres_noted() {
    let fixture = Fixture::new();

    let config = fixture
        .load(
            None,
            &[
                (
                    "VAHTI__DATABASE__URL",
                    "postgres://vahti@db.example.com/vahti",
                ),
                ("VAHTI__CLUSTER__ENABLED", "false"),
            ],
        )
        .unwrap();

    assert!(!config.cluster.enabled);
    assert!(
        config
            .notices
            .iter()
            .any(|notice| notice.contains("run no other daemon")),
        "{:?}",
        config.notices
    );
}
