//! The `mamori` command: runs the server and offers the administration and offline tools.

/// jemalloc rather than the C library's allocator: the server's hot path (parse a line into
/// JSON maps, match it, store it, free it) is bound by allocation. Measured on 2 cores with
/// alternating runs: Windows events parsed and matched ~15 % faster (`cargo bench -p
/// mamori-detect`), `mamori bench ingest --detect` ~13 % faster (75-78k against 65-70k
/// events/s), for ~3 MiB more resident memory idle and ~18 MiB more at peak under that load;
/// mimalloc was as fast but doubled resident memory.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    mamori::run()
}
