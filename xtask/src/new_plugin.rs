//! `cargo xtask new-plugin NAME`: a new document type that builds, routes and passes its tests as generated.
//!
//! It writes the plugin crate (`plugins/NAME`, a member of the plugins workspace), its XSD and JSON Schema
//! (`schemas/NAME/`), its config snippet (`plugins/NAME/gateway.toml`: plugin, adapter, route), a fixture of the
//! simulator's generic registry of records (`adapters/sim/fixtures/records/NAME.json`) and an end-to-end test
//! (`tests/e2e/plugins/NAME.rs`, registered in `tests/e2e/plugins/mod.rs`), from `xtask/templates/new-plugin/`.
//! `plugins/README.md` is the guide that goes on from there.

use std::path::{Path, PathBuf};

use crate::{Result, cargo, root, run as exec};

/// The templates: (file, where it goes under the repository with `{{name}}`/`{{crate}}` filled in).
const TEMPLATES: &[(&str, &str)] = &[
    (
        include_str!("../templates/new-plugin/Cargo.toml.tmpl"),
        "plugins/{{name}}/Cargo.toml",
    ),
    (
        include_str!("../templates/new-plugin/lib.rs.tmpl"),
        "plugins/{{name}}/src/lib.rs",
    ),
    (
        include_str!("../templates/new-plugin/gateway.toml.tmpl"),
        "plugins/{{name}}/gateway.toml",
    ),
    (
        include_str!("../templates/new-plugin/schema.xsd.tmpl"),
        "schemas/{{name}}/{{name}}.xsd",
    ),
    (
        include_str!("../templates/new-plugin/request.schema.json.tmpl"),
        "schemas/{{name}}/LookupRequest.schema.json",
    ),
    (
        include_str!("../templates/new-plugin/fixture.json.tmpl"),
        "adapters/sim/fixtures/records/{{name}}.json",
    ),
    (
        include_str!("../templates/new-plugin/e2e.rs.tmpl"),
        "tests/e2e/plugins/{{crate}}.rs",
    ),
];

/// The names a plugin may not take (directories of the plugins workspace that are not plugins).
const RESERVED: &[&str] = &["sdk", "testing", "wit", "target"];

/// Runs the command: `args` is `[NAME]`.
pub fn run(args: &[String]) -> Result<()> {
    let [name] = args else {
        return Err(
            "usage: cargo xtask new-plugin NAME (lower-case latin letters, digits and -)".into(),
        );
    };
    let written = generate(&root(), name)?;
    // Formatted as the project's code is (the templates' line lengths depend on the name).
    let rust: Vec<&PathBuf> = written
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    exec(
        std::process::Command::new("rustfmt")
            .args(["--edition", "2024"])
            .args(&rust),
    )?;
    // The plugins workspace's lock gets the new member (no other dependency moves): `--locked` builds pass.
    exec(
        cargo()
            .args(["update", "--workspace", "--manifest-path"])
            .arg(root().join("plugins/Cargo.toml")),
    )?;
    for file in &written {
        println!("wrote {}", file.display());
    }
    println!(
        "\nNext: `cargo xtask test -E 'test(/plugins::{crate_name}/)'` runs its end-to-end test; \
         plugins/README.md says what to change and where.",
        crate_name = name.replace('-', "_")
    );
    Ok(())
}

/// Whether `name` may name a plugin: lower-case latin letters and digits in words joined by `-`, starting with
/// a letter.
fn valid_name(name: &str) -> bool {
    name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && !RESERVED.contains(&name)
}

