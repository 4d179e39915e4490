//! The fuzz target's body, run on stable over a few awkward inputs so CI compiles and exercises
//! it even where libFuzzer cannot be built.

#[path = "../../fuzz/fuzz_targets/parse_report_body.rs"]
mod parse_report_body;

#[test]
fn the_fuzz_body_survives_awkward_inputs() {
    let seed = std::fs::read(super::fixture("notification-delays-html.md")).expect("fixture");
    let pipe = std::fs::read(super::fixture("cache-outage-gfm.md")).expect("fixture");
    let lists = std::fs::read(super::fixture("realworld/lists.md")).expect("fixture");
    let links = std::fs::read(super::fixture("realworld/seed-status-links.md")).expect("fixture");
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\xff\xfe".to_vec(),
        b"## Action Items\n<table><tr><td>".to_vec(),
        b"## Action Items\n\n|a|\n|-|\n|b|".to_vec(),
        b"---\n: : :\n---\n## Action Items\n".to_vec(),
        [&[3u8, 200, 7, 1, 0][..], &seed].concat(),
        [&[9u8, 1, 2, 3, 4, 5, 6][..], &pipe].concat(),
        [&[4u8, 1, 0, 1, 2, 1, 3, 3, 0, 2, 4, 1, 0][..], &lists].concat(),
        [&[3u8, 1, 1, 0, 1, 0, 2, 2, 0, 5][..], &links].concat(),
        b"\x02\x01\x00\x00\x02\x01\x01## Action Items\n\n> - [ ] a\n>   b\n> - [x] c \xc2\xb7 *Done*\n".to_vec(),
    ];
    for input in inputs {
        parse_report_body::run(&input);
    }
}

/// Inputs the fuzzer once crashed on, kept in `tests/fixtures/fuzz/`.
#[test]
fn the_fuzz_body_survives_past_crashes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("fuzz fixtures") {
        let input = std::fs::read(entry.expect("entry").path()).expect("read");
        parse_report_body::run(&input);
        seen += 1;
    }
    assert!(seen > 0);
}
