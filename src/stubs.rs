//! Pristine stubs: every exercise keeps the original text of its candidate crate's `src/`
//! in `exercises/<id>/.stub/`, so that `mldrill reset` can restore it without version
//! control. The learner's files are copied aside under `.mldrill/saved/` first.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::catalog::Exercise;

/// The folder, inside an exercise's folder, that holds the pristine copy of `src/`.
pub const PRISTINE_DIR: &str = ".stub";

/// Files by path relative to the tree's folder.
pub type Tree = BTreeMap<PathBuf, Vec<u8>>;

/// Why a stub could not be restored.
#[derive(Debug, thiserror::Error)]
pub enum StubError {
    #[error(
        "exercise '{exercise}' has no pristine stub ({} is missing); restore its src/ from version control, e.g. `git checkout -- exercises/{exercise}/src`",
        dir.display()
    )]
    Missing { exercise: String, dir: PathBuf },
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StubError {
    let path = path.to_owned();
    move |source| StubError::Io {
        action,
        path,
        source,
    }
}

/// The exercise's pristine `src/` tree.
pub fn pristine(exercise: &Exercise) -> Result<Tree, StubError> {
    let dir = exercise.dir.join(PRISTINE_DIR);
    if !dir.is_dir() {
        return Err(StubError::Missing {
            exercise: exercise.id.clone(),
            dir,
        });
    }
    read_tree(&dir).map_err(io_error("read", &dir))
}

/// The learner's current `src/` tree (empty when the folder is gone).
pub fn current(exercise: &Exercise) -> Result<Tree, StubError> {
    let dir = exercise.dir.join("src");
    if !dir.exists() {
        return Ok(Tree::new());
    }
    read_tree(&dir).map_err(io_error("read", &dir))
}

/// Every regular file under `dir`, recursively; symbolic links are skipped.
pub fn read_tree(dir: &Path) -> io::Result<Tree> {
    let mut tree = Tree::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                tree.insert(path, fs::read(entry.path())?);
            }
        }
    }
    Ok(tree)
}

/// Copies the learner's `src/` to a new folder `.mldrill/saved/<id>-<UTC time>/` of the
/// workspace and returns it.
pub fn save_aside(root: &Path, exercise: &Exercise, files: &Tree) -> Result<PathBuf, StubError> {
    let stamp: String = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let saved = root.join(".mldrill").join("saved");
    let mut dir = saved.join(format!("{}-{stamp}", exercise.id));
    for n in 2.. {
        if !dir.exists() {
            break;
        }
        dir = saved.join(format!("{}-{stamp}-{n}", exercise.id));
    }
    for (path, bytes) in files {
        let to = dir.join(path);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(io_error("create", parent))?;
        }
        fs::write(&to, bytes).map_err(io_error("write", &to))?;
    }
    fs::create_dir_all(&dir).map_err(io_error("create", &dir))?;
    Ok(dir)
}

/// The newest copy [`save_aside`] made of the exercise's files, if any: the folder names
/// carry the UTC time (and a counter), so the greatest name is the newest.
pub fn latest_saved(root: &Path, exercise: &Exercise) -> Option<PathBuf> {
    let prefix = format!("{}-", exercise.id);
    fs::read_dir(root.join(".mldrill").join("saved"))
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|k| k.is_dir()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stamp = name.strip_prefix(&prefix)?;
            stamp
                .starts_with(|c: char| c.is_ascii_digit())
                .then(|| e.path())
        })
        .max_by(|a, b| natural_key(a).cmp(&natural_key(b)))
}

/// `<id>-<stamp>` and `<id>-<stamp>-<n>` ordered by stamp, then by `n` as a number.
fn natural_key(path: &Path) -> (String, u64) {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match name.rsplit_once('-') {
        Some((head, n)) if head.contains('T') && n.bytes().all(|b| b.is_ascii_digit()) => {
            (head.to_owned(), n.parse().unwrap_or(0))
        }
        _ => (name, 1),
    }
}

