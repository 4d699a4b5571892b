//! The dataloader's reference-free properties of the `collate` task: gathering rows into a batch of the right shape and dtype.

use super::*;

pub const DTYPES: [DType; 6] = [
    DType::Float,
    DType::Double,
    DType::Int64,
    DType::Int,
    DType::Uint8,
    DType::Bool,
];

/// A tensor whose rows differ, so a gather of the wrong rows shows.
pub fn make_tensor(shape: &[i64], dtype: DType, salt: i64) -> Tensor {
    let numel: i64 = shape.iter().product();
    let values =
        (Tensor::arange(numel, (DType::Int64, tch::Device::Cpu)) * 7 + salt).remainder(251);
    values.reshape(shape).to_kind(dtype)
}

/// What a collate case is made of; tensors are built from it so counterexamples print small.
#[derive(Debug, Clone)]
pub struct CollateCase {
    pub(crate) dtype: DType,
    pub(crate) samples: i64,
    pub(crate) trailing: Vec<i64>,
    pub(crate) indices: Vec<usize>,
}

pub fn collate_inputs() -> impl Strategy<Value = CollateCase> {
    (0..DTYPES.len(), 1i64..40, vec(1i64..5, 0..3)).prop_flat_map(|(d, samples, trailing)| {
        vec(0..samples as usize, 0..24).prop_map(move |indices| CollateCase {
            dtype: DTYPES[d],
            samples,
            trailing: trailing.clone(),
            indices,
        })
    })
}

pub fn case_tensors(case: &CollateCase) -> (Tensor, Tensor) {
    let mut shape = vec![case.samples];
    shape.extend(&case.trailing);
    let features = make_tensor(&shape, case.dtype, 3);
    let labels = make_tensor(&[case.samples], DType::Int64, 11);
    (features, labels)
}

pub fn describe(t: &Tensor) -> String {
    format!("{:?} tensor of shape {:?}", t.kind(), t.size())
}

pub fn same_tensor(got: &Tensor, expected: &Tensor) -> bool {
    got.size() == expected.size() && got.kind() == expected.kind() && got.equal(expected)
}

pub fn collate_shape_and_dtype(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all(collate_inputs(), |case| {
        let (features, labels) = case_tensors(&case);
        let batch = match imp.collate(&features, &labels, &case.indices) {
            Ok(batch) => batch,
            Err(e) => fail!("collate failed on valid input: {e}"),
        };
        let mut shape = vec![case.indices.len() as i64];
        shape.extend(&case.trailing);
        ensure_eq!(batch.features.size(), shape, "features shape");
        ensure_eq!(batch.features.kind(), features.kind(), "features dtype");
        ensure_eq!(
            batch.labels.size(),
            vec![case.indices.len() as i64],
            "labels shape"
        );
        ensure_eq!(batch.labels.kind(), labels.kind(), "labels dtype");
        Ok(())
    })
}

pub fn collate_rejects_bad_input(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    let planted = vec((any::<prop::sample::Index>(), 0usize..40), 1..4);
    ctx.for_all_named(
        &["case", "extra_labels", "planted"],
        (collate_inputs(), 1i64..5, planted),
        |(case, extra, planted)| {
            let (features, labels) = case_tensors(&case);
            let fewer_labels = make_tensor(&[case.samples + extra], DType::Int64, 0);
            ensure_eq!(
                imp.collate(&features, &fewer_labels, &case.indices)
                    .map(|_| ()),
                Err(LoaderError::ShapeMismatch {
                    features: case.samples,
                    labels: case.samples + extra
                }),
                "collate with {} feature rows and {} labels",
                case.samples,
                case.samples + extra
            );
            // Several out-of-range indices at random places: the first one is reported,
            // not the largest nor the last.
            let mut indices = case.indices.clone();
            for (at, beyond) in planted {
                let position = at.index(indices.len() + 1);
                indices.insert(position, case.samples as usize + beyond);
            }
            let len = case.samples as usize;
            let index = *indices.iter().find(|&&i| i >= len).expect("planted");
            ensure_eq!(
                imp.collate(&features, &labels, &indices).map(|_| ()),
                Err(LoaderError::IndexOutOfRange { index, len }),
                "collate(indices={indices:?}) from {len} samples: the first index out of range"
            );
            let column = labels.unsqueeze(1);
            ensure_eq!(
                imp.collate(&features, &column, &case.indices).map(|_| ()),
                Err(LoaderError::ShapeMismatch {
                    features: case.samples,
                    labels: -1
                }),
                "collate with [{}, 1] labels (labels must be 1-D)",
                case.samples
            );
            let scalar = make_tensor(&[], case.dtype, 0);
            ensure_eq!(
                imp.collate(&scalar, &labels, &case.indices).map(|_| ()),
                Err(LoaderError::ShapeMismatch {
                    features: -1,
                    labels: case.samples
                }),
                "collate with 0-D features (no sample dimension)"
            );
            Ok(())
        },
    )
}
