//! `portolan search` on the real binary: JSON fields, table output and exit codes. HOME and the XDG
//! folders point at an empty temporary folder so no user file changes the answers.

use assert_cmd::Command;
use serde_json::Value;

fn portolan(home: &tempfile::TempDir) -> Command {
    let mut cmd = Command::cargo_bin("portolan").unwrap();
    cmd.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("NO_COLOR", "1");
    cmd
}

fn search_json(args: &[&str]) -> (i32, Value) {
    let home = tempfile::tempdir().unwrap();
    let out = portolan(&home).arg("search").args(args).arg("--json").output().unwrap();
    let code = out.status.code().unwrap();
    (code, serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

#[test]
fn json_hits_have_every_field_in_rank_order() {
    let (code, json) = search_json(&["postgres", "--limit", "5"]);
    assert_eq!(code, 0);
    let hits = json.as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 5);
    let first = &hits[0];
    assert_eq!(first["service"], "postgresql");
    assert_eq!(first["port"], 5432);
    assert_eq!(first["port_end"], 5432);
    assert_eq!(first["protocols"], serde_json::json!(["tcp", "udp"]));
    assert_eq!(first["range"], "registered");
    assert_eq!(first["source"], "iana");
    assert_eq!(first["description"], "PostgreSQL Database");
    assert!(first["score"].is_i64());
    assert!(first["matched"]["service"].is_array() && first["matched"]["description"].is_array());
    let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = [
        "rank",
        "service",
        "port",
        "port_end",
        "protocols",
        "description",
        "range",
        "source",
        "score",
        "matched",
    ];
    let mut keys = keys;
    keys.sort_unstable();
    want.sort_unstable();
    assert_eq!(keys, want);
    for (i, hit) in hits.iter().enumerate() {
        assert_eq!(hit["rank"], i + 1);
    }
    let scores: Vec<i64> = hits.iter().map(|h| h["score"].as_i64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn matched_positions_point_at_the_typed_characters() {
    let (_, json) = search_json(&["kerb"]);
    let first = &json[0];
    assert_eq!(first["service"], "kerberos");
    assert_eq!(first["matched"]["service"], serde_json::json!([0, 1, 2, 3]));
}

#[test]
fn table_cases() {
    // (args, service of the first hit)
    for (args, service) in [
        (&["udp", "53"][..], "domain"),
        (&["53/udp"][..], "domain"),
        (&["ssh"][..], "ssh"),
        (&["dns"][..], "domain"),
        (&["--proto", "udp", "ntp"][..], "ntp"),
        (&["--range", "registered", "sql"][..], "ms-sql-s"),
    ] {
        let (code, json) = search_json(args);
        assert_eq!(code, 0, "{args:?}");
        assert_eq!(json[0]["service"], service, "{args:?}: {json}");
    }
    let (_, json) = search_json(&["--range", "registered", "h", "--limit", "50"]);
    assert!(json.as_array().unwrap().iter().all(|h| h["range"] == "registered"));
    let (_, json) = search_json(&["--proto", "sctp", "http"]);
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|h| { h["protocols"].as_array().unwrap().iter().any(|p| p == "sctp") })
    );
}

#[test]
fn exit_codes() {
    let home = tempfile::tempdir().unwrap();
    // Nothing matches: 1, and an empty JSON array.
    let (code, json) = search_json(&["zzqqxxjj"]);
    assert_eq!((code, json), (1, serde_json::json!([])));
    portolan(&home).args(["search", "zzqqxxjj"]).assert().code(1).stdout("");
    // Invalid options: 2.
    for args in [
        &["search", "ssh", "--proto", "icmp"][..],
        &["search", "ssh", "--range", "private"][..],
        &["search", "ssh", "--limit", "0"][..],
        &["search", "ssh", "--limit", "many"][..],
        &["search"][..],
        &["search", " "][..],
    ] {
        portolan(&home).args(args).assert().code(2);
    }
}

#[test]
fn human_table_is_aligned_and_plain_without_color() {
    let home = tempfile::tempdir().unwrap();
    let out = portolan(&home).args(["search", "http", "--limit", "3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "no escapes with NO_COLOR: {text:?}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with('#') && lines[0].contains("SERVICE") && lines[0].contains("DESCRIPTION"));
    assert!(lines[1].starts_with("1  80 ") && lines[1].contains("tcp/udp/sctp") && lines[1].contains("http"));
    let col = lines[0].find("SERVICE").unwrap();
    assert!(lines[1..].iter().all(|l| l[col..].starts_with(|c: char| c.is_ascii_alphanumeric())), "{text}");
}

#[test]
fn color_highlights_matched_characters() {
    let home = tempfile::tempdir().unwrap();
    let out = portolan(&home).args(["search", "kerb", "--limit", "1", "--color", "always"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // Underline (SGR 4) marks the matched characters.
    assert!(text.contains("\u{1b}[4m"), "{text:?}");
}