/// Makes the exercise's `src/` hold exactly `pristine`: files are rewritten in place (so
/// an editor keeps its buffers), and files and folders the stub does not have are removed.
pub fn restore(exercise: &Exercise, pristine: &Tree) -> Result<(), StubError> {
    let src = exercise.dir.join("src");
    for (path, bytes) in pristine {
        let to = src.join(path);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(io_error("create", parent))?;
        }
        if fs::read(&to).is_ok_and(|old| &old == bytes) {
            continue;
        }
        fs::write(&to, bytes).map_err(io_error("write", &to))?;
    }
    remove_extra(&src, Path::new(""), pristine)?;
    Ok(())
}

/// Removes what under `src/relative` is not in `keep`; returns whether the folder is empty.
fn remove_extra(src: &Path, relative: &Path, keep: &Tree) -> Result<bool, StubError> {
    let dir = src.join(relative);
    let mut empty = true;
    for entry in fs::read_dir(&dir).map_err(io_error("read", &dir))? {
        let entry = entry.map_err(io_error("read", &dir))?;
        let path = relative.join(entry.file_name());
        let full = entry.path();
        let is_dir = entry.file_type().is_ok_and(|k| k.is_dir());
        if is_dir && remove_extra(src, &path, keep)? {
            fs::remove_dir(&full).map_err(io_error("remove", &full))?;
        } else if !is_dir && !keep.contains_key(&path) {
            fs::remove_file(&full).map_err(io_error("remove", &full))?;
        } else {
            empty = false;
        }
    }
    Ok(empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise_in(dir: &Path) -> Exercise {
        let text = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises/dataloader/exercise.toml"),
        )
        .unwrap();
        let mut exercise: Exercise = toml::from_str(&text).unwrap();
        exercise.dir = dir.to_owned();
        exercise
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn a_multi_file_tree_is_saved_aside_whole_and_restored_exactly() {
        let root = tempfile::tempdir().unwrap();
        let exercise = exercise_in(&root.path().join("exercises/dataloader"));
        let dir = &exercise.dir;
        write(&dir.join(".stub/lib.rs"), "mod shuffle;\n// stub\n");
        write(&dir.join(".stub/shuffle.rs"), "// shuffle stub\n");
        write(
            &dir.join("src/lib.rs"),
            "mod shuffle;\nmod extra;\n// mine\n",
        );
        write(&dir.join("src/extra.rs"), "// my helper\n");
        write(&dir.join("src/nested/deep.rs"), "// deeper\n");

        let mine = current(&exercise).unwrap();
        let saved = save_aside(root.path(), &exercise, &mine).unwrap();
        assert!(saved.starts_with(root.path().join(".mldrill/saved")));
        assert_eq!(read_tree(&saved).unwrap(), mine, "every file is kept aside");

        let stub = pristine(&exercise).unwrap();
        restore(&exercise, &stub).unwrap();
        assert_eq!(current(&exercise).unwrap(), stub);
        assert!(!dir.join("src/nested").exists(), "emptied folders go too");

        let again = save_aside(root.path(), &exercise, &stub).unwrap();
        assert_ne!(
            again, saved,
            "a second reset never overwrites the first copy"
        );
    }

    #[test]
    fn the_latest_saved_copy_is_the_newest_of_this_exercise_only() {
        let root = tempfile::tempdir().unwrap();
        let exercise = exercise_in(&root.path().join("exercises/dataloader"));
        assert_eq!(latest_saved(root.path(), &exercise), None);
        let saved = root.path().join(".mldrill/saved");
        for name in [
            "dataloader-20261201T100000Z",
            "dataloader-20261201T120000Z",
            "dataloader-20261201T120000Z-2",
            "dataloader-20261201T120000Z-10",
            "dataloader2-20991201T120000Z",
            "ngram-20991201T120000Z",
        ] {
            fs::create_dir_all(saved.join(name)).unwrap();
        }
        assert_eq!(
            latest_saved(root.path(), &exercise),
            Some(saved.join("dataloader-20261201T120000Z-10"))
        );
    }

    #[test]
    fn a_missing_pristine_copy_says_how_to_recover() {
        let root = tempfile::tempdir().unwrap();
        let exercise = exercise_in(&root.path().join("exercises/dataloader"));
        let message = pristine(&exercise).unwrap_err().to_string();
        assert!(
            message.contains(".stub") && message.contains("git checkout"),
            "{message}"
        );
    }
}
