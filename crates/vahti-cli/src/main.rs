//! The vahti command-line tool.

fn main() {}
