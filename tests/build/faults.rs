//! Faults: runs killed mid-write, two runs on one output folder.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{bin, run_in, tree, Site};

fn medium_site() -> Site {
    let site = Site::new();
    for i in 0..300 {
        site.post(
            &format!("posts/p{i:03}.md"),
            &format!(
                "title: Post {i}\ndate: 2024-01-{:02}T10:00:00+08:00\ntags: [t{}, 共同, t{}]\ncategories: [c{}]",
                i % 28 + 1,
                i % 40,
                i % 7,
                i % 5
            ),
            &"Some text with a [link](../x/) and ![img](y.png). ".repeat(40),
        );
    }
    site
}

/// Every feed file in the output is whole: it parses. `seen` remembers the
/// bytes already checked, so each version of a file is parsed once.
fn assert_every_feed_is_whole(site: &Site, when: &str, seen: &mut BTreeMap<String, Vec<u8>>) {
    for (rel, bytes) in tree(&site.out()) {
        if !(rel.ends_with("rss.xml") || rel.ends_with("feed.json"))
            || seen.get(&rel) == Some(&bytes)
        {
            continue;
        }
        assert!(
            feed_rs::parser::parse(bytes.as_slice()).is_ok(),
            "{when}: {rel} is not a whole feed ({} bytes)",
            bytes.len()
        );
        seen.insert(rel, bytes);
    }
}

/// A small deterministic sequence of delays shorter than `window`.
fn delays(n: usize, window: Duration) -> Vec<Duration> {
    let window = window.as_micros().max(1) as u64;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_micros(x % window)
        })
        .collect()
}

#[test]
fn builds_killed_at_random_moments_never_leave_a_broken_feed() {
    let site = medium_site();
    site.build(&["-q"]).assert_code(0);
    // Alternate the content, so that the killed runs have files to write.
    let edit = |i: usize| {
        let tag = if i.is_multiple_of(2) { "even" } else { "odd" };
        site.post(
            "posts/p000.md",
            &format!("title: Post 0 {i}\ndate: 2024-02-01T10:00:00+08:00\ntags: [{tag}]"),
            &"Edited text. ".repeat(50),
        );
    };
    // Kills land within twice the time the fastest of five whole runs took
    // here, so that many land while a run writes however fast runs are
    // (a slow run among them would make the window too long); but within
    // 150 ms at most, so that a slow (debug) build keeps the test short.
    let whole_run = (0..5)
        .map(|i| {
            edit(i);
            let started = Instant::now();
            site.build(&["-q"]).assert_code(0);
            started.elapsed()
        })
        .min()
        .unwrap_or_default();
    let kills = 120;
    let mut seen = BTreeMap::new();
    let mut midway = 0;
    let window = (whole_run * 2).min(Duration::from_millis(150));
    for (i, delay) in delays(kills, window).into_iter().enumerate() {
        edit(i + 3);
        let mut child = Command::new(bin())
            .args(["build", "-q"])
            .current_dir(site.path())
            .stderr(Stdio::null())
            .spawn()
            .expect("start build");
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            midway += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert_every_feed_is_whole(&site, &format!("after kill {i} at {delay:?}"), &mut seen);
        let temps = tree(&site.out())
            .into_keys()
            .filter(|k| k.contains(".feedsmith-") && k.ends_with(".tmp"))
            .count();
        // A killed run leaves at most the files it was writing (one per
        // thread); the next run removes them.
        assert!(temps <= 4, "after kill {i}: {temps} temporary files");
    }
    // The kills must really interrupt runs, or this proves nothing.
    assert!(
        midway >= kills / 4,
        "only {midway} of {kills} kills hit a running build"
    );
    // A normal run afterwards: no temporary files, and the output is a fresh
    // build's.
    site.build(&["-q"]).assert_code(0);
    let after = tree(&site.out());
    assert!(
        !after.keys().any(|k| k.ends_with(".tmp")),
        "{:?}",
        after.keys()
    );
    let fresh = tempfile::tempdir().unwrap();
    run_in(
        site.path(),
        &["build", "-q", "--out", fresh.path().to_str().unwrap()],
    )
    .assert_code(0);
    assert_eq!(after, tree(fresh.path()));
}

#[test]
fn a_second_run_waits_for_the_first_and_says_so() {
    let site = medium_site();
    site.build(&["-q"]).assert_code(0);
    // Hold the output folder's lock, as a running feedsmith does.
    let folder = std::fs::File::open(site.out()).unwrap();
    folder.lock().unwrap();
    let log = site.path().join("second.log");
    let mut second = Command::new(bin())
        .args(["build"])
        .current_dir(site.path())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("waiting for another feedsmith run that is writing to feeds/")
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no waiting message: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        second.try_wait().unwrap().is_none(),
        "the second run did not wait"
    );
    folder.unlock().unwrap();
    let status = second.wait().unwrap();
    assert!(status.success());
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("feedsmith: 0 written"));
}