/// `pet-licence` → `PetLicence`.
fn camel(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn fill(template: &str, name: &str) -> String {
    template
        .replace("{{ns}}", &format!("urn://gateway/{name}/1.0"))
        .replace("{{Camel}}", &camel(name))
        .replace("{{crate}}", &name.replace('-', "_"))
        .replace("{{name}}", name)
}

/// Writes the new plugin's files under `root` and registers it (plugins workspace, e2e module list); refuses
/// a bad or taken name without writing anything.
fn generate(root: &Path, name: &str) -> Result<Vec<PathBuf>> {
    if !valid_name(name) {
        return Err(format!(
            "`{name}`: a plugin's name is lower-case latin letters and digits in words joined by - (e.g. pet-licence)"
        ));
    }
    let files: Vec<(PathBuf, String)> = TEMPLATES
        .iter()
        .map(|(template, to)| (root.join(fill(to, name)), fill(template, name)))
        .collect();
    if let Some((taken, _)) = files.iter().find(|(path, _)| path.exists()) {
        return Err(format!(
            "{} exists already: pick another name",
            taken.display()
        ));
    }
    let members = root.join("plugins/Cargo.toml");
    let manifest =
        std::fs::read_to_string(&members).map_err(|e| format!("{}: {e}", members.display()))?;
    let Some(at) = manifest.find("members = [\n") else {
        return Err(format!("{}: no `members = [` list", members.display()));
    };
    let at = at + "members = [\n".len();
    let manifest = format!("{}    \"{name}\",\n{}", &manifest[..at], &manifest[at..]);
    let mods = root.join("tests/e2e/plugins/mod.rs");
    let mut mod_list =
        std::fs::read_to_string(&mods).map_err(|e| format!("{}: {e}", mods.display()))?;
    mod_list.push_str(&format!("mod {};\n", name.replace('-', "_")));
    for (path, text) in &files {
        let dir = path.parent().ok_or("a file has a directory")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    std::fs::write(&members, manifest).map_err(|e| format!("{}: {e}", members.display()))?;
    std::fs::write(&mods, mod_list).map_err(|e| format!("{}: {e}", mods.display()))?;
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_their_forms() {
        assert!(valid_name("pet-licence") && valid_name("doc2"));
        for bad in [
            "Pet",
            "pet_licence",
            "-pet",
            "pet-",
            "pet--x",
            "2pet",
            "sdk",
            "",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(camel("pet-licence-2"), "PetLicence2");
    }

    #[test]
    fn a_plugin_is_written_with_every_placeholder_filled_and_registered() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("plugins")).expect("plugins");
        std::fs::create_dir_all(root.join("tests/e2e/plugins")).expect("e2e");
        std::fs::write(
            root.join("plugins/Cargo.toml"),
            "[workspace]\nmembers = [\n    \"sdk\",\n]\n",
        )
        .expect("manifest");
        std::fs::write(root.join("tests/e2e/plugins/mod.rs"), "//! Generated.\n").expect("mods");
        let written = generate(root, "pet-licence").expect("generated");
        assert_eq!(written.len(), TEMPLATES.len());
        for file in &written {
            let text = std::fs::read_to_string(file).expect("written");
            for placeholder in ["{{name}}", "{{crate}}", "{{ns}}", "{{Camel}}"] {
                assert!(
                    !text.contains(placeholder),
                    "{}: {placeholder} is left",
                    file.display()
                );
            }
        }
        let lib =
            std::fs::read_to_string(root.join("plugins/pet-licence/src/lib.rs")).expect("lib");
        assert!(
            lib.contains("struct PetLicence;") && lib.contains("urn://gateway/pet-licence/1.0")
        );
        let schema =
            std::fs::read_to_string(root.join("schemas/pet-licence/LookupRequest.schema.json"))
                .expect("schema");
        assert!(
            schema.contains("\"x-message-type\": \"{urn://gateway/pet-licence/1.0}LookupRequest\"")
        );
        assert!(serde_json::from_str::<serde_json::Value>(&schema).is_ok());
        let manifest = std::fs::read_to_string(root.join("plugins/Cargo.toml")).expect("manifest");
        assert!(
            manifest.contains("members = [\n    \"pet-licence\",\n    \"sdk\",\n]"),
            "{manifest}"
        );
        let mods = std::fs::read_to_string(root.join("tests/e2e/plugins/mod.rs")).expect("mods");
        assert!(mods.ends_with("mod pet_licence;\n"));
        assert!(
            generate(root, "pet-licence").is_err(),
            "a taken name is refused"
        );
        assert!(generate(root, "Pet").is_err());
    }
}
