//! The grader's own front line, end to end through `mldrill grade`: a hostile archive
//! cannot blow up the CLI's memory, candidate text comes out inert in every report format,
//! gzip streams of several members are read, dropped entries are listed with a reason, and
//! a bad seed says what a seed is. None of these submissions gets as far as a build (the
//! intake or the source policy stops them), so the tests are quick and every child this
//! binary starts is an `mldrill` process (the peak memory below is the largest of them).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::{grading_cache, repo};

/// Runs `mldrill` on the checkout, with the test's grading cache.
fn mldrill(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .arg("--root")
        .arg(repo())
        .args(args)
        .env("MLDRILL_CACHE", grading_cache())
        .env_remove("MLDRILL_ROOT")
        .output()
        .unwrap()
}

/// A tar entry: its path (any bytes but NUL), its type, its contents (a link's target).
struct Entry<'a>(&'a [u8], tar::EntryType, &'a [u8]);

fn tar_of(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for Entry(path, kind, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(*kind);
        header.set_mode(0o644);
        let path = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(path);
        if kind.is_symlink() {
            header.set_size(0);
            builder
                .append_link(&mut header, path, std::str::from_utf8(data).unwrap())
                .unwrap();
        } else {
            header.set_size(data.len() as u64);
            builder.append_data(&mut header, path, *data).unwrap();
        }
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The largest resident size any child of this test process reached, in MiB (the kernel's
/// own account, from `getrusage(RUSAGE_CHILDREN)`).
fn children_peak_mib() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap();
    usage.max_rss() as f64 / 1024.0 // kilobytes on Linux
}

const MIB: usize = 1 << 20;
const PEAK_LIMIT_MIB: f64 = 256.0;

/// 1,200 sources of 1 MiB each (the archive): as a zip whose entries are one
/// compressed entry copied, and as a tar.gz.
fn many_large_sources(dir: &Path) -> (PathBuf, PathBuf) {
    let source = vec![b' '; MIB];
    let one = {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_level(Some(9));
        zip.start_file("one.rs", options).unwrap();
        zip.write_all(&source).unwrap();
        zip.finish().unwrap().into_inner()
    };
    let mut one = zip::ZipArchive::new(std::io::Cursor::new(one)).unwrap();
    let zip_path = dir.join("many.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&zip_path).unwrap());
    for i in 0..1200 {
        let entry = one.by_index(0).unwrap();
        zip.raw_copy_file_rename(entry, format!("exercises/dataloader/src/f{i:04}.rs"))
            .unwrap();
    }
    zip.finish().unwrap();

    let tgz_path = dir.join("many.tgz");
    let file = fs::File::create(&tgz_path).unwrap();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::fast(),
    ));
    for i in 0..1200 {
        let mut header = tar::Header::new_gnu();
        header.set_size(source.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(
                &mut header,
                format!("exercises/dataloader/src/f{i:04}.rs"),
                &source[..],
            )
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap();
    (zip_path, tgz_path)
}

/// A tar.gz whose first entry is a GNU long name of 200 MB (0.9 MB compressed): the tar
/// reader would hold the whole name in memory.
fn long_name_bomb(dir: &Path) -> PathBuf {
    let path = dir.join("long-name.tgz");
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    let name_len = 200 * MIB;
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::GNULongName);
    header.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
    header.set_size(name_len as u64);
    header.set_cksum();
    gz.write_all(header.as_bytes()).unwrap();
    let chunk = vec![b'a'; MIB];
    for _ in 0..name_len / MIB {
        gz.write_all(&chunk).unwrap();
    }
    gz.write_all(&[0; 1024]).unwrap();
    gz.finish().unwrap();
    path
}

#[test]
fn an_archive_of_many_large_sources_keeps_the_cli_small() {
    let dir = tempfile::tempdir().unwrap();
    let (zip, tgz) = many_large_sources(dir.path());
    let zip_size = fs::metadata(&zip).unwrap().len();
    assert!(zip_size < 2 * MIB as u64, "the zip is {zip_size} bytes");
    let bomb = long_name_bomb(dir.path());
    let output = mldrill(&["grade".as_ref(), bomb.as_os_str()]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("a tar long name or PAX header of 209715200 bytes"),
        "{stdout}"
    );
    for archive in [&zip, &tgz] {
        let json = dir.path().join("grade.json");
        let output = mldrill(&[
            "grade".as_ref(),
            archive.as_os_str(),
            "--json".as_ref(),
            json.as_os_str(),
        ]);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let report: Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
        let error = find_submission(&report)["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error in {report:#}"))
            .to_owned();
        assert!(
            error.contains("more than 16 MiB of candidate sources"),
            "{error}"
        );
    }
    let peak = children_peak_mib();
    println!(
        "peak resident memory of `mldrill grade` on 1,200 x 1 MiB sources (a {:.1} MB zip, a \
         {:.1} MB tar.gz) and a 200 MB long name (a {:.1} MB tar.gz): {peak:.0} MiB",
        zip_size as f64 / 1e6,
        fs::metadata(&tgz).unwrap().len() as f64 / 1e6,
        fs::metadata(&bomb).unwrap().len() as f64 / 1e6
    );
    assert!(
        peak < PEAK_LIMIT_MIB,
        "peak {peak:.0} MiB, limit {PEAK_LIMIT_MIB}"
    );
}

/// Text a candidate controls, built to fool each format: ANSI escapes that clear the
/// screen and retitle the terminal, a carriage return, a Markdown heading, a fake grade,
/// an HTML comment that would hide the rest of a scorecard, a spreadsheet formula.
const INJECTION: &str =
    "\x1b[2J\r# Fake heading\n- automatic grade: **110 / 110** points\n<!-- =cmd|' /C calc'!A0";

/// The one submission of a `--json` report.
fn find_submission(report: &Value) -> &Value {
    report["submissions"]
        .get(0)
        .unwrap_or_else(|| panic!("no submission in {report:#}"))
}

#[test]
fn candidate_text_comes_out_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    // The submission's own name is candidate text too (a batch takes whatever files it is
    // given); a formula first, for the CSV.
    let name = "=HYPERLINK(\"x\") # Fake heading <!-- \x1b[31m 110 of 110.tgz";
    let archive = dir.path().join(name);
    let injected_file = format!("exercises/dataloader/src/{INJECTION}.rs");
    let tar = tar_of(&[
        Entry(
            b"exercises/dataloader/src/lib.rs",
            tar::EntryType::Regular,
            b"pub fn f() {}",
        ),
        Entry(
            injected_file.as_bytes(),
            tar::EntryType::Regular,
            b"pub fn g() { unsafe {} }",
        ),
        Entry(
            format!("exercises/dataloader/src/{INJECTION}-link.rs").as_bytes(),
            tar::EntryType::Symlink,
            b"lib.rs",
        ),
    ]);
    fs::write(&archive, gzip(&tar)).unwrap();
    let [json, markdown, csv, junit] =
        ["grade.json", "scorecard.md", "grades.csv", "junit.xml"].map(|f| dir.path().join(f));
    let output = mldrill(&[
        "grade".as_ref(),
        archive.as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
        "--markdown".as_ref(),
        markdown.as_os_str(),
        "--csv".as_ref(),
        csv.as_os_str(),
        "--junit".as_ref(),
        junit.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");

    // Every report: no raw control character from the candidate.
    let terminal = String::from_utf8(output.stdout.clone()).unwrap();
    for (format, bytes) in [
        ("terminal", output.stdout.clone()),
        ("json", fs::read(&json).unwrap()),
        ("markdown", fs::read(&markdown).unwrap()),
        ("csv", fs::read(&csv).unwrap()),
        ("junit", fs::read(&junit).unwrap()),
    ] {
        let raw: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(|b| (*b < 0x20 && *b != b'\n') || *b == 0x7f)
            .collect();
        assert!(raw.is_empty(), "{format} carries raw {raw:?}");
    }

    // Terminal: the escapes are visible, and no line of candidate text starts a line of
    // the report.
    assert!(terminal.contains("\\u{1b}[2J"), "{terminal}");
    assert!(terminal.contains("REJECTED"), "{terminal}");
    for line in terminal.lines() {
        assert!(
            !line.starts_with("- automatic grade") && !line.starts_with("<!--"),
            "a line of candidate text: {line:?}\n{terminal}"
        );
    }

    // Markdown: the real headings only, one grade, no HTML comment, no bold fake grade.
    let scorecard = fs::read_to_string(&markdown).unwrap();
    for line in scorecard.lines().filter(|l| l.starts_with('#')) {
        // The title quotes the submission's (escaped) name; no other heading holds
        // candidate text.
        assert!(
            line.starts_with("# Scorecard: ")
                || (!line.contains("Fake heading")
                    && (line.starts_with("## ") || line.starts_with("### "))),
            "a heading that is not the scorecard's: {line:?}"
        );
    }
    // The grade at the top and the one the rating form carries: both the real one.
    let grades: Vec<&str> = scorecard
        .lines()
        .filter(|l| l.starts_with("- automatic grade"))
        .collect();
    assert_eq!(grades.len(), 2, "{scorecard}");
    for line in grades {
        assert!(
            line.contains("0 / 110") && !line.contains("110 / 110"),
            "{line}"
        );
    }
    assert!(!scorecard.contains("**110 / 110**"), "{scorecard}");
    for (at, _) in scorecard.match_indices("<!--") {
        assert!(
            scorecard[..at].ends_with('\\'),
            "an HTML comment opens at byte {at}:\n{scorecard}"
        );
    }
    assert!(scorecard.contains("\\# Fake heading"), "{scorecard}");

    // CSV: no cell starts a formula.
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0][0].starts_with("'=HYPERLINK"), "{:?}", rows[0]);
    for cell in rows[0].iter() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a formula cell: {cell:?}"
        );
    }

    // JSON: the candidate's text exactly, JSON-escaped, for machines to handle.
    let report: Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    let submission = find_submission(&report);
    assert_eq!(submission["submission"], name);
    let policy = &submission["exercises"][0]["policy"];
    assert_eq!(
        policy[0]["file"].as_str().unwrap(),
        injected_file,
        "{submission:#}"
    );
    let ignored = submission["ignored"].to_string();
    assert!(ignored.contains("link, not followed"), "{ignored}");
}

