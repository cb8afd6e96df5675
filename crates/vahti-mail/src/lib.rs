//! Debtor-facing email for Vahti: the render model, templates in Finnish, Swedish and English,
//! payment codes in mail, MIME assembly, and delivery over SMTP or into files.

pub mod example;
pub mod format;
mod locale;
pub mod model;
pub mod overrides;
pub mod qr;
pub mod render;

pub use locale::Locale;
