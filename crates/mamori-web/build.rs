//! The message catalogs in `locales/` are read at compile time by `rust_i18n::i18n!`, which
//! cannot tell Cargo about them: say it here, so changing a message rebuilds the crate.

fn main() {
    println!("cargo:rerun-if-changed=locales");
}
