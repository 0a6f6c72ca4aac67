//! `[reports]` and `[smtp]`: scan reports e-mailed to organisations (seeds 000, 001).

use std::path::PathBuf;

use serde::Deserialize;

use super::units::Dur;

/// `[reports]`: the report scheduler and `gateway report run`. Without this section no reports are made.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    /// When reports are made: `"daily"`, `"every 30 days"` (the seeds), or a cron expression such as
    /// `"0 3 1 * *"` (calendar months, due on the 1st at 03:00). Periods are whole days, contiguous, never
    /// overlapping.
    pub schedule: String,
    /// A day (`YYYY-MM-DD`) on which an `every N days` period starts. Default `2025-01-01`.
    #[serde(default = "ReportsConfig::default_anchor")]
    pub anchor: String,
    /// How long after its end a `daily` / `every N days` period becomes due, so late facts are in.
    /// Default `15m`.
    #[serde(default = "ReportsConfig::default_delay")]
    pub delay: Dur,
    /// The IANA time zone of the days and of the times shown in reports. Default `Europe/Moscow`.
    #[serde(default = "ReportsConfig::default_time_zone")]
    pub time_zone: String,
    /// How many of the latest due periods each tick considers, to catch up after downtime. Default 7.
    #[serde(default = "ReportsConfig::default_catch_up")]
    pub catch_up: usize,
    /// Run the scheduler on this node (every node may; they share the work). Default true. `false` leaves
    /// only `gateway report run`.
    #[serde(default = "yes")]
    pub scheduler: bool,
    /// How often the scheduler looks for due periods and reports. Default `1m`.
    #[serde(default = "ReportsConfig::default_tick")]
    pub tick: Dur,
    /// How long a node holds a report it builds and sends; must exceed the longest build. Default `15m`.
    #[serde(default = "ReportsConfig::default_lease")]
    pub lease: Dur,
    /// The first pause after a failed delivery, doubled for each next one. Default `1m`.
    #[serde(default = "ReportsConfig::default_retry_initial")]
    pub retry_initial: Dur,
    /// The longest pause between delivery attempts. Default `1h`.
    #[serde(default = "ReportsConfig::default_retry_max")]
    pub retry_max: Dur,
    /// The plugin deciding layouts and texts (a loaded plugin; it needs no route). Default `scan-report`.
    #[serde(default = "ReportsConfig::default_plugin")]
    pub plugin: String,
    /// Time allowed to the plugin for one layout. Default `5s`.
    #[serde(default = "ReportsConfig::default_plugin_deadline")]
    pub plugin_deadline: Dur,
    /// The adapter giving organisation profiles (name, e-mail). Default `org-profile`.
    #[serde(default = "ReportsConfig::default_profiles")]
    pub profiles: String,
    /// The kind of facts reports list. Default `scan`.
    #[serde(default = "ReportsConfig::default_fact_kind")]
    pub fact_kind: String,
    /// The operator's signing certificate (PEM).
    pub signer_cert: PathBuf,
    /// Its private key (PEM). A GOST R 34.10-2012 key needs `[crypto] openssl_conf` loading the gost engine.
    pub signer_key: PathBuf,
    /// Intermediate certificates (PEM files) put into the signature. Default none.
    #[serde(default)]
    pub signer_chain: Vec<PathBuf>,
    /// Where reports are built (they may be large). Default: the system's temporary directory.
    #[serde(default)]
    pub work_dir: Option<PathBuf>,
    /// Deflate level of the xlsx container, 1 (fastest) to 9. Default 3.
    #[serde(default = "ReportsConfig::default_compression")]
    pub compression: u8,
    /// The domain of the reports' Message-IDs. Default: the domain of `[smtp] from`.
    #[serde(default)]
    pub message_id_domain: Option<String>,
    /// Senders (mnemonics) allowed to read the report history (`GET /api/v1/reports`). Default none.
    #[serde(default)]
    pub operators: Vec<String>,
    /// How long sent reports stay in the history (a sole trader's address is personal data). Default
    /// `400d`.
    #[serde(default = "ReportsConfig::default_keep_sent")]
    pub keep_sent: Dur,
    /// How many reports a node builds and sends at once. Default 4. Each holds one report's rows in memory
    /// while it is built (a report of a million facts takes about 150 MiB), so lower it on a small node.
    #[serde(default = "ReportsConfig::default_parallel")]
    pub parallel: usize,
}