#[test]
fn a_gzip_stream_of_several_members_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("members.tgz");
    // Both files break the policy, so nothing is built; the second member's file is only
    // listed when the second member is read.
    let tar = tar_of(&[
        Entry(
            b"exercises/dataloader/src/lib.rs",
            tar::EntryType::Regular,
            b"pub mod second;\npub fn f() { unsafe {} }",
        ),
        Entry(
            b"exercises/dataloader/src/second.rs",
            tar::EntryType::Regular,
            b"pub fn g() { unsafe {} }",
        ),
    ]);
    // The first entry is a 512-byte header and one 512-byte block.
    let mut members = gzip(&tar[..1024]);
    members.extend(gzip(&tar[1024..]));
    fs::write(&archive, members).unwrap();
    let json = dir.path().join("grade.json");
    let output = mldrill(&[
        "grade".as_ref(),
        archive.as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    let files: Vec<&str> = find_submission(&report)["exercises"][0]["policy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "exercises/dataloader/src/lib.rs",
            "exercises/dataloader/src/second.rs"
        ]
    );
}

#[test]
fn dropped_entries_are_listed_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("dropped.tgz");
    let tar = tar_of(&[
        Entry(
            b"exercises/dataloader/src/lib.rs",
            tar::EntryType::Regular,
            b"pub fn f() { unsafe {} }",
        ),
        Entry(
            b"exercises\\dataloader\\src\\win.rs",
            tar::EntryType::Regular,
            b"pub fn w() {}",
        ),
        Entry(
            b"exercises/dataloader/src/\xff.rs",
            tar::EntryType::Regular,
            b"pub fn u() {}",
        ),
        Entry(
            b"exercises/dataloader/src/pipe.rs",
            tar::EntryType::Fifo,
            b"",
        ),
        Entry(
            b"exercises/dataloader/src/tty.rs",
            tar::EntryType::Char,
            b"",
        ),
        Entry(
            b"exercises/dataloader/src/link.rs",
            tar::EntryType::Symlink,
            b"lib.rs",
        ),
    ]);
    fs::write(&archive, gzip(&tar)).unwrap();
    let json = dir.path().join("grade.json");
    let output = mldrill(&[
        "grade".as_ref(),
        archive.as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
    ]);
    let terminal = String::from_utf8(output.stdout).unwrap();
    let report: Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    let ignored: Vec<&str> = find_submission(&report)["ignored"]
        .as_array()
        .unwrap_or_else(|| panic!("nothing ignored in {report:#}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for reason in [
        "win.rs (a `\\` in its path; separate folders with `/`)",
        "\u{fffd}.rs (its name is not UTF-8)",
        "pipe.rs (not a regular file: a FIFO)",
        "tty.rs (not a regular file: a character device)",
        "link.rs (link, not followed)",
    ] {
        assert!(
            ignored.iter().any(|i| i.ends_with(reason)),
            "{reason:?} not in {ignored:#?}"
        );
        assert!(
            terminal.contains(reason),
            "{reason:?} not in the terminal report:\n{terminal}"
        );
    }
}

