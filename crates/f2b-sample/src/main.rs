//! f2b-sample: sample data for the demo, tests and benchmarks.
fn main() -> std::process::ExitCode {
    f2b_core::cli::main(f2b_sample::run)
}
