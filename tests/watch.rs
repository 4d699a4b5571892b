//! `mldrill watch` as a person uses it: in a pseudo-terminal, the stub is edited (saved by
//! renaming a new file into place, as many editors do), and the screen is read back
//! through a terminal emulator; keys ask for a hint, the list, and quit. Without a
//! terminal, keys come as lines and the end of input quits.
//!
//! Both tests work in the shared warm grading slot (as `tests/boundary.rs` does), so the
//! runner is rebuilt only for the edited candidate crate, never from cold in a new target
//! folder.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mldrill::workspace::{Slot, Sources};
use portable_pty::{CommandBuilder, PtySize};

mod common;
use common::{grading_cache, repo};

/// A pristine workspace in slot 0 with no saved progress; the slot stays locked while the
/// test holds it.
fn pristine_slot() -> Slot {
    let slot = Slot::acquire(&grading_cache(), 0).unwrap();
    slot.prepare(repo(), &Sources::new()).unwrap();
    let _ = fs::remove_dir_all(slot.workspace().join(".mldrill"));
    slot
}

/// The arguments and environment of a watch of the dataloader in `slot`: the slot's own
/// target folder, and libtorch as every other build of the tests names it.
fn watch_args(slot: &Slot) -> (Vec<String>, Vec<(&'static str, PathBuf)>) {
    let args = [
        "--root",
        slot.workspace().to_str().unwrap(),
        "watch",
        "dataloader",
        "--seed",
        "7",
        "--cases",
        "32",
    ]
    .map(str::to_owned)
    .to_vec();
    let env = vec![
        ("CARGO_TARGET_DIR", slot.target_dir()),
        ("LIBTORCH", repo().join(".libtorch")),
    ];
    (args, env)
}

/// The stub with `batch_indices` implemented by `body`.
fn with_batching(stub: &str, body: &str) -> String {
    let todo = "        let _ = (n, batch_size, drop_last);\n        todo!(\"task batching\")";
    assert!(stub.contains(todo), "the stub's batch_indices changed");
    stub.replace(todo, body)
}

/// Saves like an editor that writes a new file and renames it over the old one.
fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("rs.tmp");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, path).unwrap();
}

/// Keeps every chunk of batching, the last short one too, even with drop_last.
const IGNORES_DROP_LAST: &str = "        if batch_size == 0 {
            return Err(LoaderError::InvalidBatchSize);
        }
        let order: Vec<usize> = (0..n).collect();
        Ok(order.chunks(batch_size).map(<[usize]>::to_vec).collect())";

const BATCHES: &str = "        if batch_size == 0 {
            return Err(LoaderError::InvalidBatchSize);
        }
        let order: Vec<usize> = (0..n).collect();
        Ok(order
            .chunks(batch_size)
            .filter(|c| !drop_last || c.len() == batch_size)
            .map(<[usize]>::to_vec)
            .collect())";

/// A terminal emulator fed by the pseudo-terminal.
struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn row(&self, starts_with: &str) -> Option<String> {
        self.text()
            .lines()
            .find(|l| l.trim_start().starts_with(starts_with))
            .map(str::to_owned)
    }

    /// Waits until `ready` holds for the screen; the limit only stops a hung test (a cold
    /// slot compiles libtorch's bindings first).
    fn wait_for(&self, what: &str, ready: impl Fn(&Screen) -> bool) {
        let limit = Instant::now() + Duration::from_secs(30 * 60);
        while !ready(self) {
            assert!(
                Instant::now() < limit,
                "the screen never showed {what}:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn watch_in_a_terminal_redraws_on_save_and_answers_keys() {
    let slot = pristine_slot();
    let lib_rs = slot.workspace().join("exercises/dataloader/src/lib.rs");
    let stub = fs::read_to_string(&lib_rs).unwrap();

    let pty = portable_pty::native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let (args, env) = watch_args(&slot);
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_mldrill"));
    command.args(&args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.env("TERM", "xterm-256color");
    command.env_remove("MLDRILL_ROOT");
    command.cwd(slot.workspace());
    let mut child = pty.slave.spawn_command(command).unwrap();
    drop(pty.slave);

    let parser = Arc::new(Mutex::new(vt100::Parser::new(40, 120, 0)));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let fed = Arc::clone(&parser);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            fed.lock().unwrap().process(&buf[..n]);
        }
    });
    let mut keys = pty.master.take_writer().unwrap();
    let mut press = |key: &[u8]| {
        keys.write_all(key).unwrap();
        keys.flush().unwrap();
    };
    let screen = Screen { parser };

    screen.wait_for("the untouched stub checked", |s| {
        s.text().contains("check #1")
            && s.row("batching")
                .is_some_and(|r| r.contains("not implemented"))
    });
    assert!(screen.text().contains("mldrill watch · dataloader"));
    assert!(screen.text().contains("q quit"));

    save_by_rename(&lib_rs, &with_batching(&stub, IGNORES_DROP_LAST));
    screen.wait_for("batching failing with a counterexample", |s| {
        s.row("batching").is_some_and(|r| r.contains("FAIL"))
            && s.text().contains("minimal counterexample:")
    });
    let text = screen.text();
    assert!(text.contains("FAIL batching/"), "{text}");
    let example = screen.row("minimal counterexample:").unwrap();
    assert!(
        example.trim_end().ends_with("drop_last = true"),
        "the shrunk (n, batch_size, drop_last) needs drop_last: {example}"
    );

    save_by_rename(&lib_rs, &with_batching(&stub, BATCHES));
    screen.wait_for("batching passing", |s| {
        s.row("batching").is_some_and(|r| r.contains("pass"))
    });
    assert!(screen.row("shuffle").unwrap().contains("not implemented"));
    assert!(!screen.text().contains("minimal counterexample:"));

    press(b"h");
    screen.wait_for("the first hint of the next task", |s| {
        s.text().contains("hint 1/3 for dataloader/shuffle")
    });
    press(b"l");
    screen.wait_for("the exercise list with progress", |s| {
        s.row("dataloader").is_some_and(|r| r.contains("1/6"))
    });
    press(b"q");
    let status = child.wait().unwrap();
    assert_eq!(status.exit_code(), 1, "not every task passes yet");

    let progress = fs::read_to_string(slot.workspace().join(".mldrill/progress.json")).unwrap();
    let progress: serde_json::Value = serde_json::from_str(&progress).unwrap();
    assert_eq!(progress["tasks"]["dataloader/batching"]["status"], "pass");
    assert_eq!(
        progress["tasks"]["dataloader/shuffle"]["status"],
        "not_implemented"
    );
    assert_eq!(progress["hints"]["dataloader/shuffle"], 1);
}

#[test]
fn watch_without_a_terminal_reads_keys_as_lines_and_stops_at_the_end_of_input() {
    let slot = pristine_slot();
    let (args, env) = watch_args(&slot);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mldrill"))
        .args(&args)
        .envs(env)
        .env_remove("MLDRILL_ROOT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"h\n").unwrap(); // then the end of input
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}'),
        "no escape codes in a pipe: {stdout}"
    );
    let last = stdout
        .split("mldrill watch · ")
        .last()
        .expect("at least one frame");
    assert!(last.contains("check #1"), "{last}");
    let row = last
        .lines()
        .find(|l| l.trim_start().starts_with("batching"))
        .unwrap_or_else(|| panic!("the last frame shows the tasks: {last}"));
    assert!(row.contains("not implemented"), "{row}");
    assert!(
        stdout.contains("hint 1/3 for dataloader/batching"),
        "{stdout}"
    );
}
