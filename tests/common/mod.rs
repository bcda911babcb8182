//! Helpers shared by the integration tests: temporary sites, running the real
//! binary, and reading feeds back with an independent parser (feed-rs).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BASE: &str = "https://example.org/";

/// Builds the Hugo site in `dir` into `dir/public` with the Hugo at
/// `program`, and fails the test, with Hugo's errors, if Hugo fails.
pub fn run_hugo(program: &str, dir: &Path) {
    let hugo = Command::new(program)
        .args(["--quiet", "-d", "public"])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        hugo.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&hugo.stderr)
    );
}

/// A throwaway site folder with a config and a content folder.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    /// A site with a minimal valid config.
    pub fn new() -> Site {
        Site::with_config(&format!(
            "title: Test site\ndescription: For tests\nbase_url: {BASE}\ntimezone: Asia/Taipei\n"
        ))
    }

    pub fn with_config(config: &str) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("content")).expect("content dir");
        std::fs::write(dir.path().join("feedsmith.yaml"), config).expect("config");
        Site { dir }
    }

    /// A site configured by Hugo's `hugo.toml` alone (no `feedsmith.yaml`).
    pub fn with_hugo_config(toml: &str) -> Site {
        let site = Site::new();
        std::fs::remove_file(site.path().join("feedsmith.yaml")).expect("remove");
        std::fs::write(site.path().join("hugo.toml"), toml).expect("hugo.toml");
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.path().join("feeds")
    }

    /// Writes a file under `content/`.
    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> &Site {
        let path = self.path().join("content").join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        self
    }

    /// Writes an article with YAML front matter.
    pub fn post(&self, rel: &str, front: &str, body: &str) -> &Site {
        self.write(rel, format!("---\n{front}\n---\n{body}\n"))
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join("content").join(rel)).expect("remove");
    }

    /// Runs `feedsmith build` with extra arguments, in the site folder.
    pub fn build(&self, args: &[&str]) -> Run {
        run_in(self.path(), &[&["build"], args].concat())
    }

    /// The bytes of an output file.
    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.out().join(rel)).unwrap_or_else(|e| panic!("read feeds/{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.out().join(rel).exists()
    }

    pub fn rss(&self, rel: &str) -> feed_rs::model::Feed {
        parse_feed(&self.read(rel), rel)
    }

    pub fn json(&self, rel: &str) -> serde_json::Value {
        serde_json::from_slice(&self.read(rel))
            .unwrap_or_else(|e| panic!("feeds/{rel} is not JSON: {e}"))
    }

    /// Item titles of a feed, in order, as an independent parser reads them.
    pub fn titles(&self, rel: &str) -> Vec<String> {
        self.rss(rel)
            .entries
            .iter()
            .map(|e| {
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// A finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "exit code; stderr:\n{}", self.stderr);
        self
    }

    /// Asserts that stderr holds `text` (and shows stderr when it does not).
    #[track_caller]
    pub fn assert_stderr_has(&self, text: &str) -> &Run {
        assert!(self.stderr.contains(text), "{}", self.stderr);
        self
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_feedsmith")
}

pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    Run::from(
        Command::new(bin())
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run feedsmith"),
    )
}

/// Parses RSS or JSON Feed bytes with feed-rs, failing the test if it cannot.
#[track_caller]
pub fn parse_feed(bytes: &[u8], what: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(bytes).unwrap_or_else(|e| panic!("{what} does not parse as a feed: {e}"))
}

/// Every file under a folder, by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        // A running `feedsmith watch` may rename a temporary file away between
        // listing and reading: such files are not part of the state.
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("prefix")
                .to_string_lossy()
                .replace('\\', "/");
            match std::fs::read(entry.path()) {
                Ok(bytes) => {
                    files.insert(rel, bytes);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("read {}: {e}", entry.path().display()),
            }
        }
    }
    files
}

/// Says that `what`, which a test needs, is not here: the test is then
/// skipped with a notice naming `install` — except on CI (`CI` set), where
/// `.ci/run` installs it and its absence is a failure.
pub fn missing(what: &str, install: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is required on CI: {install}"
    );
    eprintln!("skipped: {what} is not here; `{install}` to run this check");
}

/// Whether `python3` can import `modules` (`"feedparser"`, `"flask_websub,
/// celery"`); if not, see [`missing`].
pub fn python_has(modules: &str, install: &str) -> bool {
    runs("python3", &["-c", &format!("import {modules}")]) || {
        missing(&format!("python3's {modules}"), install);
        false
    }
}

/// Whether `program` runs with `probe` (`--version`, say) and succeeds; if
/// not, see [`missing`].
pub fn program_runs(program: &str, probe: &[&str], install: &str) -> bool {
    runs(program, probe) || {
        missing(program, install);
        false
    }
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a Python `script` with `args` and returns what it printed, read as
/// JSON; the test fails if the script does.
pub fn python_json(script: &str, args: &[String]) -> serde_json::Value {
    let run = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).expect("the script prints JSON")
}

/// How long any expected state of a running process may take to appear.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(15);

/// A running `feedsmith` (watch, serve) with its stderr in a log file; killed
/// when dropped.
pub struct Running {
    child: Option<std::process::Child>,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Running {
    pub fn spawn(dir: &Path, args: &[&str]) -> Running {
        let log_dir = tempfile::tempdir().expect("temp dir");
        let log = log_dir.path().join("stderr.log");
        let child = Command::new(bin())
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start feedsmith");
        Running {
            child: Some(child),
            log,
            _log_dir: log_dir,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, std::process::Child::id)
    }

    /// Everything it printed on stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `needle` appears at least `times` times in the log.
    #[track_caller]
    pub fn wait_for_log(&self, needle: &str, times: usize) {
        let start = std::time::Instant::now();
        while self.log().matches(needle).count() < times {
            assert!(
                start.elapsed() < PATIENCE,
                "no {needle:?} (x{times}) in the log:\n{}",
                self.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Sends a signal and waits for the exit code; returns it with the log.
    pub fn stop_with(mut self, signal: &str) -> (i32, String) {
        let mut child = self.child.take().expect("running");
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return (status.code().unwrap_or(-1), self.log());
            }
            assert!(start.elapsed() < PATIENCE, "it did not stop on {signal}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
