//! The committed sample: `content/` + `feedsmith.yaml` must reproduce the
//! committed `feeds/` byte for byte, so the sample never drifts from the code.

use std::path::Path;

use crate::common::{run_in, tree};

#[test]
fn building_the_sample_reproduces_the_committed_feeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let out_arg = out.path().to_str().unwrap();
    let run = run_in(
        root,
        &["build", "--config", "feedsmith.yaml", "--out", out_arg],
    );
    run.assert_code(0);
    let built = tree(out.path());
    let committed = tree(&root.join("feeds"));
    assert_eq!(
        built.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "the set of files differs; run `cargo run -- build` and commit feeds/"
    );
    for (rel, bytes) in &built {
        assert!(
            committed[rel] == *bytes,
            "feeds/{rel} differs from a fresh build; run `cargo run -- build` and commit feeds/"
        );
    }
}

#[test]
fn the_sample_is_warning_free_and_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = run_in(root, &["build", "--strict", "--check"]);
    run.assert_code(0);
    run.assert_stderr_has("feeds is up to date");
    run.assert_stderr_has("18 feeds, 6 posts used, 2 skipped: 1 draft, 1 future");
}
