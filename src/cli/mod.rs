//! The command line: [`args`] (clap), [`config`] (args -> validated
//! [`PipelineConfig`](crate::pipeline::PipelineConfig)) and [`progress`]
//! (bars or log lines on stderr), and [`shard`] (`scour plan` and `scour
//! stage`). Only built with the `cli` feature.

pub mod args;
pub mod config;
pub mod progress;
pub mod shard;
