//! The Vahti daemon `vahtid`.

fn main() {}
