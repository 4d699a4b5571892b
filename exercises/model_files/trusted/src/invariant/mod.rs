//! The model-files exercise's reference-free properties, one file per task. An exported
//! screen lets a candidate run these, so no file here uses the reference: only the
//! property framework, the api crate, the generators of `crate::hostile` and libraries.

pub mod checkpoint_scan;
pub mod hostile;
pub mod load;
pub mod pickle_scan;
pub mod safetensors_header;
pub mod save;

use model_files_api::ModelFiles;

use mldrill_pack::Property;

/// The implementation trait the properties check.
pub type Files = dyn ModelFiles;

/// The reference-free properties, in task order.
pub fn properties() -> Vec<Property<Files>> {
    let mut all = safetensors_header::properties();
    all.extend(load::properties());
    all.extend(save::properties());
    all.extend(pickle_scan::properties());
    all.extend(checkpoint_scan::properties());
    all
}
