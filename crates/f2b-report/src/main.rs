fn main() -> std::process::ExitCode {
    f2b_core::cli::main(f2b_report::run)
}
