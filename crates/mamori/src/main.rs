//! The `mamori` command: runs the server and offers the administration and offline tools.

fn main() -> std::process::ExitCode {
    mamori::run()
}
