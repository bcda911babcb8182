//! Tests of the disk sink: manifests, comparisons with the disk, removals.

use super::*;
use crate::feed::Pieces;

/// The record is believed when it knows a file with the parts'
/// fingerprint (here, falsely: a file changed behind the record's back
/// with its identity kept, which writing cannot do); a fingerprint it
/// does not know, even for the very bytes on disk, sends the comparison
/// back to the bytes, and the record learns the new fingerprint.
#[test]
fn the_record_settles_a_comparison_only_when_it_knows_the_fingerprint() {
    let out = tempfile::tempdir().unwrap();
    let site = tempfile::tempdir().unwrap();
    let id = crate::disk::record::written(out.path(), "f", b"on disk");
    let record = Record::load(site.path(), out.path()).trusting_at_once();
    record.found("f", id, 7);
    let produced: BTreeSet<String> = ["f".to_owned()].into_iter().collect();
    record.save(site.path(), &produced).unwrap();

    let record = Record::load(site.path(), out.path()).trusting_at_once();
    let other = &[Piece::Bytes(b"elsewise"[..7].as_ref())];
    assert_eq!(
        change_on_disk(out.path(), "f", other, Some((&record, 7))),
        None
    );
    assert_eq!(
        change_on_disk(out.path(), "f", other, Some((&record, 8))),
        Some(Change::Update)
    );
    assert_eq!(
        change_on_disk(
            out.path(),
            "f",
            &pieces(&[b"on ", b"disk"], false),
            Some((&record, 9))
        ),
        None
    );
    assert_eq!(record.vouched(), 1);
    record.save(site.path(), &produced).unwrap();
    let record = Record::load(site.path(), out.path());
    assert_eq!(record.vouch("f", &id), Some(9));
}

/// A run killed after writing some feeds and before its manifest (here:
/// a sink dropped without `finish`) must leave them listed, so that the
/// next complete run removes those it no longer produces.
#[test]
fn feeds_are_listed_in_the_manifest_before_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), &[("a/rss.xml", "a")]);
    {
        let mut killed = DiskSink::new(dir.path(), false, |_: &[Diagnostic]| true);
        assert!(killed.proceed(&[]));
        hand(&mut killed, "b/rss.xml", b"b");
        killed.flush();
        assert!(dir.path().join("b/rss.xml").is_file());
    }
    let listed = previous_files(dir.path());
    assert!(
        listed.contains("a/rss.xml") && listed.contains("b/rss.xml"),
        "{listed:?}"
    );
    let (changes, unchanged) = build(dir.path(), &[("a/rss.xml", "a")]);
    assert_eq!(
        changes,
        [
            (MANIFEST.to_owned(), Change::Update),
            ("b/rss.xml".to_owned(), Change::Remove)
        ]
    );
    assert_eq!(unchanged, 1);
    assert!(!dir.path().join("b").exists());
    assert_eq!(previous_files(dir.path()).len(), 1);
}

/// Feeds are compared with the disk in chunks through one buffer, piece
/// by piece: a difference anywhere, in any chunk or piece, must count,
/// however the bytes are cut into pieces.
#[test]
fn comparing_with_the_disk_sees_every_byte() {
    let dir = tempfile::tempdir().unwrap();
    let long: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("f"), &long).unwrap();
    let open = || std::fs::File::open(dir.path().join("f")).unwrap();
    for hashed in [false, true] {
        let whole = |bytes: &[u8]| reads_as(open(), &pieces(&[bytes], hashed), bytes.len());
        // Cut at chunk edges, in the middle, into empty and one-byte
        // pieces; when `hashed`, every other piece is known only by its
        // length and hash (an item whose bytes were not kept).
        let cuts = |bytes: &[u8]| {
            let at = [0, 1, 1, 8_000, 262_143, 262_144, 262_145, 699_999];
            let mut parts = Vec::new();
            let mut from = 0;
            for to in at.into_iter().filter(|&to| to <= bytes.len()) {
                parts.push(&bytes[from..to]);
                from = to;
            }
            parts.push(&bytes[from..]);
            reads_as(open(), &pieces(&parts, hashed), bytes.len())
        };
        assert!(whole(&long));
        assert!(cuts(&long));
        assert!(whole(&long[..1000]), "a prefix is compared as such");
        assert!(cuts(&long[..1000]), "a prefix is compared as such");
        for at in [0, 1000, 256 * 1024 - 1, 256 * 1024, 600_000, long.len() - 1] {
            let mut other = long.clone();
            other[at] ^= 1;
            assert!(!whole(&other), "difference at {at} (hashed: {hashed})");
            assert!(
                !cuts(&other),
                "difference at {at}, in pieces (hashed: {hashed})"
            );
        }
        let mut longer = long.clone();
        longer.push(0);
        assert!(!whole(&longer), "the file ends too soon");
        assert!(!cuts(&longer), "the file ends too soon, in pieces");
        assert!(
            !reads_as(open(), &pieces(&[&long[..10]], hashed), 20),
            "the pieces end before the bytes asked for"
        );
        let on_disk = |rel: &str, parts: &[&[u8]]| {
            change_on_disk(dir.path(), rel, &pieces(parts, hashed), None)
        };
        assert_eq!(on_disk("f", &[&long]), None);
        assert_eq!(on_disk("f", &[&long[..5], &long[5..]]), None);
        assert_eq!(on_disk("f", &[&long[1..]]), Some(Change::Update));
        assert_eq!(
            on_disk("f", &[&long[..5], &long[6..], &[0]]),
            Some(Change::Update),
            "same length, one byte moved"
        );
        assert_eq!(on_disk("g", &[&long]), Some(Change::Create));
    }
}