#[test]
fn a_seed_out_of_range_says_seeds_are_unsigned() {
    for seed in ["-1", "18446744073709551616"] {
        let output = mldrill(&[
            "check".as_ref(),
            "dataloader".as_ref(),
            "--seed".as_ref(),
            seed.as_ref(),
        ]);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains("seeds are unsigned 64-bit integers"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// Ways around the source policy found in review, each graded as a submission: rejected
/// with the construct named, and never built.
#[test]
fn policy_bypasses_found_in_review_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("generic_args_path", "4: `std::fs` is not allowed"),
        ("generic_args_path", "8: `std::process` is not allowed"),
        ("macro_glued_path", "10: `::fs` is not allowed"),
    ];
    let mut paths = Vec::new();
    for name in ["generic_args_path", "macro_glued_path"] {
        let src = dir.path().join(name).join("exercises/dataloader/src");
        fs::create_dir_all(&src).unwrap();
        fs::copy(
            repo().join(format!("tests/fixtures/submissions/{name}.rs")),
            src.join("lib.rs"),
        )
        .unwrap();
        paths.push(dir.path().join(name));
    }
    let json = dir.path().join("grade.json");
    let mut args: Vec<&std::ffi::OsStr> = vec!["grade".as_ref()];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    args.extend(["--json".as_ref(), json.as_os_str()]);
    let output = mldrill(&args);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    for (name, reason) in cases {
        let submission = report["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["submission"] == name)
            .unwrap();
        let exercise = &submission["exercises"][0];
        let statuses: Vec<&str> = exercise["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["status"].as_str().unwrap())
            .collect();
        assert!(
            statuses.iter().all(|s| *s == "rejected"),
            "{name}: {statuses:?}"
        );
        let found: Vec<String> = exercise["policy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| format!("{}: {}", v["line"], v["reason"].as_str().unwrap()))
            .collect();
        assert!(
            found.iter().any(|f| f.starts_with(reason)),
            "{name}: {reason:?} not in {found:?}"
        );
    }
}
