//! Every property passes against the reference reached through the wire: the proxy
//! encodes each call, the server decodes it and answers with the reference, and the proxy
//! checks and decodes the reply, all in this process (a loopback transport).

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use mldrill_runner::Transport;
use mldrill_runner::server::Service;
use model_files_trusted::properties;
use model_files_trusted::reference::Reference;
use model_files_wire::{Call, Remote, Reply, Server, decode_reply_bytes, encode_call};

struct Loopback(RefCell<Server>);

impl Transport for Loopback {
    fn call(&self, call: Vec<u8>) -> Vec<u8> {
        self.0
            .borrow_mut()
            .call(&call, &mut std::io::empty())
            .expect("the server decodes every call the proxy encodes")
    }

    fn call_reading(&self, call: Vec<u8>, input: &mut dyn Read) -> Vec<u8> {
        self.0.borrow_mut().call(&call, input).expect("decodes")
    }

    fn call_batch(&self, calls: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        calls.into_iter().map(|c| self.call(c)).collect()
    }

    fn call_quietly(&self, call: Vec<u8>) -> Option<Vec<u8>> {
        Some(self.call(call))
    }
}

fn remote() -> Remote {
    Remote::new(Rc::new(Loopback(RefCell::new(Server::new(Reference)))))
}

#[test]
fn every_property_passes_through_the_wire() {
    let imp = remote();
    let mut failures = Vec::new();
    for p in properties() {
        if let Err(f) = p.run(&imp, 7, 32) {
            failures.push(format!("{}: {}", p.id, f.reason));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_stored_file_loads_to_its_digest_and_copies() {
    let mut server = Server::new(Reference);
    let mut file = 16u64.to_le_bytes().to_vec();
    file.extend_from_slice(br#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#);
    let header_len = file.len() - 8;
    file[..8].copy_from_slice(&(header_len as u64).to_le_bytes());
    file.extend_from_slice(&[1, 2, 3, 4]);
    let mut ask = |call: &Call| {
        decode_reply_bytes(
            &server
                .call(&encode_call(call), &mut std::io::empty())
                .unwrap(),
        )
        .unwrap()
    };
    let (head, tail) = file.split_at(5);
    for chunk in [head, tail] {
        assert!(matches!(
            ask(&Call::Store {
                handle: 3,
                chunk: serde_bytes::ByteBuf::from(chunk.to_vec())
            }),
            Reply::Stored
        ));
    }
    let Reply::Digests(d) = ask(&Call::LoadStored {
        handle: 3,
        probes: vec![0, 500_000, 999_999],
    }) else {
        panic!("not a digest")
    };
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].name.as_str(), d[0].kind.as_str()), ("a", "Uint8"));
    assert_eq!(d[0].probed, [1, 3, 4]);
}
