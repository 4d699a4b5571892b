//! The reference against checkpoints PyTorch 2.13 wrote (`tests/fixtures`, made with
//! `torch.save`): a state dict in pickle protocols 2 and 4 is safe, with its nine storages;
//! a whole pickled module imports its classes and is not; a checkpoint whose object
//! reduces to `os.system("echo pwned")` imports and calls `posix.system`.
//!
//! The fixtures were written by: a `Sequential(Linear(4, 3), BatchNorm1d(3), Linear(3, 2)
//! in bfloat16)`'s state dict plus a `tied` entry sharing `0.weight`, saved with the
//! default protocol (`state_p2.pt`) and `pickle_protocol=4` (`state_p4.pt`); the module
//! itself (`module_p2.pt`); `{'w': torch.ones(2), 'x': Evil()}` where `Evil.__reduce__`
//! returns `(os.system, ("echo pwned",))` (`evil_p2.pt`). Saving runs nothing; loading the
//! last one would.

use model_files_api::{ArchiveLimits, CheckpointReport, Dtype, ModelFiles};
use model_files_trusted::reference::Reference;

fn scan(name: &str) -> CheckpointReport {
    let path = format!("{}/tests/fixtures/{name}.pt", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(path).expect("the fixture is in the repository");
    let limits = ArchiveLimits {
        max_entries: 64,
        max_pickle_bytes: 1 << 20,
    };
    Reference
        .scan_checkpoint(&bytes, &limits)
        .expect("a real checkpoint scans")
}

fn imports(r: &CheckpointReport) -> Vec<String> {
    r.pickle
        .imports
        .iter()
        .map(|i| {
            format!(
                "{}.{}{}",
                i.module,
                i.name,
                if i.called { "()" } else { "" }
            )
        })
        .collect()
}

#[test]
fn a_state_dict_is_safe_in_either_protocol() {
    for name in ["state_p2", "state_p4"] {
        let r = scan(name);
        assert!(r.pickle.safe, "{name}: {:?}", imports(&r));
        assert_eq!(r.prefix, name);
        assert_eq!(
            imports(&r),
            [
                "collections.OrderedDict()",
                "torch._utils._rebuild_tensor_v2()",
                "torch.FloatStorage",
                "torch.LongStorage",
                "torch.BFloat16Storage"
            ]
        );
        let storages: Vec<(Dtype, u64)> = r.storages.iter().map(|s| (s.dtype, s.numel)).collect();
        assert_eq!(storages.len(), 9, "the tied entry shares storage 0");
        assert_eq!(storages[0], (Dtype::F32, 12));
        assert_eq!(storages[6], (Dtype::I64, 1));
        assert_eq!(storages[7], (Dtype::BF16, 6));
        assert!(
            r.storages
                .iter()
                .all(|s| s.stored_bytes == s.numel * s.dtype.size())
        );
    }
}

#[test]
fn a_pickled_module_imports_its_classes() {
    let r = scan("module_p2");
    assert!(!r.pickle.safe);
    let found = imports(&r);
    assert!(
        found.contains(&"torch.nn.modules.container.Sequential()".to_owned()),
        "{found:?}"
    );
    assert!(found.contains(&"__builtin__.set()".to_owned()), "{found:?}");
}

#[test]
fn a_reduce_to_os_system_is_flagged_and_called() {
    let r = scan("evil_p2");
    assert!(!r.pickle.safe);
    assert!(
        imports(&r).contains(&"posix.system()".to_owned()),
        "{:?}",
        imports(&r)
    );
}
