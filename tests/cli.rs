//! The `reel` binary's contract: bad inputs, exit codes, `--version`, and the committed completions and man page.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn reel() -> Command {
    Command::cargo_bin("reel").expect("the reel binary is built for integration tests")
}

/// Deterministic pseudo-random bytes (no extra crate; the same file on every run).
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect()
}

/// Every bad-input case from the issue, made in a temporary directory: (file name, path).
fn bad_inputs(dir: &Path) -> Vec<PathBuf> {
    let p = |name: &str| dir.join(name);
    std::fs::create_dir(p("a-directory")).unwrap();
    std::fs::write(p("empty.mp4"), b"").unwrap();
    std::fs::write(p("random.bin"), noise(64 * 1024, 7)).unwrap();
    std::fs::write(p("text.mp4"), "this is a text file, not a movie\n".repeat(20)).unwrap();
    for (src, name) in [
        ("testdata/av.mp4", "cut-faststart.mp4"),
        ("testdata/vfr.mp4", "cut.mp4"),
    ] {
        let data = std::fs::read(src).unwrap();
        std::fs::write(p(name), &data[..data.len() * 30 / 100]).unwrap();
    }
    [
        "missing.mp4",
        "a-directory",
        "empty.mp4",
        "random.bin",
        "text.mp4",
        "cut-faststart.mp4",
        "cut.mp4",
    ]
    .iter()
    .map(|n| p(n))
    .collect()
}

#[test]
fn each_bad_input_gives_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    for bad in bad_inputs(dir.path()) {
        let out = reel().arg("probe").arg(&bad).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", bad.display());
        assert!(out.stdout.is_empty(), "{}", bad.display());
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "one line for {}: {err}", bad.display());
        assert!(lines[0].starts_with(&format!("reel: {}: ", bad.display())), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_batch_with_bad_inputs_still_prints_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let bad = bad_inputs(dir.path());
    let mut args: Vec<PathBuf> = vec!["testdata/av.mp4".into()];
    args.extend(bad.iter().cloned());
    args.push("testdata/tone.wav".into());

    let out = reel().arg("probe").args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("testdata/av.mp4: mov,mp4"), "{text}");
    assert!(text.contains("testdata/tone.wav: wav"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), bad.len(), "{err}");
    for (line, file) in lines.iter().zip(&bad) {
        assert!(
            line.starts_with(&format!("reel: {}: ", file.display())),
            "in input order: {err}"
        );
    }

    let out = reel().args(["--json", "probe"]).args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["format"]["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["testdata/av.mp4", "testdata/tone.wav"]);
}

#[test]
fn reasons_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    bad_inputs(dir.path());
    let reason = |name: &str| {
        let out = reel().arg("probe").arg(dir.path().join(name)).output().unwrap();
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    assert!(reason("missing.mp4").contains("no such file"));
    assert!(reason("a-directory").contains("is a directory"));
    assert!(reason("empty.mp4").contains("empty file"));
    assert!(reason("cut-faststart.mp4").contains("truncated"));
}

#[test]
fn version_names_libraries_features_and_licence() {
    let out = reel().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("reel {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    for want in [
        "libavcodec 59.",
        "libavformat 59.",
        "features:",
        "licence: GPL-2.0-or-later",
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
}

#[test]
fn usage_errors_exit_2() {
    reel().arg("probe").assert().code(2);
    reel()
        .args(["probe", "--no-such-flag", "testdata/av.mp4"])
        .assert()
        .code(2);
    reel().arg("no-such-subcommand").assert().code(2);
    reel()
        .args(["--progress", "sideways", "probe", "testdata/av.mp4"])
        .assert()
        .code(2);
    // An SRT passphrase libsrt would refuse (under 10 characters), and one without an SRT ingest to apply to.
    let dir = tempfile::tempdir().expect("tempdir");
    let serve = ["serve", dir.path().to_str().expect("path"), "--listen", "127.0.0.1:0"];
    reel()
        .args(serve)
        .args(["--ingest", "srt://127.0.0.1:0", "--srt-passphrase", "short"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("10 to 79 characters"));
    reel()
        .args(serve)
        .args(["--srt-passphrase", "long-enough-secret"])
        .assert()
        .code(2);
    // serve's other flag checks are usage errors too.
    for flags in [
        &["--copy"][..],
        &["--ingest", "rtmp://127.0.0.1:0/live", "--stall-timeout", "0"],
        &["--ingest", "rtmp://127.0.0.1:0/live", "--end-after=-1"],
        &["--ingest", "ftp://127.0.0.1:0"],
        &["--ingest", "srt://127.0.0.1:0/path"],
        &["--ingest", "rtmp://nowhere"],
    ] {
        reel()
            .args(serve)
            .args(flags)
            .assert()
            .code(2)
            .stderr(predicates::str::starts_with("reel: "));
    }
}

/// The committed completions and man page must be what the current binary generates.
#[test]
fn committed_completions_and_man_page_are_current() {
    let cases: [(&[&str], &str); 6] = [
        (&["completions", "bash"], "completions/reel.bash"),
        (&["completions", "zsh"], "completions/_reel"),
        (&["completions", "fish"], "completions/reel.fish"),
        (&["completions", "powershell"], "completions/_reel.ps1"),
        (&["completions", "elvish"], "completions/reel.elv"),
        (&["man"], "man/reel.1"),
    ];
    for (args, file) in cases {
        let out = reel().args(args).output().unwrap();
        assert!(out.status.success());
        let committed = std::fs::read(file).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "{file} is stale: regenerate it with `make generated` (runs `reel {}` > {file}) and commit it",
            args.join(" ")
        );
    }
}
