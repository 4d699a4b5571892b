//! Reporters over the one result model of [`crate::grade`]: a table for people and a
//! versioned JSON document for machines.

pub mod human;
pub mod json;
