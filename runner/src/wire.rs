//! Tensors and matrices on the wire: dtype, shape and little-endian bytes, checked for
//! consistency before anything is built from them (the other side may be hostile).

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use tch::{Kind, Tensor};

/// A CPU tensor: its dtype's name, its shape and its contiguous bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireTensor {
    pub kind: String,
    pub shape: Vec<i64>,
    pub data: ByteBuf,
}

/// The dtypes that cross the pipe.
const KINDS: [Kind; 10] = [
    Kind::Uint8,
    Kind::Int8,
    Kind::Int16,
    Kind::Int,
    Kind::Int64,
    Kind::Half,
    Kind::Float,
    Kind::Double,
    Kind::Bool,
    Kind::BFloat16,
];

impl WireTensor {
    /// Copies `tensor`'s elements (moved to the CPU, made contiguous).
    pub fn from_tensor(tensor: &Tensor) -> Result<Self, String> {
        let kind = tensor.kind();
        if !KINDS.contains(&kind) {
            return Err(format!("a tensor of dtype {kind:?} cannot be sent"));
        }
        let tensor = tensor.to_device(tch::Device::Cpu).contiguous();
        let numel = tensor.numel();
        let mut data = vec![0u8; numel * kind.elt_size_in_bytes()];
        tensor.copy_data_u8(&mut data, numel);
        Ok(Self {
            kind: format!("{kind:?}"),
            shape: tensor.size(),
            data: ByteBuf::from(data),
        })
    }

    /// Builds the tensor, after checking that the shape and the bytes agree.
    pub fn to_tensor(&self) -> Result<Tensor, String> {
        let kind = KINDS
            .into_iter()
            .find(|k| format!("{k:?}") == self.kind)
            .ok_or_else(|| format!("unknown dtype {:?}", self.kind))?;
        let numel = self.shape.iter().try_fold(1usize, |n, &d| {
            usize::try_from(d).ok().and_then(|d| n.checked_mul(d))
        });
        let bytes = numel.and_then(|n| n.checked_mul(kind.elt_size_in_bytes()));
        if bytes != Some(self.data.len()) {
            return Err(format!(
                "a tensor of shape {:?} and dtype {kind:?} cannot hold {} bytes",
                self.shape,
                self.data.len()
            ));
        }
        Ok(Tensor::from_data_size(&self.data, &self.shape, kind))
    }
}

/// Numbers a matrix holds on the wire.
pub trait Element: Copy + Default {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(bytes: &[u8]) -> Self;
}

impl Element for f32 {
    const SIZE: usize = 4;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> Self {
        f32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }
}

impl Element for f64 {
    const SIZE: usize = 8;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> Self {
        f64::from_le_bytes(bytes.try_into().expect("8 bytes"))
    }
}

/// A row-major matrix of `f32` or `f64`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireMatrix {
    pub rows: usize,
    pub cols: usize,
    pub data: ByteBuf,
}

impl WireMatrix {
    pub fn from_view<T: Element>(view: ArrayView2<T>) -> Self {
        let (rows, cols) = view.dim();
        let mut data = Vec::with_capacity(rows * cols * T::SIZE);
        for &x in view.iter() {
            x.put(&mut data);
        }
        Self {
            rows,
            cols,
            data: ByteBuf::from(data),
        }
    }

    pub fn to_array<T: Element>(&self) -> Result<Array2<T>, String> {
        let expected = self
            .rows
            .checked_mul(self.cols)
            .and_then(|n| n.checked_mul(T::SIZE));
        if expected != Some(self.data.len()) {
            return Err(format!(
                "a {} x {} matrix cannot hold {} bytes",
                self.rows,
                self.cols,
                self.data.len()
            ));
        }
        let values: Vec<T> = self.data.chunks_exact(T::SIZE).map(T::get).collect();
        Array2::from_shape_vec((self.rows, self.cols), values).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_round_trip_with_dtype_and_shape() {
        let t = Tensor::arange(12, (Kind::Int64, tch::Device::Cpu)).reshape([3, 4]);
        let back = WireTensor::from_tensor(&t).unwrap().to_tensor().unwrap();
        assert!(back.equal(&t));
        let b = Tensor::from_slice(&[true, false]);
        assert!(
            WireTensor::from_tensor(&b)
                .unwrap()
                .to_tensor()
                .unwrap()
                .equal(&b)
        );
    }

    #[test]
    fn a_shape_that_disagrees_with_the_bytes_is_refused() {
        let forged = WireTensor {
            kind: "Float".into(),
            shape: vec![1 << 40, 1 << 40],
            data: ByteBuf::from(vec![0u8; 8]),
        };
        assert!(forged.to_tensor().is_err());
        let negative = WireTensor {
            shape: vec![-2],
            ..forged.clone()
        };
        assert!(negative.to_tensor().is_err());
        let matrix = WireMatrix {
            rows: usize::MAX,
            cols: 2,
            data: ByteBuf::new(),
        };
        assert!(matrix.to_array::<f32>().is_err());
    }

    #[test]
    fn matrices_round_trip() {
        let a = ndarray::array![[1.0f32, 2.0], [3.0, f32::NAN]];
        let back: Array2<f32> = WireMatrix::from_view(a.view()).to_array().unwrap();
        assert_eq!(back[[0, 1]], 2.0);
        assert!(back[[1, 1]].is_nan());
    }
}
