//! PyTorch zip checkpoints as `torch.save` writes them, and hostile ones: names that
//! climb out of the extraction folder, too many entries, no or two `data.pkl`, a
//! decompression bomb, storages missing or too short. Each knows the error it must give.

use model_files_api::ArchiveLimits;
use rand::Rng;
use rand::rngs::StdRng;

use super::pickles::{Generated, STORAGES, benign, malicious};
use super::zipfile::{deflated_zeros, stored};

/// One archive entry before writing.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Zeros after `bytes`, deflated (a bomb); 0 for a stored entry.
    pub zeros: u64,
}

/// Limits generous enough for every valid generated checkpoint.
pub fn limits() -> ArchiveLimits {
    ArchiveLimits {
        max_entries: 64,
        max_pickle_bytes: 1 << 20,
    }
}

/// Writes the members as a zip archive.
pub fn write(members: &[Member]) -> Vec<u8> {
    let entries: Vec<_> = members
        .iter()
        .map(|m| match m.zeros {
            0 => stored(&m.name, &m.bytes),
            zeros => deflated_zeros(&m.name, &m.bytes, zeros),
        })
        .collect();
    super::zipfile::write(&entries)
}

/// The members of a checkpoint holding `pickle` under `prefix`: its `data.pkl`, one
/// entry per storage, big enough for every reference to it, `version` and `byteorder`.
pub fn members(pickle: &Generated, prefix: &str) -> Vec<Member> {
    let mut out = vec![Member {
        name: format!("{prefix}/data.pkl"),
        bytes: pickle.bytes.clone(),
        zeros: 0,
    }];
    for s in &pickle.storages {
        let size = STORAGES
            .iter()
            .find(|(ty, _)| format!("torch.{ty}") == s.storage_type)
            .map_or(1, |&(_, size)| size);
        out.push(Member {
            name: format!("{prefix}/data/{}", s.key),
            bytes: vec![0x3f; (s.numel * size) as usize],
            zeros: 0,
        });
    }
    out.push(Member {
        name: format!("{prefix}/byteorder"),
        bytes: b"little".to_vec(),
        zeros: 0,
    });
    out.push(Member {
        name: format!("{prefix}/version"),
        bytes: b"3\n".to_vec(),
        zeros: 0,
    });
    out
}

/// A checkpoint and what a scan must say about it.
#[derive(Clone)]
pub struct Case {
    pub archive: Vec<u8>,
    pub limits: ArchiveLimits,
    pub prefix: String,
    pub pickle: Generated,
    /// The error kind a scan must give (`CheckpointError::kind`), `None` for a report.
    pub error: Option<&'static str>,
    pub recipe: String,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "{} ({} bytes, expecting {:?}, pickle: {:?})",
            self.recipe,
            self.archive.len(),
            self.error,
            self.pickle
        )
    }
}

/// The hostile archives, by what is wrong with them.
pub const HOSTILE: [&str; 9] = [
    "UnsafePath",
    "TooManyEntries",
    "NoPickle",
    "SeveralPickles",
    "PickleTooLarge",
    "Bomb",
    "Pickle",
    "MissingStorage",
    "ShortStorage",
];

const UNSAFE_NAMES: [&str; 8] = [
    "../evil.py",
    "{p}/../../etc/cron.d/x",
    "/etc/passwd",
    "{p}/data/..",
    "{p}\\..\\..\\x",
    "{p}//data.pkl",
    "./{p}/x",
    "{p}/data/./0",
];

/// A valid checkpoint (benign or malicious pickle inside), by seed.
pub fn valid(seed: u64) -> Case {
    let mut rng: StdRng = rand::SeedableRng::seed_from_u64(seed);
    let pickle = if rng.random_bool(0.7) {
        benign(rng.random())
    } else {
        malicious(rng.random())
    };
    let prefix = ["archive", "model", "resnet18_weights"][rng.random_range(0..3)].to_owned();
    let mut m = members(&pickle, &prefix);
    for i in (1..m.len()).rev() {
        m.swap(i, rng.random_range(0..=i));
    }
    Case {
        archive: write(&m),
        limits: limits(),
        prefix,
        recipe: "a checkpoint".into(),
        pickle,
        error: None,
    }
}

