//! The wire in one process: a [`Remote`] whose transport hands each call straight to a
//! [`Server`] answers as the implementation behind the server does, models and errors
//! included; a reply of the wrong kind fails the call with a clear reason.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use mldrill_runner::Transport;
use mldrill_runner::envelope::encode;
use mldrill_runner::server::Service;
use privacy_api::{DpConfig, Mlp, Privacy, PrivacyError};
use privacy_wire::{Remote, Reply, Server};
use tch::{Kind, Tensor};

/// A transport that is a server in the same process.
struct Loopback(RefCell<Box<dyn Service>>);

impl Transport for Loopback {
    fn call(&self, call: Vec<u8>) -> Vec<u8> {
        self.0
            .borrow_mut()
            .call(&call, &mut std::io::empty())
            .expect("decodable")
    }
    fn call_reading(&self, call: Vec<u8>, _input: &mut dyn Read) -> Vec<u8> {
        self.call(call)
    }
    fn call_batch(&self, calls: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        calls.into_iter().map(|c| self.call(c)).collect()
    }
    fn call_quietly(&self, call: Vec<u8>) -> Option<Vec<u8>> {
        Some(self.call(call))
    }
}

/// A small fixed implementation, to see every method's answer cross.
struct Fixed;

fn model(scale: f32) -> Mlp {
    let t = |shape: &[i64]| Tensor::ones(shape, (Kind::Float, tch::Device::Cpu)) * f64::from(scale);
    Mlp {
        fc1_weight: t(&[3, 2]),
        fc1_bias: t(&[3]),
        fc2_weight: t(&[2, 3]),
        fc2_bias: t(&[2]),
    }
}

impl Privacy for Fixed {
    fn loss_scores(&self, m: &Mlp, x: &Tensor, y: &Tensor) -> Result<Vec<f64>, PrivacyError> {
        Ok(vec![
            m.numel() as f64,
            x.size()[0] as f64,
            y.size()[0] as f64,
        ])
    }
    fn calibrated_scores(
        &self,
        _: &Mlp,
        r: &[Mlp],
        _: &Tensor,
        _: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        Ok(vec![r.len() as f64])
    }
    fn roc_auc(&self, s: &[f64], _: &[bool]) -> Result<f64, PrivacyError> {
        Err(PrivacyError::NotFinite { index: s.len() })
    }
    fn tpr_at_fpr(&self, _: &[f64], _: &[bool], fpr: f64) -> Result<f64, PrivacyError> {
        Ok(fpr / 2.0)
    }
    fn dp_sgd_step(
        &self,
        _: &Mlp,
        _: &Tensor,
        _: &Tensor,
        clip: f64,
        _: f64,
        _: u64,
    ) -> Result<Mlp, PrivacyError> {
        Ok(model(clip as f32))
    }
    fn train_private(
        &self,
        init: &Mlp,
        _: &Tensor,
        _: &Tensor,
        c: &DpConfig,
        _: u64,
    ) -> Result<Mlp, PrivacyError> {
        if c.batch_size == 0 {
            return Err(PrivacyError::InvalidSetting {
                reason: "zero".into(),
            });
        }
        Ok(init.detached_copy())
    }
}

fn remote(service: Box<dyn Service>) -> Remote {
    Remote::new(Rc::new(Loopback(RefCell::new(service))))
}

#[test]
fn every_method_crosses_with_its_answer() {
    let r = remote(Box::new(Server::new(Fixed)));
    let x = Tensor::zeros([4, 2], (Kind::Float, tch::Device::Cpu));
    let y = Tensor::zeros([4], (Kind::Int64, tch::Device::Cpu));
    assert_eq!(r.loss_scores(&model(1.0), &x, &y), Ok(vec![17.0, 4.0, 4.0]));
    assert_eq!(
        r.calibrated_scores(&model(1.0), &[model(1.0), model(2.0)], &x, &y),
        Ok(vec![2.0])
    );
    assert_eq!(
        r.roc_auc(&[1.0, 2.0], &[true, false]),
        Err(PrivacyError::NotFinite { index: 2 })
    );
    assert_eq!(r.tpr_at_fpr(&[1.0], &[true], 0.5), Ok(0.25));
    let g = r.dp_sgd_step(&model(1.0), &x, &y, 3.0, 0.0, 0).unwrap();
    assert_eq!(f64::try_from(g.fc2_bias.sum(Kind::Double)).unwrap(), 6.0);
    let config = DpConfig {
        clip: 1.0,
        sigma: 1.0,
        batch_size: 0,
        epochs: 1,
        learning_rate: 0.1,
    };
    assert!(matches!(
        r.train_private(&model(1.0), &x, &y, &config, 0),
        Err(PrivacyError::InvalidSetting { .. })
    ));
    let back = r
        .train_private(
            &model(0.5),
            &x,
            &y,
            &DpConfig {
                batch_size: 2,
                ..config
            },
            0,
        )
        .unwrap();
    assert!(back.fc1_weight.equal(&model(0.5).fc1_weight));
}

/// A server that answers every call with scores, whatever was asked.
struct Liar;

impl Service for Liar {
    fn exercise(&self) -> &'static str {
        "privacy"
    }
    fn call(&mut self, _: &[u8], _: &mut dyn Read) -> Result<Vec<u8>, String> {
        Ok(encode(&Reply::Scores(vec![1.0])))
    }
}

#[test]
fn a_reply_of_the_wrong_kind_fails_the_call_with_its_reason() {
    let r = remote(Box::new(Liar));
    let x = Tensor::zeros([1, 2], (Kind::Float, tch::Device::Cpu));
    let y = Tensor::zeros([1], (Kind::Int64, tch::Device::Cpu));
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        r.dp_sgd_step(&model(1.0), &x, &y, 1.0, 0.0, 0)
    }))
    .expect_err("a wrong reply is no answer");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("malformed answer: not a network"),
        "{message}"
    );
}
