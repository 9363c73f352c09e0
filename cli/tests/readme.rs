//! README's `$ ramjet ...` examples, run for real: the output printed in README must be the
//! output the binary gives, and `$ echo $?` the exit status.

use std::path::Path;
use std::process::Command;

#[test]
fn readme_examples_print_what_readme_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut in_block = false;
    // The example the current line belongs to: output runs until the next `$ ` or the block's end.
    let mut current: Option<usize> = None;
    let mut examples: Vec<(String, Vec<String>)> = Vec::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            current = None;
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            examples.push((command.to_string(), Vec::new()));
            current = Some(examples.len() - 1);
        } else if let Some((_, output)) = current.and_then(|i| examples.get_mut(i)) {
            output.push(line.to_string());
        }
    }
    assert!(examples.len() >= 7, "found {} examples", examples.len());
    let mut last_status = None;
    for (command, expected) in &examples {
        if command == "echo $?" {
            assert_eq!(
                Some(expected.join("\n")),
                last_status.map(|s: i32| s.to_string())
            );
            continue;
        }
        let mut words = command.split_whitespace();
        assert_eq!(words.next(), Some("ramjet"), "{command}");
        let output = Command::new(env!("CARGO_BIN_EXE_ramjet"))
            .args(words)
            .current_dir(&root)
            .output()
            .unwrap();
        last_status = output.status.code();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            printed.trim_end(),
            expected.join("\n").trim_end(),
            "README example `{command}`"
        );
    }
}

/// The main command's output in README (not run by the test above, as it shows a timing): its
/// counts must be what the audit prints.
#[test]
fn readme_main_command_counts_are_real() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ramjet"))
        .args([
            "audit",
            "--bundle",
            "corpus/bundle",
            "corpus/actiontrail/sample-events.jsonl",
        ])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let printed = String::from_utf8_lossy(&output.stdout);
    let mut lines = printed.lines();
    let first = lines.next().unwrap();
    let counts = first.split_once("): ").unwrap().1;
    assert!(readme.contains(counts), "README lacks {counts:?}");
    for line in lines.take(3) {
        assert!(readme.contains(line), "README lacks {line:?}");
    }
}
