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

use chrono::Utc;
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};

use crate::base::config::Config;
use crate::base::diagnostic::Diagnostic;
use crate::cmd::settings::{self, exit, BuildArgs, ConfigPlaces};
use crate::disk::content;
use crate::disk::output;
use crate::parse::files;
use crate::site::{Flags, Rebuild, Site};

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
    let config = match settings::load_config(&args.build) {
        Ok(config) => config,
        Err(d) => {
            let _ = writeln!(err, "{d}");
            return ExitCode::from(exit::USAGE);
        }
    };
    drop(err);
    run_watch_ready(args, config, |_| {}, Box::new(|_, _, _| {}))
}

/// What to do after a rebuild changed the output folder: it is given the
/// settings and the paths written and removed (under the output folder).
pub type AfterWrite<'a> = Box<dyn FnMut(&Config, &[String], &[String]) + 'a>;

/// Builds with `config`, calls `ready` (with the exit code if the first build
/// could not even start), then watches until Ctrl-C or SIGTERM, calling
/// `after_write` after each rebuild that wrote a file. `feedsmith serve`
/// starts its server from `ready`, and tells WebSub hubs from `after_write`.
pub fn run_watch_ready<'a>(
    args: &'a WatchArgs,
    config: Config,
    ready: impl FnOnce(Option<ExitCode>),
    after_write: AfterWrite<'a>,
) -> ExitCode {
    if config.languages.len() > 1 {
        eprintln!(
            "warning: watching follows the default language (`{}`) only; `feedsmith build` writes every language's feeds",
            config.language_code
        );
    }
    let mut session = match Session::start(args, config, after_write) {
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
    site: Site,
    /// Every candidate article under the content folder (bundle resources
    /// included), so bundle membership can be recomputed after a change.
    candidates: BTreeSet<String>,
    content_dir: PathBuf,
    output_dir: PathBuf,
    /// Where the settings are read from (absolute), so that a change to
    /// `feedsmith.yaml` or to Hugo's config reloads them.
    config: ConfigPlaces,
    /// Whether Hugo's config folder is watched (it may appear later).
    config_dir_watched: bool,
    /// Diagnostics already shown, so each is reported once.
    shown: HashSet<String>,
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
        config: Config,
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
            site: Site::new(config.clone(), flags(&args.build), true),
            candidates: BTreeSet::new(),
            content_dir: PathBuf::new(),
            output_dir: PathBuf::new(),
            config: places,
            config_dir_watched: false,
            shown: HashSet::new(),
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
        session.adopt(config)?;
        Ok(session)
    }

    /// Switches to `config`: watches its content folder, reads everything and
    /// does a full build against what is on disk.
    fn adopt(&mut self, config: Config) -> Result<(), ExitCode> {
        if let Err(d) = settings::check_content_dir(&config) {
            eprintln!("{d}");
            return Err(ExitCode::from(exit::USAGE));
        }
        let content_dir = absolute(&config.content_dir);
        if content_dir != self.content_dir {
            if !self.content_dir.as_os_str().is_empty() {
                let _ = self.debouncer.unwatch(&self.content_dir);
            }
            self.watch_content(&content_dir)?;
            self.content_dir = content_dir;
        }
        self.output_dir = absolute(&config.output_dir);
        self.site = Site::new(config, flags(&self.args.build), true);
        self.rescan();
        match self.rebuild("full build", Instant::now()) {
            Some(code) => Err(code),
            None => Ok(()),
        }
    }

    fn watch_content(&mut self, dir: &Path) -> Result<(), ExitCode> {
        match self.debouncer.watch(dir, RecursiveMode::Recursive) {
            Ok(()) => Ok(()),
            Err(e) => {
                eprintln!("{}", watch_error(dir, &e));
                Err(ExitCode::from(exit::FAILURE))
            }
        }
    }

    /// Reads the whole content folder again.
    fn rescan(&mut self) {
        let (found, diagnostics) = content::find_candidates(&self.content_dir, "");
        print_all(&diagnostics);
        self.candidates = found
            .into_iter()
            .filter(|rel| !self.is_output(rel))
            .collect();
        let all = self.candidates.clone();
        self.sync_site(&all, true);
    }

    /// Brings the site in line with `candidates`, re-reading `to_read`.
    /// Returns the articles that changed (added, edited or removed).
    ///
    /// When the set of candidates did not change (the common case: a save),
    /// which files are articles did not either, and only `to_read` is read.
    fn sync_site(&mut self, to_read: &BTreeSet<String>, candidates_changed: bool) -> Vec<String> {
        if !candidates_changed {
            let known: Vec<&String> = to_read
                .iter()
                .filter(|rel| self.site.contains(rel))
                .collect();
            return self.read_into_site(known);
        }
        let articles = files::articles_among(&self.candidates);
        let gone: Vec<String> = self
            .site
            .paths()
            .chain(self.site.section_pages())
            .filter(|p| !articles.contains(*p))
            .map(str::to_owned)
            .collect();
        let mut changed = Vec::new();
        for path in gone {
            if self.site.remove(&path) {
                changed.push(path);
            }
        }
        let new_or_edited: Vec<&String> = articles
            .iter()
            .filter(|rel| to_read.contains(*rel) || !self.site.contains(rel))
            .collect();
        changed.extend(self.read_into_site(new_or_edited));
        changed
    }

    /// Reads articles into the site, on every core (the first build reads
    /// them all); returns those that changed.
    fn read_into_site(&mut self, rels: Vec<&String>) -> Vec<String> {
        let content_shown = content::shown(&self.site.config().content_dir);
        let files: Vec<(String, String)> = rels
            .iter()
            .map(|rel| ((*rel).clone(), files::shown_in(&content_shown, rel)))
            .collect();
        let content_dir = &self.content_dir;
        let changed = self
            .site
            .load_all(files, &content::Folder { dir: content_dir });
        changed.into_iter().map(|i| rels[i].clone()).collect()
    }

    /// Whether a path under the content folder is inside the output folder
    /// (an odd but possible layout): feedsmith's own writes are not changes.
    fn is_output(&self, rel: &str) -> bool {
        self.content_dir.join(rel).starts_with(&self.output_dir)
    }

    /// The watch loop.
    fn run(&mut self) -> ExitCode {
        loop {
            let now = Utc::now();
            let scheduled = self.site.next_scheduled(now);
            let wait = match scheduled {
                Some(at) => (at - now).to_std().unwrap_or_default().min(IDLE),
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
                    if scheduled.is_none() || !self.content_dir.is_dir() {
                        continue;
                    }
                    if let Some(code) = self.rebuild("a scheduled post's time came", Instant::now())
                    {
                        return code;
                    }
                }
            }
        }
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
                            eprintln!("{}", watch_error(&self.content_dir, &e));
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
        if !self.content_dir.is_dir() {
            eprintln!(
                "warning: the content folder {} is gone; the feeds stay as they are until it comes back (Ctrl-C to stop)",
                self.content_dir.display()
            );
            return self.wait_for_content();
        }
        let changed = if rescan {
            self.rescan();
            vec!["content folder re-read".to_owned()]
        } else {
            let mut to_read = BTreeSet::new();
            let mut candidates_changed = false;
            for path in &paths {
                let Ok(rel) = path.strip_prefix(&self.content_dir) else {
                    continue;
                };
                let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
                    continue;
                };
                if rel.is_empty() || self.is_output(&rel) {
                    continue;
                }
                candidates_changed |= self.refresh(&rel, &mut to_read);
            }
            self.sync_site(&to_read, candidates_changed)
        };
        if changed.is_empty() {
            return None;
        }
        self.rebuild(&describe(&changed), started)
    }

    /// Updates `candidates` for one changed path (a file or a folder).
    /// Returns whether the set of candidates may have changed.
    fn refresh(&mut self, rel: &str, to_read: &mut BTreeSet<String>) -> bool {
        // A page bundle's files are part of its post (its picture, its
        // attachments' sizes): the post is read again.
        if let Some(index) = self.bundle_of(rel) {
            to_read.insert(index);
        }
        let prefix = format!("{rel}/");
        match std::fs::metadata(self.content_dir.join(rel)) {
            Ok(meta) if meta.is_dir() => {
                let (found, diagnostics) = content::find_candidates(&self.content_dir, rel);
                print_all(&diagnostics);
                self.candidates.retain(|c| !c.starts_with(&prefix));
                for path in found {
                    if !self.is_output(&path) {
                        to_read.insert(path.clone());
                        self.candidates.insert(path);
                    }
                }
                true
            }
            Ok(_) => {
                if files::is_site_file(rel) {
                    to_read.insert(rel.to_owned());
                    self.candidates.insert(rel.to_owned())
                } else {
                    false
                }
            }
            Err(_) => {
                let before = self.candidates.len();
                self.candidates
                    .retain(|c| c != rel && !c.starts_with(&prefix));
                before != self.candidates.len()
            }
        }
    }

    /// The `index.md` of the page bundle that `rel` (a path under the
    /// content folder) is in, if it is in one.
    fn bundle_of(&self, rel: &str) -> Option<String> {
        let mut folder = rel;
        while let Some((parent, _)) = folder.rsplit_once('/') {
            folder = parent;
            for name in ["index.md", "index.markdown"] {
                let index = format!("{folder}/{name}");
                if self.candidates.contains(&index) {
                    return Some(index);
                }
            }
        }
        None
    }

    /// Rebuilds, reports and writes; `what` says why, for the report line.
    /// Returns an exit code to stop with (never, for now: a failed write is
    /// reported and retried after the next change).
    fn rebuild(&mut self, what: &str, started: Instant) -> Option<ExitCode> {
        // The first rebuild of a site holds every file and is compared with
        // the disk (and the old manifest), as a one-shot build is; later ones
        // hold only changes.
        let full = !self.site.has_built();
        let strict = self.args.build.strict;
        let output_dir = self.output_dir.clone();
        let mut sink = output::DiskSink::new(&output_dir, false, |d: &[Diagnostic]| {
            !strict || d.is_empty()
        });
        if full {
            sink = sink.with_record(&self.site.config().cache_dir());
        }
        let rebuild = self.site.rebuild_into(Utc::now(), &mut sink);
        self.report(&rebuild.diagnostics);
        if rebuild.stopped {
            eprintln!(
                "error: --strict: {} problem(s); the feeds were not updated",
                rebuild.diagnostics.len()
            );
            // What is on disk is now older than what the site remembers.
            self.site.forget_outputs();
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
                self.say(what, &rebuild, &written, &removed, started);
                if !written.is_empty() || !removed.is_empty() {
                    (self.after_write)(self.site.config(), &written, &removed);
                }
                None
            }
            Err(e) => {
                eprintln!(
                    "{}",
                    Diagnostic::error(e.path.clone(), None, format!("cannot write the feeds: {}", e.source))
                        .with_help("check that the output folder is writable and the disk is not full; the other feeds keep their previous version; feedsmith keeps watching and writes everything again after the next change")
                );
                self.site.forget_outputs();
                None
            }
        }
    }

    /// Prints the diagnostics not shown before.
    fn report(&mut self, diagnostics: &[Diagnostic]) {
        let mut now = HashSet::new();
        for d in diagnostics {
            let text = d.to_string();
            if !self.shown.contains(&text) {
                eprintln!("{text}");
            }
            now.insert(text);
        }
        // Forget fixed problems, so they are reported again if they come back.
        self.shown = now;
    }

    fn say(
        &self,
        what: &str,
        rebuild: &Rebuild,
        written: &[String],
        removed: &[String],
        started: Instant,
    ) {
        if self.args.verbosity == Verbosity::Quiet {
            return;
        }
        let time = chrono::Local::now().format("%H:%M:%S");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let files: Vec<&str> = written
            .iter()
            .filter(|p| p.as_str() != crate::site::MANIFEST)
            .map(String::as_str)
            .collect();
        let mut line = format!("[{time}] {what}: ");
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
                eprintln!("  wrote {}", self.output_dir.join(f).display());
            }
            for f in removed {
                eprintln!("  removed {}", self.output_dir.join(f).display());
            }
        }
    }

    /// The config file changed: reload it, or keep the last good one.
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

    fn reload_config(&mut self, changed: &str) -> Option<ExitCode> {
        match settings::load_config(&self.args.build) {
            Ok(config) => {
                if self.args.verbosity != Verbosity::Quiet {
                    eprintln!("feedsmith: {changed} changed; full rebuild");
                }
                self.shown.clear();
                match self.adopt(config) {
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

    /// The content folder vanished (deleted, or being replaced by a checkout):
    /// wait for it, then watch it again and read everything.
    fn wait_for_content(&mut self) -> Option<ExitCode> {
        loop {
            match self.receiver.recv_timeout(POLL_MISSING) {
                Ok(Message::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Some(self.stop())
                }
                _ => {}
            }
            if self.content_dir.is_dir() {
                let _ = self.debouncer.unwatch(&self.content_dir);
                let dir = self.content_dir.clone();
                if let Err(code) = self.watch_content(&dir) {
                    return Some(code);
                }
                if self.args.verbosity != Verbosity::Quiet {
                    eprintln!("feedsmith: the content folder is back; reading it again");
                }
                self.rescan();
                return self.rebuild("content folder restored", Instant::now());
            }
        }
    }
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

/// The path as the user gave it, made absolute (not canonical: symlinks in
/// it stay, so that event paths, which use it, compare equal).
/// `path` made absolute; the empty path (the folder of a config file given
/// without one) is the current folder.
fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
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
