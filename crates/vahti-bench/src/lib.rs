//! Whole-system benchmarks of Vahti.
//!
//! Each scenario measures one figure of the running daemon together with a baseline measured in
//! the same run on the same machine, such as a raw diesel insert of the same rows or a bare
//! lettre send loop to the same SMTP server. The ratio of the two is the figure to compare
//! between machines; the absolute numbers depend on the machine and its load.

pub mod daemon;
pub mod load;
pub mod raw;
pub mod report;
pub mod rss;
pub mod scenarios;
pub mod seed;
pub mod sink;