/// `parts` as pieces: bytes, or when `hashed` every other one (the
/// first included) only by its length and hash.
fn pieces<'a>(parts: &[&'a [u8]], hashed: bool) -> Vec<Piece<'a>> {
    parts
        .iter()
        .enumerate()
        .map(|(n, part)| match hashed && n % 2 == 0 {
            true => Piece::Hashed {
                len: part.len(),
                hash: crate::feed::hash(part),
            },
            false => Piece::Bytes(part),
        })
        .collect()
}

/// Hands a file to `sink`, as a rebuild does.
fn hand(sink: &mut DiskSink<'_>, path: &str, bytes: &[u8]) {
    sink.file(path, bytes.to_vec(), Pieces::from(bytes).fingerprint());
}

/// A full build of `entries` into `dir` (with their manifest) through a
/// `DiskSink`: its changes, in path order, and how many were unchanged.
fn build(dir: &Path, entries: &[(&str, &str)]) -> (Vec<(String, Change)>, usize) {
    let mut sink = DiskSink::new(dir, false, |_: &[Diagnostic]| true);
    assert!(sink.proceed(&[]));
    for (path, bytes) in entries {
        hand(&mut sink, path, bytes.as_bytes());
    }
    let mut names: Vec<&str> = entries.iter().map(|(p, _)| *p).collect();
    names.sort();
    sink.finish(&[], true, Some(&manifest(&names))).unwrap();
    let mut changes = sink.changes.clone();
    changes.sort();
    (changes, sink.unchanged)
}

/// A run stopped while writing leaves its mark, and the next run (even
/// one with nothing to write) removes the temporary files it may have
/// left; a run that ends leaves no mark, and one that writes nothing
/// makes none.
#[test]
fn temporary_files_of_a_stopped_run_are_removed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    build(out, &[("a/rss.xml", "a")]);
    assert!(!out.join(WRITING).exists());
    // While a sink writes, the mark is there.
    let mut sink = DiskSink::new(out, false, |_: &[Diagnostic]| true);
    assert!(sink.proceed(&[]));
    hand(&mut sink, "a/rss.xml", b"a2");
    sink.flush();
    assert!(out.join(WRITING).exists());
    sink.finish(&[], true, Some(&manifest(&["a/rss.xml"])))
        .unwrap();
    assert!(!out.join(WRITING).exists());
    drop(sink);
    // What a run stopped halfway leaves: its mark and temporary files.
    std::fs::write(out.join(WRITING), "").unwrap();
    let temps = [
        out.join(".feedsmith-x1.tmp"),
        out.join("a/.feedsmith-x2.tmp"),
    ];
    for temp in &temps {
        std::fs::write(temp, "half a feed").unwrap();
    }
    let mine = out.join("a/notes.tmp");
    std::fs::write(&mine, "not feedsmith's").unwrap();
    let (changes, unchanged) = build(out, &[("a/rss.xml", "a2")]);
    assert_eq!(
        (changes, unchanged),
        (vec![], 2),
        "the feed and the manifest"
    );
    for temp in &temps {
        assert!(!temp.exists(), "{}", temp.display());
    }
    assert!(mine.exists());
    assert!(!out.join(WRITING).exists());
}

#[test]
fn writes_then_finds_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let f = [("rss.xml", "a"), ("tags/x/rss.xml", "b")];
    let (changes, _) = build(dir.path(), &f);
    assert_eq!(changes.len(), 3);
    assert!(changes.iter().all(|(_, c)| *c == Change::Create));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tags/x/rss.xml")).unwrap(),
        "b"
    );
    assert_eq!(build(dir.path(), &f), (vec![], 3));
}

#[test]
fn removes_only_its_own_stale_files_and_emptied_folders() {
    let dir = tempfile::tempdir().unwrap();
    build(
        dir.path(),
        &[
            ("rss.xml", "a"),
            ("tags/x/rss.xml", "b"),
            ("tags/y/rss.xml", "c"),
        ],
    );
    std::fs::write(dir.path().join("tags/y/mine.txt"), "user file").unwrap();
    std::fs::write(dir.path().join("CNAME"), "user file").unwrap();

    let (changes, _) = build(dir.path(), &[("rss.xml", "a2")]);
    assert!(changes.contains(&("tags/x/rss.xml".into(), Change::Remove)));
    assert!(changes.contains(&("rss.xml".into(), Change::Update)));
    assert!(
        !dir.path().join("tags/x").exists(),
        "emptied folder removed"
    );
    assert!(
        dir.path().join("tags/y/mine.txt").exists(),
        "user file kept"
    );
    assert!(!dir.path().join("tags/y/rss.xml").exists());
    assert!(dir.path().join("CNAME").exists());
}

