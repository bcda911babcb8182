//! `feedsmith ping`: tells the config's WebSub hubs about every feed whose
//! bytes changed since a hub last accepted it (see [`crate::feed::websub`]).
//! Meant to run in CI once the feeds are deployed: a hub fetches the feed as
//! soon as it is told, so it must already be online. `serve` tells the hubs
//! the same way after each rebuild that changed a feed.
//!
//! A hub that is down or answers an error is asked again, with growing
//! pauses; one that never accepts gets a warning, and `ping` exits 1. What
//! a hub accepted is recorded in `.feedsmith-cache/websub` at once, so a
//! run that stops half-way tells the rest next time, and nothing twice.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crate::base::config::{Config, Format};
use crate::base::diagnostic::Diagnostic;
use crate::cmd::settings::{exit, load_configs, BuildArgs};
use crate::disk::{atomic, cache, output};
use crate::feed::websub::{is_feed_file, published_url, Published, Record};

/// The record's file in the cache folder.
const RECORD_FILE: &str = "websub";

/// How long to wait before each new attempt, after a failed one: four
/// attempts in all, over about 3.5 seconds.
const BACKOFF: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];

/// How long one request may take, connecting included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// What one round of telling the hubs did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Told {
    /// Feeds told to a hub that accepted them (a feed told to two hubs
    /// counts twice).
    pub accepted: usize,
    /// Feeds a hub had accepted with these bytes already.
    pub unchanged: usize,
    /// Hubs that never accepted, each with why.
    pub failed: Vec<(String, String)>,
}

