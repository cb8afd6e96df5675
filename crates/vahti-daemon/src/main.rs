//! The Vahti daemon.

fn main() {}
