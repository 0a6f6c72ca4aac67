//! The version of the gateway that serves, and its replacement by a reload of the config (`SIGHUP`, or
//! `POST /api/v1/reload` by an operator).
//!
//! A reload reads the config file again (with the same environment overrides), validates it, and builds a
//! whole new [`App`] over the same [`Shared`] parts (store, journal, token cache, mail, tasks): schemas,
//! adapters, the trust store, every plugin loaded again from its file, routes, pages and senders, each
//! checked against the others. Only then is it swapped in, in one step: a request takes the version current
//! when it arrives ([`Live::current`]) and keeps it to its end, so envelopes in flight finish on the old
//! version, which is dropped when the last of them is done. A config that does not validate or does not
//! assemble is refused with its reasons, and the old version keeps serving.
//!
//! What the new config changes in the sections a running process cannot change (`[server]`, `[store]`,
//! `[queue]`, `[tokens]`, `[smtp]`, `[mail]`, `[reports]`, `[facts]`, `[log]`, `[metrics]`) is not applied: the running
//! values stay, and the reload names those sections as needing a restart.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use serde::Serialize;

use crate::app::{App, Shared};
use crate::config::Config;

/// The serving version and how to make the next one.
pub struct Live {
    current: RwLock<Arc<App>>,
    shared: Shared,
    /// One reload at a time.
    reloading: tokio::sync::Mutex<u64>,
}

/// What a reload did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reloaded {
    /// The number of the version now serving (1 is the one the process started with).
    pub version: u64,
    /// Sections whose changes need a restart: the running values stay.
    pub restart_needed: Vec<&'static str>,
    /// Plugins loaded, by name.
    pub plugins: usize,
    /// Routes.
    pub routes: usize,
}

/// Why a reload was refused: the old version keeps serving.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// Each problem, as `gateway check` would say it.
    pub problems: Vec<String>,
}

impl Live {
    /// Serves `first`, built over `shared`.
    pub fn new(first: Arc<App>, shared: Shared) -> Live {
        Live {
            current: RwLock::new(first),
            shared,
            reloading: tokio::sync::Mutex::new(1),
        }
    }

    /// The version serving now.
    pub fn current(&self) -> Arc<App> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the config file the running version came from again and swaps in the gateway it describes.
    pub async fn reload_from_file(&self) -> Result<Reloaded, Refused> {
        let running = self.current();
        let Some(path) = running.config.source.clone() else {
            return Err(Refused {
                problems: vec![
                    "the running config was not read from a file: nothing to reload".into(),
                ],
            });
        };
        let loaded = Config::load(&path, std::env::vars()).map_err(|e| Refused {
            problems: problems_of(&e.to_string()),
        })?;
        self.reload(loaded.config).await
    }

    /// Swaps in the gateway `config` describes, keeping the running values of the sections a process cannot
    /// change.
    pub async fn reload(&self, mut config: Config) -> Result<Reloaded, Refused> {
        let mut version = self.reloading.lock().await;
        let running = self.current();
        let restart_needed = keep_static_sections(&running.config, &mut config);
        // The file validated as written; what runs is the file with the running static sections: that mix is
        // checked again (a route deadline against the running [queue] lease, say).
        let problems = crate::config::validate::problems(&config);
        if !problems.is_empty() {
            return Err(Refused {
                problems: problems
                    .into_iter()
                    .map(|p| {
                        if restart_needed.is_empty() {
                            p
                        } else {
                            format!("{p} (with the running {})", restart_needed.join(", "))
                        }
                    })
                    .collect(),
            });
        }
        let next = App::assemble(config, &self.shared)
            .await
            .map_err(|e| Refused {
                problems: problems_of(&format!("{e:#}")),
            })?;
        *version += 1;
        let reloaded = Reloaded {
            version: *version,
            restart_needed,
            plugins: next.config.plugins.len(),
            routes: next.config.routes.len(),
        };
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
        tracing::info!(
            version = reloaded.version,
            plugins = reloaded.plugins,
            routes = reloaded.routes,
            restart_needed = ?reloaded.restart_needed,
            "config reloaded"
        );
        Ok(reloaded)
    }

    /// The parts every version shares.
    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The config file the serving version was read from, if any.
    pub fn source(&self) -> Option<PathBuf> {
        self.current().config.source.clone()
    }
}

/// Copies into `next` the running values of the sections a process cannot change, and names those `next`
/// wanted changed.
fn keep_static_sections(running: &Config, next: &mut Config) -> Vec<&'static str> {
    let mut changed = Vec::new();
    macro_rules! keep {
        ($($field:ident => $name:literal),* $(,)?) => {$(
            if format!("{:?}", running.$field) != format!("{:?}", next.$field) {
                changed.push($name);
            }
            next.$field = running.$field.clone();
        )*};
    }
    keep!(
        server => "[server]",
        store => "[store]",
        queue => "[queue]",
        tokens => "[tokens]",
        smtp => "[smtp]",
        mail => "[mail]",
        reports => "[reports]",
        facts => "[facts]",
        journal => "[journal]",
        log => "[log]",
        metrics => "[metrics]",
    );
    changed
}

/// The problems of an error text: one per line of its `  - ` list, else the text.
fn problems_of(text: &str) -> Vec<String> {
    let listed: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .map(str::to_owned)
        .collect();
    if listed.is_empty() {
        vec![text.trim().to_owned()]
    } else {
        listed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_problems_are_split_and_others_kept_whole() {
        assert_eq!(
            problems_of("config x is invalid:\n  - one\n  - two"),
            ["one", "two"]
        );
        assert_eq!(
            problems_of("loading plugin `p`: no file"),
            ["loading plugin `p`: no file"]
        );
    }
}
