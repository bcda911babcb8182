//! WebSub end to end, against a real hub and subscriber (PyPI's
//! flask-websub, run by `hub.py` beside this file): a subscriber subscribes
//! to a feed at the hub, feedsmith tells the hub the feed changed (`ping`,
//! or `serve` after a rebuild), the hub fetches the feed and pushes it, and
//! the subscriber receives the new bytes. Required on CI (`.ci/run` installs
//! flask-websub and celery); skipped with a notice elsewhere.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{run_in, Running, Site, PATIENCE};

/// The hub, the subscriber and a static host, in one local server.
struct Hub {
    child: Child,
    base: String,
    _state: tempfile::TempDir,
}

impl Hub {
    /// Starts `hub.py`, hosting `folder` under `/site/`; `None` (after a
    /// notice) when flask-websub is not installed and this is not CI.
    fn start(folder: &Path) -> Option<Hub> {
        if !common::python_has("flask_websub, celery", "pip install flask-websub celery") {
            return None;
        }
        let state = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/websub/hub.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(folder)
            .arg(state.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the hub");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the hub did not start: {line:?}"))
            .trim()
            .to_owned();
        Some(Hub {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _state: state,
        })
    }

    fn url(&self) -> String {
        format!("{}/hub", self.base)
    }

    fn get(&self, path: &str) -> serde_json::Value {
        let body = ureq::get(&format!("{}{path}", self.base))
            .call()
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
        serde_json::from_str(&body).unwrap()
    }

    /// Makes the subscriber subscribe to `topic`, and waits until the hub
    /// has verified the subscription.
    fn subscribe(&self, topic: &str) {
        ureq::post(&format!("{}/subscribe", self.base))
            .send_form([("topic", topic), ("hub", &self.url())])
            .unwrap();
        wait_until("the subscription is verified", || {
            self.get("/subscribed")
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == topic)
        });
    }

    /// The bodies the subscriber received for `topic`, in order.
    fn received(&self, topic: &str) -> Vec<String> {
        self.get("/received")
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["topic"] == topic)
            .map(|n| n["body"].as_str().unwrap().to_owned())
            .collect()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[track_caller]
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The titles of the items of an RSS feed's bytes, as feed-rs reads them.
fn titles(rss: &str) -> Vec<String> {
    let feed = feed_rs::parser::parse(rss.as_bytes()).expect("the hub pushed a feed");
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

#[test]
fn ping_tells_a_real_hub_and_the_subscriber_receives_the_new_feed() {
    let site = Site::new();
    // The hub's static host serves this site's output folder, as a
    // deployed site would be served.
    let Some(hub) = Hub::start(&site.out()) else {
        return;
    };
    std::fs::write(
        site.path().join("feedsmith.yaml"),
        format!(
            "title: T\nbase_url: https://example.org/\nfeeds_url: {0}/site/\n\
             formats: [rss, atom]\nwebsub_hubs: [\"{0}/hub\"]\nlimit: 0\n",
            hub.base
        ),
    )
    .unwrap();
    site.post("a.md", "title: First\ndate: 2024-01-01\ntags: [x]", "one");
    site.build(&[]).assert_code(0);
    let topic = format!("{}/site/rss.xml", hub.base);
    hub.subscribe(&topic);

    let told = site.run(&["ping", "-v"]);
    told.assert_code(0).assert_stderr_has("4 told to 1 hub(s)");
    let received = hub.received(&topic);
    assert_eq!(received.len(), 1, "one push for the one change");
    assert_eq!(titles(&received[0]), ["First"]);

    // Nothing changed: the hub is not told again.
    site.run(&["ping"])
        .assert_code(0)
        .assert_stderr_has("0 told to 1 hub(s), 4 unchanged");
    assert_eq!(hub.received(&topic).len(), 1);

    // A new post changes the site's feeds and the tag's, not another tag's.
    site.post("b.md", "title: Second\ndate: 2024-02-01\ntags: [x]", "two");
    site.post("c.md", "title: Third\ndate: 2024-03-01\ntags: [y]", "three");
    site.build(&[]).assert_code(0);
    site.run(&["ping"])
        .assert_code(0)
        .assert_stderr_has("6 told to 1 hub(s), 0 unchanged");
    let received = hub.received(&topic);
    assert_eq!(received.len(), 2);
    assert_eq!(titles(&received[1]), ["Third", "Second", "First"]);
    let record = std::fs::read_to_string(site.path().join(".feedsmith-cache/websub")).unwrap();
    assert_eq!(record.lines().count(), 1 + 6, "{record}");
}

#[test]
fn a_hub_that_is_down_is_a_warning_and_ping_exits_1() {
    // Nothing listens on port 9 (discard) on loopback here.
    let site = Site::with_config(
        "base_url: https://example.org/\nwebsub_hubs: [\"http://127.0.0.1:9/\"]\n",
    );
    site.post("a.md", "title: A\ndate: 2024-01-01", "a");
    // The build itself never talks to hubs.
    site.build(&[]).assert_code(0);
    site.run(&["ping"])
        .assert_code(1)
        .assert_stderr_has("warning: http://127.0.0.1:9/: the hub did not accept")
        .assert_stderr_has("1 hub(s) failed");
    // Nothing was accepted, so nothing is recorded as told.
    let record = std::fs::read_to_string(site.path().join(".feedsmith-cache/websub")).unwrap();
    assert_eq!(record.lines().count(), 1, "{record}");
}

#[test]
fn ping_without_hubs_or_output_says_what_to_do() {
    let site = Site::new();
    site.run(&["ping"])
        .assert_code(2)
        .assert_stderr_has("`websub_hubs` is not set");
    let with_hub = Site::with_config(
        "base_url: https://example.org/\nwebsub_hubs: [\"http://127.0.0.1:9/\"]\n",
    );
    with_hub
        .run(&["ping"])
        .assert_code(2)
        .assert_stderr_has("run `feedsmith build` first");
}

#[test]
fn serve_tells_the_hub_after_each_rebuild_that_changed_a_feed() {
    let nothing = tempfile::tempdir().unwrap();
    let Some(hub) = Hub::start(nothing.path()) else {
        return;
    };
    // serve's own address must be in the config: take a free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let site = Site::with_config(&format!(
        "title: T\nbase_url: https://example.org/\nfeeds_url: http://127.0.0.1:{port}/\n\
         websub_hubs: [\"{}\"]\n",
        hub.url()
    ));
    site.post("a.md", "title: First\ndate: 2024-01-01", "one");
    let serve = Running::spawn(
        site.path(),
        &["serve", "--port", &port.to_string(), "--debounce", "20"],
    );
    serve.wait_for_log(" at http://", 1);
    let topic = format!("http://127.0.0.1:{port}/rss.xml");
    // The feed names its hub and itself in its Link header, for discovery.
    let response = ureq::get(&topic).call().unwrap();
    let link = response.headers().get("link").unwrap().to_str().unwrap();
    assert_eq!(
        link,
        format!("<{}>; rel=\"hub\", <{topic}>; rel=\"self\"", hub.url())
    );
    hub.subscribe(&topic);
    let pushed_before = hub.received(&topic).len();

    site.post("b.md", "title: Second\ndate: 2024-02-01", "two");
    wait_until("the subscriber receives the feed with the new post", || {
        hub.received(&topic)
            .iter()
            .skip(pushed_before)
            .any(|body| titles(body).first().map(String::as_str) == Some("Second"))
    });
    serve.wait_for_log("told the WebSub hubs about", 1);
}

trait RunHere {
    fn run(&self, args: &[&str]) -> common::Run;
}

impl RunHere for Site {
    fn run(&self, args: &[&str]) -> common::Run {
        run_in(self.path(), args)
    }
}