/// Runs `feedsmith ping` and returns the process exit code.
/// A site with several languages has their feeds told, language by
/// language.
pub fn run_ping(args: &BuildArgs) -> ExitCode {
    let mut stderr = std::io::stderr();
    let configs = match load_configs(args) {
        Ok(configs) => configs,
        Err(d) => {
            let _ = writeln!(stderr, "{d}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let mut code = exit::OK;
    for config in &configs {
        code = code.max(ping_language(config, args));
    }
    ExitCode::from(code)
}

/// [`run_ping`] for one language's feeds; returns its exit code.
fn ping_language(config: &Config, args: &BuildArgs) -> u8 {
    let mut stderr = std::io::stderr();
    if config.websub_hubs.is_empty() {
        let file = config.file.as_ref().map_or_else(
            || crate::base::config::DEFAULT_FILE.to_owned(),
            |f| f.display().to_string(),
        );
        let d = Diagnostic::error(file, None, "no WebSub hub to tell: `websub_hubs` is not set")
            .with_help("add the hubs your feeds name, e.g. `websub_hubs: [\"https://pubsubhubbub.appspot.com/\"]`");
        let _ = writeln!(stderr, "{d}");
        return exit::USAGE;
    }
    let told = match tell_hubs(config, &mut |line| {
        if args.verbose {
            let _ = writeln!(std::io::stderr(), "feedsmith: {line}");
        }
    }) {
        Ok(told) => told,
        Err(d) => {
            let _ = writeln!(stderr, "{d}");
            return exit::USAGE;
        }
    };
    for (hub, why) in &told.failed {
        let _ = writeln!(
            stderr,
            "warning: {hub}: the hub did not accept the feeds ({why})\n  = help: check the hub's address in `websub_hubs`; run `feedsmith ping` again later: what the hubs accepted is remembered, only the rest is told"
        );
    }
    if !args.quiet {
        let _ = writeln!(
            stderr,
            "feedsmith: {} told to {} hub(s), {} unchanged since they were told{}",
            told.accepted,
            config.websub_hubs.len(),
            told.unchanged,
            if told.failed.is_empty() {
                String::new()
            } else {
                format!(", {} hub(s) failed", told.failed.len())
            }
        );
    }
    if told.failed.is_empty() {
        exit::OK
    } else {
        exit::FAILURE
    }
}

/// Tells every hub of `config` about each feed of its output folder whose
/// bytes it has not accepted yet, recording what it accepts. `say` gets a
/// line per request. Errors when there is no output to tell about.
pub fn tell_hubs(config: &Config, say: &mut dyn FnMut(&str)) -> Result<Told, Diagnostic> {
    let out = &config.output_dir;
    let feeds = published(config, out).ok_or_else(|| {
        Diagnostic::error(
            out.display().to_string(),
            None,
            "no feeds to tell the hubs about: this folder holds no feedsmith output",
        )
        .with_help("run `feedsmith build` first (with the same --out), then deploy, then ping")
    })?;
    let record_path = config.cache_dir().join(RECORD_FILE);
    let mut record = std::fs::read_to_string(&record_path)
        .map(|t| Record::from_text(&t))
        .unwrap_or_default();
    let hubs: Vec<&str> = config.websub_hubs.iter().map(url::Url::as_str).collect();
    record.keep_only(&hubs, &feeds);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(REQUEST_TIMEOUT))
        .http_status_as_error(false)
        .user_agent(crate::feed::GENERATOR)
        .build()
        .into();
    let mut told = Told::default();
    let save = |record: &Record| -> Result<(), Diagnostic> {
        cache::make_cache_dir(&config.cache_dir())
            .map_err(|e| e.to_string())
            .and_then(|()| {
                atomic::write_atomic(&record_path, record.to_text().as_bytes())
                    .map_err(|e| e.to_string())
            })
            .map_err(|why| {
                Diagnostic::error(
                    record_path.display().to_string(),
                    None,
                    format!("cannot record what the hubs accepted: {why}"),
                )
                .with_help("check that the site's folder is writable")
            })
    };
    for hub in &hubs {
        let pending = record.pending(hub, &feeds);
        told.unchanged += feeds.len() - pending.len();
        for feed in pending {
            match publish(&agent, hub, &feed.url) {
                Ok(status) => {
                    say(&format!("{hub} accepted {} ({status})", feed.url));
                    record.accept(hub, feed);
                    told.accepted += 1;
                }
                Err(why) => {
                    say(&format!("{hub} refused {}: {why}", feed.url));
                    // A hub that refuses one feed after every attempt is
                    // down or misconfigured: the rest wait for next time.
                    told.failed.push(((*hub).to_owned(), why));
                    break;
                }
            }
        }
        save(&record)?;
    }
    Ok(told)
}

/// Every feed file the output folder's manifest lists, with its public URL
/// and the hash of its bytes. `None` when there is no manifest.
fn published(config: &Config, out: &Path) -> Option<Vec<Published>> {
    let files = output::files_written(out)?;
    let feeds = files
        .iter()
        .filter(|path| is_feed_file(path, crate::feed::file_of(config, Format::Rss)))
        .filter_map(|path| {
            let bytes = std::fs::read(out.join(path)).ok()?;
            let url = published_url(&config.feeds_url, path)?;
            Some(Published {
                url: url.to_string(),
                hash: crate::feed::hash(&bytes),
            })
        })
        .collect();
    Some(feeds)
}

/// Tells `hub` that `feed` changed, asking again after a pause while it
/// fails. Returns the status of the accepting answer, or why it never
/// accepted.
fn publish(agent: &ureq::Agent, hub: &str, feed: &str) -> Result<u16, String> {
    let mut last = String::new();
    for pause in std::iter::once(None).chain(BACKOFF.iter().map(Some)) {
        if let Some(pause) = pause {
            std::thread::sleep(*pause);
        }
        // WebSub leaves publishing to each hub. Most (Google's, Superfeedr,
        // websubhub.com) read PubSubHubbub's `hub.url`; others (flask-websub,
        // Switchboard) read `hub.topic`, as subscribers send it. Both go.
        let answer = agent.post(hub).send_form([
            ("hub.mode", "publish"),
            ("hub.url", feed),
            ("hub.topic", feed),
        ]);
        match answer {
            Ok(response) if response.status().is_success() => {
                return Ok(response.status().as_u16())
            }
            Ok(response) => last = format!("it answered {}", response.status()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}
