//! Glyphs: a procedural image dataset (ten classes of small drawn symbols, deterministic
//! per seed) and the small network trained on it with tch. Trusted packs build on it: the
//! poison exercise plants a backdoor in it, the evasion exercise attacks the trained model.
//! Nothing here is secret: a candidate's process may link it to rebuild a model it is sent.

pub mod glyphs;
pub mod model;
