//! `cited.toml`: settings from a file, under the environment and the flags.
//!
//! Every key of the file is a flag of the command line, with the same name (`max_pages` or
//! `max-pages`): top-level keys are the global flags (`data_dir`, `qdrant_url`, …), a table is a
//! command's flags (`[crawl]`, `[serve]`; `[eval.answers]` for a subcommand of a command). A value from
//! the file becomes that flag's default, so the order is: flag, then environment variable, then
//! file, then built-in default. Unknown keys and values of the wrong shape are errors, never ignored.
//!
//! The file is `--config FILE` (or `CITED_CONFIG`), else `./cited.toml` when there is one.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgAction, Command};

/// The file read when no `--config` is given, if it exists.
pub const DEFAULT_FILE: &str = "cited.toml";

/// The config file `args` (the process's arguments) and the environment point at, if any.
pub fn locate(args: &[OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    if let Some(path) = std::env::var_os("CITED_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.exists())
}

/// Reads `path` and makes its values the defaults of `command`'s flags.
pub fn apply_file(command: Command, path: &Path) -> Result<Command> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    apply(command, &table, "").with_context(|| format!("in {}", path.display()))
}

/// Makes the values of `table` the defaults of `command`'s flags (`prefix`: where the table is, for
/// messages).
fn apply(mut command: Command, table: &toml::Table, prefix: &str) -> Result<Command> {
    for (key, value) in table {
        let name = key.replace('-', "_");
        let at = format!("{prefix}{key}");
        if let toml::Value::Table(inner) = value {
            if command.find_subcommand(&name).is_none() && command.find_subcommand(key).is_none() {
                bail!("unknown command `[{at}]`: {}", known_commands(&command));
            }
            let sub = if command.find_subcommand(key).is_some() {
                key.clone()
            } else {
                name
            };
            let mut failed = None;
            command = command.mut_subcommand(&sub, |c| {
                match apply(c.clone(), inner, &format!("{at}.")) {
                    Ok(c) => c,
                    Err(e) => {
                        failed = Some(e);
                        c
                    }
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            continue;
        }
        if name == "config" || name == "help" || name == "version" {
            bail!("`{at}` cannot be set in a config file");
        }
        let Some(arg) = command
            .get_arguments()
            .find(|a| a.get_id() == name.as_str())
        else {
            bail!("unknown setting `{at}`: {}", known_flags(&command));
        };
        if arg.is_positional() {
            bail!("`{at}` is an argument, not a setting: give it on the command line");
        }
        let values = strings(value).map_err(|why| anyhow!("`{at}`: {why}"))?;
        let many = matches!(arg.get_action(), ArgAction::Append)
            || arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        if values.len() != 1 && !many {
            bail!("`{at}` takes one value, not a list");
        }
        let flag = matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse);
        if flag && !matches!(value, toml::Value::Boolean(_)) {
            bail!("`{at}` is a switch: true or false");
        }
        command = command.mut_arg(name.as_str(), |a| {
            a.default_values(values.into_iter().map(clap::builder::Str::from))
        });
    }
    Ok(command)
}

/// A TOML value as the command line would give it.
fn strings(value: &toml::Value) -> Result<Vec<String>, String> {
    match value {
        toml::Value::String(s) => Ok(vec![s.clone()]),
        toml::Value::Integer(i) => Ok(vec![i.to_string()]),
        toml::Value::Float(f) => Ok(vec![f.to_string()]),
        toml::Value::Boolean(b) => Ok(vec![b.to_string()]),
        toml::Value::Array(items) => items
            .iter()
            .map(|v| match v {
                toml::Value::Array(_) | toml::Value::Table(_) => {
                    Err("a list holds plain values".to_string())
                }
                v => strings(v).map(|mut s| s.remove(0)),
            })
            .collect(),
        toml::Value::Datetime(d) => Ok(vec![d.to_string()]),
        toml::Value::Table(_) => Err("a table where a value was expected".to_string()),
    }
}

fn known_flags(command: &Command) -> String {
    let names: Vec<String> = command
        .get_arguments()
        .filter(|a| !a.is_positional() && a.get_id() != "config" && a.get_id() != "help")
        .map(|a| a.get_id().to_string())
        .collect();
    if names.is_empty() {
        "this command has no settings".to_string()
    } else {
        format!("known here: {}", names.join(", "))
    }
}

fn known_commands(command: &Command) -> String {
    let names: Vec<&str> = command.get_subcommands().map(Command::get_name).collect();
    format!("known here: {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::{Cli, Command as CliCommand};

    fn parse(toml: &str, args: &[&str]) -> Result<Cli> {
        let table: toml::Table = toml.parse()?;
        let command = apply(Cli::command(), &table, "")?;
        let matches = command.try_get_matches_from(args)?;
        Ok(Cli::from_arg_matches(&matches)?)
    }

    #[test]
    fn file_values_are_defaults_under_flags() {
        let toml =
            "data_dir = \"/srv/cited\"\n[crawl]\nmax-pages = 7\ndelay_ms = 0\nno_sitemaps = true\n";
        let cli = parse(toml, &["cited", "crawl", "http://a.example/"]).expect("parse");
        assert_eq!(cli.data_dir, PathBuf::from("/srv/cited"));
        let CliCommand::Crawl(args) = &cli.command else {
            panic!("crawl")
        };
        assert_eq!((args.max_pages, args.delay_ms), (7, 0));
        assert!(args.no_sitemaps);
        assert_eq!(
            args.max_depth,
            crawler::config::defaults::MAX_DEPTH,
            "untouched"
        );
        // A flag beats the file.
        let cli = parse(toml, &["cited", "crawl", "--max-pages", "9"]).expect("parse");
        let CliCommand::Crawl(args) = &cli.command else {
            panic!("crawl")
        };
        assert_eq!(args.max_pages, 9);
    }

    #[test]
    fn unknown_or_misshapen_settings_are_errors() {
        for (toml, wanted) in [
            (
                "[crawl]\nmax_page = 7\n",
                "unknown setting `crawl.max_page`",
            ),
            ("[crawll]\nmax_pages = 7\n", "unknown command `[crawll]`"),
            ("colour = \"red\"\n", "unknown setting `colour`"),
            ("[crawl]\nmax_pages = [1, 2]\n", "takes one value"),
            ("[crawl]\nno_index = 1\n", "is a switch"),
            ("[crawl]\nurls = [\"http://a/\"]\n", "is an argument"),
        ] {
            let err = parse(toml, &["cited", "stats"]).expect_err(toml);
            assert!(format!("{err:#}").contains(wanted), "{toml}: {err:#}");
        }
        // A value clap cannot read fails when the command runs, naming the flag.
        let err = parse("[crawl]\nmax_pages = \"many\"\n", &["cited", "crawl"]).expect_err("bad");
        assert!(format!("{err:#}").contains("max-pages"), "{err:#}");
    }

    #[test]
    fn the_readme_example_is_a_valid_file() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("```toml\n# cited.toml\n")
            .expect("example in README")
            + 8;
        let example = &readme[start..start + readme[start..].find("```").expect("end")];
        let cli = parse(example, &["cited", "serve"]).expect("README example");
        assert_eq!(cli.data_dir, PathBuf::from("/srv/cited"));
    }

    #[test]
    fn the_file_is_found_by_flag_then_environment() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            locate(&args(&["cited", "--config", "a.toml", "stats"])),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            locate(&args(&["cited", "stats", "--config=b.toml"])),
            Some(PathBuf::from("b.toml"))
        );
    }
}
