//! Generated model files, valid and hostile, each carrying what a correct reader must
//! say about it. These generators use only the api crate, rand and proptest, never the
//! reference: a screen exports them with the reference-free properties.

pub mod archives;
pub mod files;
pub mod pickles;
pub mod zipfile;