#[test]
fn concurrent_builds_leave_one_runs_complete_output() {
    let site = medium_site();
    site.build(&["-q"]).assert_code(0);
    for round in 0..3 {
        // Two runs on different content versions, at the same time.
        site.post(
            "posts/p001.md",
            &format!("title: Round {round} A\ndate: 2024-03-01\ntags: [a{round}]"),
            "x",
        );
        let first = Command::new(bin())
            .args(["build", "-q"])
            .current_dir(site.path())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Replaced, not rewritten in place, while the first run reads: a file
        // caught half written is neither version, which no build can help.
        let next = site.path().join("content/posts/.p001.md.next");
        std::fs::write(
            &next,
            format!("---\ntitle: Round {round} B\ndate: 2024-03-01\ntags: [b{round}]\n---\nx\n"),
        )
        .unwrap();
        std::fs::rename(&next, site.path().join("content/posts/p001.md")).unwrap();
        let second = Command::new(bin())
            .args(["build", "-q"])
            .current_dir(site.path())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for mut child in [first, second] {
            assert!(child.wait().unwrap().success());
        }
        // Whichever ran last wrote a complete output of the content it read:
        // the folder equals a fresh build of one of the two versions.
        let out = tree(&site.out());
        assert_every_feed_is_whole(&site, &format!("round {round}"), &mut BTreeMap::new());
        let fresh = tempfile::tempdir().unwrap();
        run_in(
            site.path(),
            &["build", "-q", "--out", fresh.path().to_str().unwrap()],
        )
        .assert_code(0);
        let b = tree(fresh.path());
        site.post(
            "posts/p001.md",
            &format!("title: Round {round} A\ndate: 2024-03-01\ntags: [a{round}]"),
            "x",
        );
        let fresh_a = tempfile::tempdir().unwrap();
        run_in(
            site.path(),
            &["build", "-q", "--out", fresh_a.path().to_str().unwrap()],
        )
        .assert_code(0);
        let a = tree(fresh_a.path());
        assert!(
            out == a || out == b,
            "round {round}: the output is a mix of two runs"
        );
        site.post(
            "posts/p001.md",
            &format!("title: Round {round} B\ndate: 2024-03-01\ntags: [b{round}]"),
            "x",
        );
    }
}

/// A small tmpfs mounted on `dir` for the life of the value (needs root;
/// `None` where mounting is not allowed).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn skip_without_mount() {
    eprintln!("skipped: mounting a tmpfs needs root (run the tests as root to include this one)");
}

#[test]
fn a_full_disk_fails_clearly_and_leaves_whole_feeds() {
    let site = Site::new();
    site.post("a.md", "title: A\ndate: 2024-01-01\ntags: [x]", "short");
    let Some(_disk) = Tmpfs::mount(&site.out(), "96k") else {
        return skip_without_mount();
    };
    site.build(&["-q"]).assert_code(0);
    let before = tree(&site.out());
    // Now the feeds need far more than 96 KiB.
    for i in 0..40 {
        site.post(
            &format!("p{i}.md"),
            &format!("title: P{i}\ndate: 2024-02-01\ntags: [x, t{i}]"),
            &"Text that takes room. ".repeat(400),
        );
    }
    let run = site.build(&[]);
    run.assert_code(1);
    run.assert_stderr_has("cannot write the feeds");
    run.assert_stderr_has("No space left on device");
    let after = tree(&site.out());
    assert!(
        !after.keys().any(|k| k.ends_with(".tmp")),
        "{:?}",
        after.keys()
    );
    // Every file that was there is still a whole feed (old or new).
    for rel in before
        .keys()
        .filter(|k| k.ends_with("rss.xml") || k.ends_with("feed.json"))
    {
        let bytes = &after[rel];
        assert!(
            feed_rs::parser::parse(bytes.as_slice()).is_ok(),
            "{rel} is broken"
        );
    }
}

#[test]
fn a_read_only_output_folder_fails_clearly_and_changes_nothing() {
    let site = Site::new();
    site.post("a.md", "title: A\ndate: 2024-01-01\ntags: [x]", "x");
    let Some(disk) = Tmpfs::mount(&site.out(), "1m") else {
        return skip_without_mount();
    };
    site.build(&["-q"]).assert_code(0);
    let before = tree(&site.out());
    disk.remount_read_only();
    site.post("a.md", "title: A edited\ndate: 2024-01-01\ntags: [y]", "x");
    let run = site.build(&[]);
    run.assert_code(1);
    run.assert_stderr_has("cannot write the feeds");
    run.assert_stderr_has("Read-only file system");
    assert_eq!(tree(&site.out()), before);
}