#[test]
fn a_tampered_manifest_cannot_delete_outside() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("feeds");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(parent.path().join("precious"), "x").unwrap();
    std::fs::write(out.join(MANIFEST), "../precious\n/etc/passwd\n").unwrap();
    let (changes, _) = build(&out, &[("rss.xml", "a")]);
    assert!(changes.iter().all(|(_, c)| *c != Change::Remove));
    assert!(parent.path().join("precious").exists());
}

#[test]
fn leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    write_atomic(&dir.path().join("a.xml"), b"x").unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["a.xml"]);
}

#[test]
fn a_rebuild_lists_its_new_feeds_before_writing_them() {
    // `b/rss.xml` cannot be written (a folder is in the way), so the
    // rebuild fails while writing; whatever it created by then must be
    // listed already, and the stale `old/rss.xml` is gone.
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), &[("old/rss.xml", "o")]);
    std::fs::create_dir_all(dir.path().join("b/rss.xml")).unwrap();
    let mut sink = DiskSink::new(dir.path(), false, |_: &[Diagnostic]| true);
    assert!(sink.proceed(&[]));
    hand(&mut sink, "a/rss.xml", b"a");
    hand(&mut sink, "b/rss.xml", b"b");
    let listed = manifest(&["a/rss.xml", "b/rss.xml"]);
    assert!(sink.finish(&[], true, Some(&listed)).is_err());
    let on_disk = previous_files(dir.path());
    assert_eq!(
        on_disk.into_iter().collect::<Vec<_>>(),
        ["a/rss.xml", "b/rss.xml"]
    );
    assert!(!dir.path().join("old").exists());
}

#[test]
fn a_folder_in_the_way_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rss.xml")).unwrap();
    let e = write_atomic(&dir.path().join("rss.xml"), b"x").unwrap_err();
    assert!(e.to_string().contains("folder is in the way"));
}

/// The writer of a first build: a run killed while it writes (a sink
/// dropped without `finish`) leaves every file it may have made listed,
/// since the manifest lists them all before the first is made; a file
/// given in pieces is written whole; pieces without bytes are not taken;
/// and the files it took count as written once the sink finishes.
#[test]
fn the_writer_lists_every_file_first_and_writes_pieces_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let paths = ["a/rss.xml".to_owned(), "b/rss.xml".to_owned()];
    {
        let mut killed = DiskSink::new(&out, false, |_: &[Diagnostic]| true);
        assert!(killed.proceed(&[]));
        let write = killed.writer(&paths).expect("a new folder gets a writer");
        assert!(write(
            "a/rss.xml",
            &pieces(&[b"one ", b"", b"two"], false),
            1
        ));
        assert!(!write("b/rss.xml", &pieces(&[b"x", b"y"], true), 2));
    }
    assert_eq!(std::fs::read(out.join("a/rss.xml")).unwrap(), b"one two");
    assert!(!out.join("b/rss.xml").exists());
    let listed: Vec<String> = previous_files(&out).into_iter().collect();
    assert_eq!(listed, paths);

    // The folder now has a manifest: a build over it gets no writer, and
    // removes the file the killed run made and this one does not.
    let (changes, _) = build(&out, &[("b/rss.xml", "b")]);
    assert!(changes.contains(&("a/rss.xml".to_owned(), Change::Remove)));

    let fresh = dir.path().join("fresh");
    let mut sink = DiskSink::new(&fresh, false, |_: &[Diagnostic]| true);
    assert!(sink.proceed(&[]));
    let write = sink.writer(&paths[..1]).unwrap();
    assert!(write("a/rss.xml", &pieces(&[b"a"], false), 3));
    sink.finish(&[], true, Some(&manifest(&["a/rss.xml"])))
        .unwrap();
    assert_eq!(sink.written(), 2, "{:?}", sink.changes);
    assert!(sink.produced.contains("a/rss.xml"));
    assert!(!fresh.join(WRITING).exists());
}

/// `--check` writes nothing, so it gets no writer.
#[test]
fn a_check_gets_no_writer() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = DiskSink::new(dir.path(), true, |_: &[Diagnostic]| true);
    assert!(sink.proceed(&[]));
    assert!(sink.writer(&["a/rss.xml".to_owned()]).is_none());
}

/// A write the writer cannot make (a folder in the way) is the sink's
/// error when it finishes, as a failed write of a handed-over file is.
#[test]
fn a_failed_direct_write_is_the_sinks_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/rss.xml")).unwrap();
    let mut sink = DiskSink::new(dir.path(), false, |_: &[Diagnostic]| true);
    assert!(sink.proceed(&[]));
    let write = sink.writer(&["a/rss.xml".to_owned()]).unwrap();
    assert!(write("a/rss.xml", &pieces(&[b"a"], false), 1));
    let e = sink
        .finish(&[], true, Some(&manifest(&["a/rss.xml"])))
        .unwrap_err();
    assert!(e.to_string().contains("folder is in the way"), "{e}");
}
