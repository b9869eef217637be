//! The `custos` command: parses options and hands over to the library.

fn main() -> std::process::ExitCode {
    custos::cli::main()
}
