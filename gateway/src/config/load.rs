//! Reading the file: environment overrides, parsing, validation; and what the rest of the gateway derives from a
//! loaded config (paths relative to the file, the store URL, the public URL, route deadlines).

use std::path::{Path, PathBuf};

use super::{Config, Dur, RouteConfig, env, secrets, validate};

/// An error in the config: where and what.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the structure.
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// An environment override is wrong.
    #[error("environment override: {0}")]
    Env(String),
    /// The values do not fit together.
    #[error("config {path} is invalid:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<String>,
    },
}

impl ConfigError {
    /// The same error with every password it quotes masked.
    fn masked(self) -> ConfigError {
        match self {
            ConfigError::Parse { path, message } => ConfigError::Parse {
                path,
                message: secrets::mask(&message),
            },
            ConfigError::Env(message) => ConfigError::Env(secrets::mask(&message)),
            ConfigError::Invalid { path, problems } => ConfigError::Invalid {
                path,
                problems: problems.iter().map(|p| secrets::mask(p)).collect(),
            },
            read @ ConfigError::Read { .. } => read,
        }
    }
}

/// A loaded config and what was overridden from the environment.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub overrides: Vec<env::Applied>,
}

impl Config {
    /// Reads `path`, applies environment overrides from `vars`, parses and validates.
    pub fn load(
        path: &Path,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base_dir = if base_dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base_dir
        };
        let mut loaded = Self::from_toml(&text, path, base_dir, vars)?;
        loaded.config.source = Some(path.to_path_buf());
        Ok(loaded)
    }

    /// Parses config text; `path` is used in messages, `base_dir` to resolve relative paths. Passwords in
    /// what the errors quote are masked ([`secrets::mask`]).
    pub fn from_toml(
        text: &str,
        path: &Path,
        base_dir: PathBuf,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        Self::parse(text, path, base_dir, vars).map_err(ConfigError::masked)
    }

    fn parse(
        text: &str,
        path: &Path,
        base_dir: PathBuf,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let mut table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: path.into(),
                    message: e.to_string(),
                })?;
        let overrides = env::apply(&mut table, vars).map_err(ConfigError::Env)?;
        let mut config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: path.into(),
                    message: e.to_string(),
                })?;
        config.base_dir = base_dir;
        let problems = validate::problems(&config);
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                path: path.into(),
                problems,
            });
        }
        Ok(Loaded { config, overrides })
    }

    /// `p` relative to the config file's directory (absolute paths unchanged).
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// The store URL with a relative SQLite path resolved against the config file's directory.
    pub fn store_url(&self) -> String {
        let url = &self.store.url;
        if let Some(rest) = url.strip_prefix("sqlite://") {
            let (file, query) = rest
                .split_once('?')
                .map_or((rest, None), |(f, q)| (f, Some(q)));
            if !file.is_empty() && !Path::new(file).is_absolute() && file != ":memory:" {
                let full = self.base_dir.join(file);
                return match query {
                    Some(q) => format!("sqlite://{}?{q}", full.display()),
                    None => format!("sqlite://{}", full.display()),
                };
            }
        }
        url.clone()
    }

    /// The public URL of the gateway (for WSDL addresses and links).
    pub fn public_url(&self) -> String {
        match &self.server.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => {
                let scheme = if self.server.tls.is_some() {
                    "https"
                } else {
                    "http"
                };
                format!("{scheme}://{}", self.server.listen)
            }
        }
    }

    /// The deadline of `route`.
    pub fn route_deadline(&self, route: &RouteConfig) -> Dur {
        route.deadline.unwrap_or(self.host.deadline)
    }
}
