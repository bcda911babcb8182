//! `feedsmith watch`: a full build, then the feeds follow every save (I/O edge).
//!
//! File events come from `notify` through `notify-debouncer-full`, which turns
//! an editor's save burst (write a temporary file, rename it over, chmod) into
//! one event per path. The [`Site`] keeps every parsed article in memory, so a
//! change re-reads only the files it names and rewrites only the feeds whose
//! bytes change. Posts scheduled to appear or expire are handled by waking up
//! at that moment, with no file event at all.

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};

use crate::base::config::Config;
use crate::base::diagnostic::Diagnostic;
use crate::cmd::settings::{self, exit, BuildArgs, ConfigPlaces};
use crate::disk::output;
use crate::site::{Flags, Rebuild};
use language::{absolute, Language};

mod language;

/// How `feedsmith watch` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// The options of `feedsmith watch`.
#[derive(Debug, Clone)]
pub struct WatchArgs {
    pub build: BuildArgs,
    pub verbosity: Verbosity,
    /// How long a path must be quiet before its events are handled.
    pub debounce: Duration,
}

/// What wakes the watch loop.
enum Message {
    Files(DebounceEventResult),
    Stop,
}

/// The longest sleep between checks when nothing is scheduled; also how often
/// a vanished content folder is looked for.
const IDLE: Duration = Duration::from_secs(3600);
const POLL_MISSING: Duration = Duration::from_millis(250);

/// Runs `feedsmith watch` until Ctrl-C (SIGINT) or SIGTERM.
pub fn run_watch(args: &WatchArgs) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let configs = match settings::load_configs(&args.build) {
        Ok(configs) => configs,
        Err(d) => {
            let _ = writeln!(err, "{d}");
            return ExitCode::from(exit::USAGE);
        }
    };
    drop(err);
    run_watch_ready(args, configs, |_| {}, Box::new(|_, _, _| {}))
}

/// What to do after a rebuild changed an output folder: it is given the
/// language's settings and the paths written and removed (under its
/// output folder).
pub type AfterWrite<'a> = Box<dyn FnMut(&Config, &[String], &[String]) + 'a>;

/// Builds each language of `configs` (see [`settings::load_configs`]),
/// calls `ready` (with the exit code if the first build could not even
/// start), then watches until Ctrl-C or SIGTERM, calling `after_write`
/// after each rebuild that wrote a file. `feedsmith serve` starts its
/// server from `ready`, and tells WebSub hubs from `after_write`.
pub fn run_watch_ready<'a>(
    args: &'a WatchArgs,
    configs: Vec<Config>,
    ready: impl FnOnce(Option<ExitCode>),
    after_write: AfterWrite<'a>,
) -> ExitCode {
    let mut session = match Session::start(args, configs, after_write) {
        Ok(session) => session,
        Err(code) => {
            ready(Some(code));
            return code;
        }
    };
    ready(None);
    session.run()
}

/// A running watch.
struct Session<'a> {
    args: &'a WatchArgs,
    /// The site's languages, the default one first (one for most sites).
    languages: Vec<Language>,
    /// The content folders watched: languages may share one.
    watched: BTreeSet<PathBuf>,
    /// Where the settings are read from (absolute), so that a change to
    /// `feedsmith.yaml` or to Hugo's config reloads them.
    config: ConfigPlaces,
    /// Whether Hugo's config folder is watched (it may appear later).
    config_dir_watched: bool,
    receiver: mpsc::Receiver<Message>,
    debouncer: notify_debouncer_full::Debouncer<
        notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
    after_write: AfterWrite<'a>,
}

