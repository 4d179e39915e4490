//! Fuzz target: arbitrary bytes as a report, then arbitrary edits; nothing may panic.
#![no_main]

mod parse_report_body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| parse_report_body::run(data));
