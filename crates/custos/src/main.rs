//! The `custos` command: parses options and hands over to the library.

/// mimalloc instead of the C library's allocator: glibc keeps an arena per thread that touched
/// the heap (up to eight per core) and gives little of it back, so the server's memory crept up
/// with every burst of writes (256 MiB after the benchmark's POS mix at 10,000 customers; see
/// BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    custos::cli::main()
}