impl<'a> Session<'a> {
    /// Builds once, then starts watching.
    fn start(
        args: &'a WatchArgs,
        configs: Vec<Config>,
        after_write: AfterWrite<'a>,
    ) -> Result<Session<'a>, ExitCode> {
        let (sender, receiver) = mpsc::channel();
        let stop = sender.clone();
        if let Err(e) = ctrlc::set_handler(move || {
            let _ = stop.send(Message::Stop);
        }) {
            eprintln!("error: cannot handle Ctrl-C: {e}");
            return Err(ExitCode::from(exit::FAILURE));
        }
        let debouncer = new_debouncer(args.debounce, None, move |result| {
            let _ = sender.send(Message::Files(result));
        })
        .map_err(|e| {
            eprintln!("error: cannot watch files: {e}");
            ExitCode::from(exit::FAILURE)
        })?;
        let mut places = ConfigPlaces::of(&args.build);
        places.yaml = absolute(&places.yaml);
        places.site_dir = absolute(&places.site_dir);
        let mut session = Session {
            args,
            languages: Vec::new(),
            watched: BTreeSet::new(),
            config: places,
            config_dir_watched: false,
            receiver,
            debouncer,
            after_write,
        };
        // The folders, not the files: editors replace a file on save.
        let site_dir = session.config.site_dir.clone();
        if let Err(e) = session
            .debouncer
            .watch(&site_dir, RecursiveMode::NonRecursive)
        {
            eprintln!(
                "warning: cannot watch {} for config changes: {e}",
                site_dir.display()
            );
        }
        session.watch_config_dir();
        session.adopt(configs)?;
        Ok(session)
    }

    /// Switches to `configs` (one per language): watches their content
    /// folders, reads everything and does a full build of each against
    /// what is on disk.
    fn adopt(&mut self, configs: Vec<Config>) -> Result<(), ExitCode> {
        for config in &configs {
            if let Err(d) = settings::check_content_dir(config) {
                eprintln!("{d}");
                return Err(ExitCode::from(exit::USAGE));
            }
        }
        let languages: Vec<Language> = configs
            .into_iter()
            .map(|config| Language::new(config, flags(&self.args.build)))
            .collect();
        let wanted: BTreeSet<PathBuf> = languages.iter().map(|l| l.content_dir.clone()).collect();
        for gone in self.watched.difference(&wanted) {
            let _ = self.debouncer.unwatch(gone);
        }
        for dir in wanted.difference(&self.watched) {
            if let Err(e) = self.debouncer.watch(dir, RecursiveMode::Recursive) {
                eprintln!("{}", watch_error(dir, &e));
                return Err(ExitCode::from(exit::FAILURE));
            }
        }
        self.watched = wanted;
        self.languages = languages;
        for language in &mut self.languages {
            language.rescan();
        }
        match self.rebuild_all("full build", Instant::now()) {
            Some(code) => Err(code),
            None => Ok(()),
        }
    }

    /// The watch loop.
    fn run(&mut self) -> ExitCode {
        loop {
            let now = Utc::now();
            let schedule: Vec<Option<DateTime<Utc>>> = self
                .languages
                .iter()
                .map(|l| l.site.next_scheduled(now))
                .collect();
            let wait = match schedule.iter().flatten().min() {
                Some(at) => (*at - now).to_std().unwrap_or_default().min(IDLE),
                None => IDLE,
            };
            match self.receiver.recv_timeout(wait) {
                Ok(Message::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return self.stop();
                }
                Ok(Message::Files(first)) => {
                    // Take whatever else is already queued: one rebuild for a burst.
                    let mut results = vec![first];
                    let mut stop = false;
                    while let Ok(message) = self.receiver.try_recv() {
                        match message {
                            Message::Files(result) => results.push(result),
                            Message::Stop => stop = true,
                        }
                    }
                    if let Some(code) = self.handle(results) {
                        return code;
                    }
                    if stop {
                        return self.stop();
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(code) = self.scheduled(&schedule) {
                        return code;
                    }
                }
            }
        }
    }

    /// Rebuilds the languages whose scheduled post's time came: the time
    /// each had next in `schedule`, when the wait began.
    fn scheduled(&mut self, schedule: &[Option<DateTime<Utc>>]) -> Option<ExitCode> {
        let started = Instant::now();
        let now = Utc::now();
        for (i, at) in schedule.iter().enumerate() {
            let due = at.is_some_and(|at| at <= now);
            if due && self.languages[i].content_dir.is_dir() {
                if let Some(code) = self.rebuild(i, "a scheduled post's time came", started) {
                    return Some(code);
                }
            }
        }
        None
    }

    fn stop(&mut self) -> ExitCode {
        if self.args.verbosity != Verbosity::Quiet {
            eprintln!("feedsmith: stopped; every feed on disk is complete");
        }
        ExitCode::from(exit::OK)
    }

    /// Handles a batch of file events. Returns an exit code to stop with.
    fn handle(&mut self, results: Vec<DebounceEventResult>) -> Option<ExitCode> {
        let started = Instant::now();
        let mut paths: BTreeSet<PathBuf> = BTreeSet::new();
        let mut rescan = false;
        for result in results {
            match result {
                Ok(events) => {
                    for event in events {
                        // Reading a file (feedsmith's own reads included) is not a change.
                        if matches!(event.event.kind, notify::EventKind::Access(_)) {
                            continue;
                        }
                        rescan |= event.need_rescan();
                        paths.extend(event.event.paths.iter().cloned());
                    }
                }
                Err(errors) => {
                    for e in errors {
                        if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) {
                            let dir = e.paths.first().or(self.watched.first());
                            let dir = dir.cloned().unwrap_or_default();
                            eprintln!("{}", watch_error(&dir, &e));
                            return Some(ExitCode::from(exit::FAILURE));
                        }
                        eprintln!("warning: the file watcher reported: {e}; reading the content folder again");
                        rescan = true;
                    }
                }
            }
        }

        if let Some(changed) = paths.iter().find(|p| self.config.is_config(p)) {
            let changed = changed.display().to_string();
            self.watch_config_dir();
            return self.reload_config(&changed);
        }
        if let Some(gone) = self.watched.iter().find(|dir| !dir.is_dir()) {
            eprintln!(
                "warning: the content folder {} is gone; the feeds stay as they are until it comes back (Ctrl-C to stop)",
                gone.display()
            );
            return self.wait_for_content();
        }
        if rescan {
            for language in &mut self.languages {
                language.rescan();
            }
            return self.rebuild_all("content folder re-read", started);
        }
        for i in 0..self.languages.len() {
            let changed = self.languages[i].take_changes(&paths);
            if !changed.is_empty() {
                if let Some(code) = self.rebuild(i, &describe(&changed), started) {
                    return Some(code);
                }
            }
        }
        None
    }

    /// Rebuilds every language; see [`Session::rebuild`].
    fn rebuild_all(&mut self, what: &str, started: Instant) -> Option<ExitCode> {
        (0..self.languages.len()).find_map(|i| self.rebuild(i, what, started))
    }

    /// Rebuilds, reports and writes language `i`; `what` says why, for the
    /// report line. Returns an exit code to stop with (never, for now: a
    /// failed write is reported and retried after the next change).
    fn rebuild(&mut self, i: usize, what: &str, started: Instant) -> Option<ExitCode> {
        let language = &mut self.languages[i];
        // The first rebuild of a site holds every file and is compared with
        // the disk (and the old manifest), as a one-shot build is; later ones
        // hold only changes.
        let full = !language.site.has_built();
        let strict = self.args.build.strict;
        let output_dir = language.output_dir.clone();
        let mut sink = output::DiskSink::new(&output_dir, false, |d: &[Diagnostic]| {
            !strict || d.is_empty()
        });
        if full {
            sink = sink.with_record(&language.site.config().cache_dir());
        }
        let rebuild = language.site.rebuild_into(Utc::now(), &mut sink);
        report(&mut language.shown, &rebuild.diagnostics);
        if rebuild.stopped {
            eprintln!(
                "error: --strict: {} problem(s); the feeds were not updated",
                rebuild.diagnostics.len()
            );
            // What is on disk is now older than what the site remembers.
            language.site.forget_outputs();
            return None;
        }
        match sink.finish(&rebuild.removed, full, rebuild.manifest.as_deref()) {
            Ok(()) => {
                let mut written = Vec::new();
                let mut removed = Vec::new();
                for (path, change) in &sink.changes {
                    match change {
                        output::Change::Remove => removed.push(path.clone()),
                        _ => written.push(path.clone()),
                    }
                }
                self.say(i, what, &rebuild, &written, &removed, started);
                if !written.is_empty() || !removed.is_empty() {
                    (self.after_write)(self.languages[i].site.config(), &written, &removed);
                }
                None
            }
            Err(e) => {
                eprintln!(
                    "{}",
                    Diagnostic::error(e.path.clone(), None, format!("cannot write the feeds: {}", e.source))
                        .with_help("check that the output folder is writable and the disk is not full; the other feeds keep their previous version; feedsmith keeps watching and writes everything again after the next change")
                );
                language.site.forget_outputs();
                None
            }
        }
    }

    /// The report line of a rebuild of language `i` (named when the site
    /// has several).
    fn say(
        &self,
        i: usize,
        what: &str,
        rebuild: &Rebuild,
        written: &[String],
        removed: &[String],
        started: Instant,
    ) {
        if self.args.verbosity == Verbosity::Quiet {
            return;
        }
        let language = &self.languages[i];
        let time = chrono::Local::now().format("%H:%M:%S");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let files: Vec<&str> = written
            .iter()
            .filter(|p| p.as_str() != crate::site::MANIFEST)
            .map(String::as_str)
            .collect();
        let mut line = format!("[{time}] ");
        if self.languages.len() > 1 {
            line.push_str(&format!("{}: ", language.code()));
        }
        line.push_str(&format!("{what}: "));
        if files.is_empty() && removed.is_empty() {
            line.push_str("no feed changed");
        } else {
            line.push_str(&format!("{} written", files.len()));
            if !removed.is_empty() {
                line.push_str(&format!(", {} removed", removed.len()));
            }
            if self.args.verbosity == Verbosity::Normal {
                let shown: Vec<&str> = files.iter().take(4).copied().collect();
                if !shown.is_empty() {
                    line.push_str(&format!(
                        " ({}{})",
                        shown.join(", "),
                        if files.len() > 4 { ", …" } else { "" }
                    ));
                }
            }
        }
        line.push_str(&format!(
            " in {ms:.1} ms ({} feeds, {} posts used)",
            rebuild.feeds, rebuild.stats.published
        ));
        eprintln!("{line}");
        if self.args.verbosity == Verbosity::Verbose {
            let stages: Vec<String> = rebuild
                .timings
                .iter()
                .map(|(stage, t)| format!("{stage} {:.1} ms", t.as_secs_f64() * 1000.0))
                .collect();
            eprintln!(
                "  {} post(s) rendered; {}",
                rebuild.rendered,
                stages.join(", ")
            );
            for f in &files {
                eprintln!("  wrote {}", language.output_dir.join(f).display());
            }
            for f in removed {
                eprintln!("  removed {}", language.output_dir.join(f).display());
            }
        }
    }

    /// Watches Hugo's config folder, once it is there.
    fn watch_config_dir(&mut self) {
        let dir = self.config.config_dir();
        if self.config_dir_watched || !dir.is_dir() {
            return;
        }
        match self.debouncer.watch(&dir, RecursiveMode::Recursive) {
            Ok(()) => self.config_dir_watched = true,
            Err(e) => eprintln!(
                "warning: cannot watch {} for config changes: {e}",
                dir.display()
            ),
        }
    }

    /// The config file changed: reload it, or keep the last good one.
    fn reload_config(&mut self, changed: &str) -> Option<ExitCode> {
        match settings::load_configs(&self.args.build) {
            Ok(configs) => {
                if self.args.verbosity != Verbosity::Quiet {
                    eprintln!("feedsmith: {changed} changed; full rebuild");
                }
                match self.adopt(configs) {
                    Ok(()) => None,
                    Err(code) if code == ExitCode::from(exit::USAGE) => {
                        eprintln!("feedsmith: keeping the previous content folder; fix the config to continue");
                        None
                    }
                    Err(code) => Some(code),
                }
            }
            Err(d) => {
                eprintln!("{d}");
                eprintln!("feedsmith: the config has an error; still using the last good one");
                None
            }
        }
    }

    /// A content folder vanished (deleted, or being replaced by a
    /// checkout): wait for every one to be there, then watch them again
    /// and read everything.
    fn wait_for_content(&mut self) -> Option<ExitCode> {
        loop {
            match self.receiver.recv_timeout(POLL_MISSING) {
                Ok(Message::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Some(self.stop())
                }
                _ => {}
            }
            if self.watched.iter().all(|dir| dir.is_dir()) {
                for dir in &self.watched {
                    let _ = self.debouncer.unwatch(dir);
                    if let Err(e) = self.debouncer.watch(dir, RecursiveMode::Recursive) {
                        eprintln!("{}", watch_error(dir, &e));
                        return Some(ExitCode::from(exit::FAILURE));
                    }
                }
                if self.args.verbosity != Verbosity::Quiet {
                    eprintln!("feedsmith: the content folder is back; reading it again");
                }
                for language in &mut self.languages {
                    language.rescan();
                }
                return self.rebuild_all("content folder restored", Instant::now());
            }
        }
    }
}

