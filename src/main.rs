//! The `pm-sync` binary: parse arguments, run, map the outcome to an exit code.

fn main() -> std::process::ExitCode {
    pm_sync::run(std::env::args_os())
}