/// A checkpoint with one thing wrong (`what`, one of [`HOSTILE`]); `None` when this seed's
/// checkpoint cannot carry it (no storage to remove or shorten).
pub fn hostile(seed: u64, what: &'static str) -> Option<Case> {
    let mut rng: StdRng = rand::SeedableRng::seed_from_u64(seed ^ 0x686f_7374);
    let pickle = benign(rng.random());
    let prefix = "archive".to_owned();
    let mut m = members(&pickle, &prefix);
    let mut limits = limits();
    let storage_entries: Vec<usize> = (0..m.len())
        .filter(|&i| m[i].name.contains("/data/"))
        .collect();
    let recipe;
    let error = match what {
        "UnsafePath" => {
            let name =
                UNSAFE_NAMES[rng.random_range(0..UNSAFE_NAMES.len())].replace("{p}", &prefix);
            recipe = format!("an entry named {name:?}");
            m.insert(
                rng.random_range(0..=m.len()),
                Member {
                    name,
                    bytes: b"import os; os.system('id')".to_vec(),
                    zeros: 0,
                },
            );
            "UnsafePath"
        }
        "TooManyEntries" => {
            limits.max_entries = m.len() as u64 - 1;
            recipe = format!("{} entries, at most {}", m.len(), limits.max_entries);
            "TooManyEntries"
        }
        "NoPickle" => {
            m.remove(0);
            if rng.random_bool(0.5) {
                m.push(Member {
                    name: format!("{prefix}/nested/data.pkl"),
                    bytes: pickle.bytes.clone(),
                    zeros: 0,
                });
            }
            recipe = "no <prefix>/data.pkl".into();
            "NoPickle"
        }
        "SeveralPickles" => {
            m.push(Member {
                name: "other/data.pkl".into(),
                bytes: pickle.bytes.clone(),
                zeros: 0,
            });
            recipe = "a second data.pkl".into();
            "SeveralPickles"
        }
        "PickleTooLarge" => {
            limits.max_pickle_bytes = rng.random_range(0..pickle.bytes.len() as u64);
            recipe = format!("data.pkl over a cap of {}", limits.max_pickle_bytes);
            "PickleTooLarge"
        }
        "Bomb" => {
            m[0].zeros = 16 << 20;
            recipe = "data.pkl deflated from 16 MiB of zeros".into();
            "PickleTooLarge"
        }
        "Pickle" => {
            // Cut inside the last pickle, so that no whole pickle is left at the end.
            let keep = rng.random_range(pickle.last_start + 1..pickle.bytes.len());
            m[0].bytes.truncate(keep);
            recipe = format!("data.pkl cut to {keep} bytes");
            "Pickle"
        }
        "MissingStorage" => {
            if storage_entries.is_empty() {
                return None;
            }
            let i = storage_entries[rng.random_range(0..storage_entries.len())];
            recipe = format!("no entry {}", m[i].name);
            m.remove(i);
            "MissingStorage"
        }
        "ShortStorage" => {
            let nonempty: Vec<usize> = storage_entries
                .into_iter()
                .filter(|&i| !m[i].bytes.is_empty())
                .collect();
            if nonempty.is_empty() {
                return None;
            }
            let i = nonempty[rng.random_range(0..nonempty.len())];
            let cut = rng.random_range(1..=m[i].bytes.len());
            let keep = m[i].bytes.len() - cut;
            m[i].bytes.truncate(keep);
            recipe = format!("{} short by {cut} bytes", m[i].name);
            "ShortStorage"
        }
        _ => return None,
    };
    Some(Case {
        archive: write(&m),
        limits,
        prefix,
        pickle,
        error: Some(error),
        recipe,
    })
}