fn yes() -> bool {
    true
}

impl ReportsConfig {
    fn default_anchor() -> String {
        "2025-01-01".into()
    }
    fn default_delay() -> Dur {
        Dur::mins(15)
    }
    fn default_time_zone() -> String {
        "Europe/Moscow".into()
    }
    fn default_catch_up() -> usize {
        7
    }
    fn default_tick() -> Dur {
        Dur::mins(1)
    }
    fn default_lease() -> Dur {
        Dur::mins(15)
    }
    fn default_retry_initial() -> Dur {
        Dur::mins(1)
    }
    fn default_retry_max() -> Dur {
        Dur::hours(1)
    }
    fn default_plugin() -> String {
        "scan-report".into()
    }
    fn default_plugin_deadline() -> Dur {
        Dur::secs(5)
    }
    fn default_profiles() -> String {
        "org-profile".into()
    }
    fn default_fact_kind() -> String {
        "scan".into()
    }
    fn default_compression() -> u8 {
        3
    }
    fn default_keep_sent() -> Dur {
        Dur::days(400)
    }
    fn default_parallel() -> usize {
        4
    }
}

/// `[smtp]`: the mail server reports are sent through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The server's host name or address. Default `127.0.0.1`.
    #[serde(default = "SmtpConfig::default_host")]
    pub host: String,
    /// Its port. Default 25.
    #[serde(default = "SmtpConfig::default_port")]
    pub port: u16,
    /// `"starttls"` (default: plain, upgraded to TLS, refused without it), `"tls"` (TLS from the first byte,
    /// usually port 465) or `"none"` (plain: a relay on the same host or a trusted network only).
    #[serde(default = "SmtpConfig::default_security")]
    pub security: String,
    /// User name for AUTH, if the server wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// Password for AUTH; set it through `GATEWAY__SMTP__PASSWORD` rather than in the file.
    #[serde(default)]
    pub password: Option<String>,
    /// The sender: `"Name <address>"` or `"address"`.
    pub from: String,
    /// Time allowed to each SMTP command. Default `60s`.
    #[serde(default = "SmtpConfig::default_timeout")]
    pub timeout: Dur,
    /// Extra CA certificates (PEM) trusted for the server's certificate. Default: the system's.
    #[serde(default)]
    pub ca: Option<PathBuf>,
}

impl SmtpConfig {
    fn default_host() -> String {
        "127.0.0.1".into()
    }
    fn default_port() -> u16 {
        25
    }
    fn default_security() -> String {
        "starttls".into()
    }
    fn default_timeout() -> Dur {
        Dur::secs(60)
    }
}

/// `[mail]`: e-mail plugins queue (contract 1.3.0 `mail`, e.g. a participant's QR code, a contact's notice),
/// delivered through `[smtp]` by every node's mail job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// How often the job looks for due messages when nothing woke it. Default `5s`.
    pub poll: Dur,
    /// The pause after a first failed attempt; each further failure doubles it. Default `30s`.
    pub retry_initial: Dur,
    /// The longest pause between attempts. Default `1h`.
    pub retry_max: Dur,
    /// A message not accepted by the server this long after it was queued is abandoned (and its content
    /// erased). Default `2d`.
    pub give_up_after: Dur,
    /// How long the key of a sent or abandoned message is remembered, so that it is not queued again.
    /// Default `30d`.
    pub keep_sent: Dur,
    /// A node's claim on a message it is sending; then another node may take it over. At least four times
    /// `[smtp] timeout` (which holds for each SMTP command), so that a slow send is not taken over and sent
    /// twice. Default `10m`.
    pub lease: Dur,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            poll: Dur::secs(5),
            retry_initial: Dur::secs(30),
            retry_max: Dur::hours(1),
            give_up_after: Dur::days(2),
            keep_sent: Dur::days(30),
            lease: Dur::mins(10),
        }
    }
}
