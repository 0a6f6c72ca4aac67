//! Overrides of scalar config keys from the environment.
//!
//! `GATEWAY__<SECTION>__<KEY>=value` sets `[section] key = value`: upper case, `__` between levels, and a
//! `-` in a name written `_` (so `GATEWAY__PLUGINS__SVO_STATUS__MEMORY` sets `[plugins.svo-status] memory`).
//! An element of an array of tables is addressed by its index: `GATEWAY__SENDERS__0__MNEMONIC`.
//! The value is read as a TOML scalar when it parses as one (`true`, `42`, `1.5`, `"quoted"`), otherwise as a
//! string. Only scalars can be set this way; setting a table or array is refused.

use super::secrets;
use toml::{Table, Value};

/// The prefix of override variables.
pub const PREFIX: &str = "GATEWAY__";

/// One applied override, for `gateway check` to report.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The dotted config path, e.g. `server.listen`.
    pub path: String,
    /// The environment variable it came from.
    pub var: String,
}

/// Applies every `GATEWAY__...` variable of `vars` to `root`.
pub fn apply(
    root: &mut Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Applied>, String> {
    let mut applied = Vec::new();
    let mut vars: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(k, _)| k.starts_with(PREFIX))
        .collect();
    vars.sort();
    for (var, raw) in vars {
        let parts: Vec<&str> = var[PREFIX.len()..].split("__").collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(format!("{var}: empty name between `__`"));
        }
        // A secret stays a string whatever it looks like, so that no error ever quotes it as a number.
        let value = if parts.last().is_some_and(|p| secrets::is_secret_key(p)) {
            Value::String(raw.clone())
        } else {
            parse_scalar(&raw)
        };
        let path = set(root, &parts, value).map_err(|e| format!("{var}: {}", secrets::mask(&e)))?;
        applied.push(Applied { path, var });
    }
    Ok(applied)
}

/// Reads `raw` as a TOML scalar if it is one, else as a string.
fn parse_scalar(raw: &str) -> Value {
    let doc = format!("v = {raw}");
    match doc.parse::<Table>() {
        Ok(mut t) => match t.remove("v") {
            Some(
                v @ (Value::String(_) | Value::Integer(_) | Value::Float(_) | Value::Boolean(_)),
            ) => v,
            _ => Value::String(raw.to_owned()),
        },
        Err(_) => Value::String(raw.to_owned()),
    }
}

/// Finds the existing key of `table` that `name` (upper case, `_` for `-` and `_`) designates.
fn key_in(table: &Table, name: &str) -> Option<String> {
    let want = name.to_ascii_lowercase();
    table
        .keys()
        .find(|k| k.to_ascii_lowercase().replace('-', "_") == want)
        .cloned()
}

fn set(root: &mut Table, parts: &[&str], value: Value) -> Result<String, String> {
    let mut path = Vec::new();
    set_in_table(root, parts, value, &mut path)?;
    Ok(path.join("."))
}

fn set_in_table(
    t: &mut Table,
    parts: &[&str],
    value: Value,
    path: &mut Vec<String>,
) -> Result<(), String> {
    let (part, rest) = parts.split_first().ok_or("empty path")?;
    // An existing key matches whatever its spelling; a new key keeps the variable's `_`.
    let key = key_in(t, part).unwrap_or_else(|| part.to_ascii_lowercase());
    path.push(key.clone());
    if rest.is_empty() {
        if let Some(Value::Table(_) | Value::Array(_)) = t.get(&key) {
            return Err(format!(
                "`{}` is a table or array; only scalar keys can be set",
                path.join(".")
            ));
        }
        t.insert(key, value);
        return Ok(());
    }
    set_in_value(
        t.entry(key).or_insert_with(|| Value::Table(Table::new())),
        rest,
        value,
        path,
    )
}

fn set_in_value(
    node: &mut Value,
    parts: &[&str],
    value: Value,
    path: &mut Vec<String>,
) -> Result<(), String> {
    match node {
        Value::Table(t) => set_in_table(t, parts, value, path),
        Value::Array(a) => {
            let (part, rest) = parts.split_first().ok_or("empty path")?;
            let idx: usize = part.parse().map_err(|_| {
                format!(
                    "`{}` is an array: address its elements by index",
                    path.join(".")
                )
            })?;
            let len = a.len();
            let el = a.get_mut(idx).ok_or_else(|| {
                format!("`{}` has {len} elements, no index {idx}", path.join("."))
            })?;
            path.push(idx.to_string());
            if rest.is_empty() {
                return Err(format!(
                    "`{}` is a table; only scalar keys can be set",
                    path.join(".")
                ));
            }
            set_in_value(el, rest, value, path)
        }
        _ => Err(format!(
            "`{}` is a scalar, it has no key `{}`",
            path.join("."),
            parts[0]
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> Table {
        s.parse().unwrap()
    }

    #[test]
    fn sets_scalars_with_types() {
        let mut t =
            table("[server]\nlisten = \"127.0.0.1:1\"\n[plugins.svo-status]\nmemory = \"64MiB\"\n");
        let applied = apply(
            &mut t,
            [
                ("GATEWAY__SERVER__LISTEN".into(), "0.0.0.0:9".into()),
                (
                    "GATEWAY__PLUGINS__SVO_STATUS__MEMORY".into(),
                    "32MiB".into(),
                ),
                ("GATEWAY__AUTH__ALLOW_BEARER".into(), "true".into()),
                ("GATEWAY__STORE__MAX_CONNECTIONS".into(), "16".into()),
                ("OTHER".into(), "x".into()),
            ],
        )
        .unwrap();
        assert_eq!(applied.len(), 4);
        assert_eq!(t["server"]["listen"].as_str(), Some("0.0.0.0:9"));
        assert_eq!(t["plugins"]["svo-status"]["memory"].as_str(), Some("32MiB"));
        assert_eq!(t["auth"]["allow_bearer"].as_bool(), Some(true));
        assert_eq!(t["store"]["max_connections"].as_integer(), Some(16));
    }

    #[test]
    fn secrets_stay_strings() {
        let mut t = table("[smtp]\nfrom = \"x@y\"\n[tokens]\n");
        apply(
            &mut t,
            [
                ("GATEWAY__SMTP__PASSWORD".into(), "12345678".into()),
                ("GATEWAY__TOKENS__SUBJECT_KEY".into(), "true".into()),
            ],
        )
        .unwrap();
        assert_eq!(t["smtp"]["password"].as_str(), Some("12345678"));
        assert_eq!(t["tokens"]["subject_key"].as_str(), Some("true"));
    }

    #[test]
    fn array_elements_by_index() {
        let mut t = table("[[senders]]\nmnemonic = \"A\"\n[[senders]]\nmnemonic = \"B\"\n");
        apply(
            &mut t,
            [("GATEWAY__SENDERS__1__MNEMONIC".into(), "C".into())],
        )
        .unwrap();
        assert_eq!(t["senders"][1]["mnemonic"].as_str(), Some("C"));
        let err = apply(
            &mut t,
            [("GATEWAY__SENDERS__5__MNEMONIC".into(), "C".into())],
        )
        .unwrap_err();
        assert!(err.contains("no index 5"), "{err}");
    }

    #[test]
    fn refuses_non_scalars() {
        let mut t = table("[server]\nlisten = \"x\"\n");
        let err = apply(&mut t, [("GATEWAY__SERVER".into(), "1".into())]).unwrap_err();
        assert!(err.contains("only scalar"), "{err}");
    }
}