/// Prints the diagnostics not in `shown`, which then holds these: a
/// problem is reported once, and again if it comes back after a fix.
fn report(shown: &mut HashSet<String>, diagnostics: &[Diagnostic]) {
    let mut now = HashSet::new();
    for d in diagnostics {
        let text = d.to_string();
        if !shown.contains(&text) {
            eprintln!("{text}");
        }
        now.insert(text);
    }
    *shown = now;
}

fn print_all(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{d}");
    }
}

fn flags(args: &BuildArgs) -> Flags {
    Flags {
        drafts: args.drafts,
        future: args.future,
        expired: args.expired,
    }
}

/// "posts/a.md changed", "3 files changed".
fn describe(paths: &[String]) -> String {
    match paths {
        [] => "change".to_owned(),
        [one] => format!("{one} changed"),
        [first, rest @ ..] => format!("{first} and {} more changed", rest.len()),
    }
}

/// A clear message for a watcher that cannot start.
fn watch_error(dir: &Path, e: &notify::Error) -> String {
    match e.kind {
        notify::ErrorKind::MaxFilesWatch => Diagnostic::error(
            dir.display().to_string(),
            None,
            "too many folders to watch: the system's limit on inotify watches was reached",
        )
        .with_help("raise it, e.g. `sudo sysctl fs.inotify.max_user_watches=524288`, or run `feedsmith build` after each change instead")
        .to_string(),
        _ => Diagnostic::error(dir.display().to_string(), None, format!("cannot watch this folder: {e}"))
            .with_help("check that it exists and is readable")
            .to_string(),
    }
}
