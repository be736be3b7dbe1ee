//! The registry CLI on the real binary: `lookup`, `ranges`, `registry info|update`, the user overlay,
//! colors and exit codes. Every run gets its own empty config and data folders.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn config(&self) -> std::path::PathBuf {
        self.dir.path().join("config")
    }

    fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::cargo_bin("portolan")
            .expect("binary built")
            .args(args)
            .env("XDG_CONFIG_HOME", self.config())
            .env("XDG_DATA_HOME", self.data())
            .env_remove("NO_COLOR")
            .output()
            .expect("portolan runs")
    }

    fn json(&self, args: &[&str]) -> (Value, i32) {
        let out = self.run(args);
        let value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
        (value, out.status.code().unwrap_or(-1))
    }

    fn write_services(&self, text: &str) -> std::path::PathBuf {
        let dir = self.config().join("portolan");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("services.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn iana_records(answer: &Value) -> Vec<&Value> {
    answer["records"].as_array().unwrap().iter().filter(|r| r["source"] == "iana").collect()
}

fn names(records: &[&Value]) -> Vec<String> {
    records.iter().filter_map(|r| r["service"].as_str().map(str::to_owned)).collect()
}

#[test]
fn lookup_port_json_has_every_field() {
    let env = Env::new();
    let (v, code) = env.json(&["lookup", "80", "--json"]);
    assert_eq!(code, 0);
    let answer = &v[0];
    assert_eq!(answer["query"], "80");
    assert_eq!(answer["range"], "well-known");
    let recs = iana_records(answer);
    assert!(names(&recs).contains(&"http".to_owned()), "{recs:?}");
    let http_tcp = recs.iter().find(|r| r["service"] == "http" && r["protocol"] == "tcp").expect("http/tcp");
    for field in [
        "service",
        "port",
        "port_end",
        "protocol",
        "description",
        "source",
        "assignee",
        "contact",
        "registered",
        "modified",
        "reference",
        "notes",
    ] {
        assert!(http_tcp.get(field).is_some(), "missing {field}");
    }
    assert_eq!(http_tcp["port"], 80);
    assert_eq!(http_tcp["port_end"], 80);
}

#[test]
fn lookup_boundaries_and_unassigned() {
    let env = Env::new();
    let (v, code) = env.json(&["lookup", "1023", "1024", "49151", "49152", "50000", "--json"]);
    assert_eq!(code, 0, "some of these ports have records");
    let ranges: Vec<&str> = v.as_array().unwrap().iter().map(|a| a["range"].as_str().unwrap()).collect();
    assert_eq!(ranges, ["well-known", "registered", "registered", "dynamic", "dynamic"]);
    let at_50000 = &v[4]["records"];
    assert!(
        at_50000.as_array().unwrap().iter().all(|r| r["source"] != "iana" || r["service"].is_null()),
        "IANA assigns nothing in the dynamic range: {at_50000}"
    );

    let out = env.run(&["lookup", "50000"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("dynamic") && text.contains("unassigned"), "{text}");
}

#[test]
fn lookup_by_name_range_and_protocol() {
    let env = Env::new();
    let (v, _) = env.json(&["lookup", "KERBEROS", "--proto", "udp", "--json"]);
    let recs = iana_records(&v[0]);
    assert!(!recs.is_empty());
    assert!(recs.iter().all(|r| r["protocol"] == "udp" && r["port"] == 88), "{recs:?}");
    assert_eq!(v[0]["range"], Value::Null);

    let (v, code) = env.json(&["lookup", "20-23", "--json"]);
    assert_eq!(code, 0);
    let ports: Vec<u64> = iana_records(&v[0]).iter().map(|r| r["port"].as_u64().unwrap()).collect();
    assert!(ports.contains(&22) && ports.contains(&20) && ports.iter().all(|p| (20..=23).contains(p)));
}

#[test]
fn lookup_exit_codes_and_errors() {
    let env = Env::new();
    for bad in ["70000", "9-3", "", "1-"] {
        let out = env.run(&["lookup", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "one-line error for {bad:?}: {err}");
        assert!(err.starts_with("portolan: "), "{err}");
        assert!(out.stdout.is_empty());
    }
    let out = env.run(&["lookup", "no-such-service-anywhere"]);
    assert_eq!(out.status.code(), Some(1));
    let out = env.run(&["lookup", "no-such-service-anywhere", "ssh"]);
    assert_eq!(out.status.code(), Some(0), "any query found → 0");
    let out = env.run(&["lookup"]);
    assert_eq!(out.status.code(), Some(2), "a query is required");
}

#[test]
fn colors_follow_the_flag_and_no_color() {
    let env = Env::new();
    let colored = env.run(&["--color", "always", "lookup", "22"]);
    assert!(colored.stdout.contains(&0x1b), "--color always colors");
    let plain = env.run(&["--color", "never", "lookup", "22"]);
    assert!(!plain.stdout.contains(&0x1b));
    let piped = env.run(&["lookup", "22"]);
    assert!(!piped.stdout.contains(&0x1b), "auto does not color a pipe");
}

#[test]
fn user_services_overlay_and_broken_file() {
    let env = Env::new();
    env.write_services(
        "[[service]]\nname = \"billing-api\"\nport = 47001\nprotocols = [\"tcp\", \"udp\"]\ndescription = \"Team \\u001b]0;pwned\\u0007 billing\"\ncategory = \"web\"\n",
    );
    let (v, code) = env.json(&["lookup", "billing-api", "--json"]);
    assert_eq!(code, 0);
    let recs = v[0]["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2);
    assert!(recs.iter().all(|r| r["source"] == "user" && r["port"] == 47001));
    assert_eq!(recs[0]["description"], "Team \u{1b}]0;pwned\u{7} billing", "JSON keeps the text, escaped");

    let out = env.run(&["--color", "never", "lookup", "47001"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("billing-api") && text.contains("user"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "no raw control characters: {text:?}");

    let path = env.write_services("[[service]]\nname = \"x\"\nport = 99999\n");
    let out = env.run(&["lookup", "22"]);
    assert_eq!(out.status.code(), Some(0), "a broken file does not stop the program");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:3:", path.display())), "path:line: in {err}");
}

#[test]
fn ranges_report_iana_and_this_machine() {
    let env = Env::new();
    let (v, code) = env.json(&["ranges", "--json"]);
    assert_eq!(code, 0);
    let ranges = v["ranges"].as_array().unwrap();
    let bounds: Vec<(u64, u64)> =
        ranges.iter().map(|r| (r["start"].as_u64().unwrap(), r["end"].as_u64().unwrap())).collect();
    assert_eq!(bounds, [(0, 1023), (1024, 49151), (49152, 65535)]);
    assert_eq!(ranges[0]["name"], "well-known");
    assert_eq!(ranges[1]["rfc6335_name"], "User Ports");
    assert!(ranges[0]["assigned_ports"].as_u64().unwrap() > 500);
    if Path::new("/proc/sys/net/ipv4/ip_local_port_range").exists() {
        let eph = v["machine"]["ephemeral"].as_array().expect("read on Linux");
        assert!(eph[0].as_u64() <= eph[1].as_u64());
        assert!(v["machine"]["unprivileged_start"].is_u64());
    }
    let out = env.run(&["ranges"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ip_local_port_range") && text.contains("49152-65535"), "{text}");
}

/// A registry file in IANA's layout with `rows` synthetic rows and one recognisable service.
fn synthetic_registry(rows: usize) -> String {
    let mut csv = String::from(
        "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\n",
    );
    csv.push_str("portolan-probe,4242,tcp,\"Probe, with a\nmulti-line description\",,,2030-01-02,,,,,\n");
    for i in 0..rows {
        let _ = writeln!(csv, "svc{i},{},udp,Synthetic {i},,,2001-01-01,,,,,", 10000 + i % 30000);
    }
    csv
}

#[test]
fn registry_update_replaces_the_bundled_data_and_info_reports_it() {
    let env = Env::new();
    let (info, _) = env.json(&["registry", "info", "--json"]);
    assert_eq!(info["origin"]["kind"], "bundled");
    let bundled_rows = info["rows"].as_u64().unwrap();
    assert!(bundled_rows > 10_000);

    let file = env.dir.path().join("new.csv");
    std::fs::write(&file, synthetic_registry(6000)).unwrap();
    let (report, code) = env.json(&["registry", "update", "--from", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["rows"], 6001);
    assert_eq!(report["newest_date"], "2030-01-02");
    assert!(report["added"].as_u64().unwrap() >= 6000);
    assert!(report["removed"].as_u64().unwrap() >= bundled_rows - 10);

    let (info, _) = env.json(&["registry", "info", "--json"]);
    assert_eq!(info["origin"]["kind"], "user");
    assert_eq!(info["rows"], 6001);
    assert_eq!(info["newest_date"], "2030-01-02");
    let (v, _) = env.json(&["lookup", "portolan-probe", "--json"]);
    assert_eq!(v[0]["records"][0]["description"], "Probe, with a\nmulti-line description");
    assert_eq!(v[0]["records"][0]["source"], "iana");
}

#[test]
fn a_bad_registry_file_changes_nothing() {
    let env = Env::new();
    let good = env.dir.path().join("good.csv");
    std::fs::write(&good, synthetic_registry(6000)).unwrap();
    assert_eq!(env.run(&["registry", "update", "--from", good.to_str().unwrap()]).status.code(), Some(0));
    let stored = env.data().join("portolan").join("iana-services.csv");
    let before = std::fs::read(&stored).unwrap();

    let cases: Vec<(String, &str)> = vec![
        (synthetic_registry(6000).replace("4242", "70000"), "out of range"),
        (synthetic_registry(100), "only 101 rows"),
        ("Port,Name\n80,http\n".to_owned(), "header"),
        (synthetic_registry(6000).replacen("svc5,", "svc5,1,tcp,\"unterminated", 1), "fields"),
    ];
    for (text, needle) in cases {
        let bad = env.dir.path().join("bad.csv");
        std::fs::write(&bad, text).unwrap();
        let out = env.run(&["registry", "update", "--from", bad.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && err.contains("not updated"), "{needle}: {err}");
        assert_eq!(std::fs::read(&stored).unwrap(), before, "the stored registry is untouched");
    }
    let out = env.run(&["registry", "update", "--from", "/nonexistent/file.csv"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn imports_ianas_published_file_unchanged() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/iana/service-names-port-numbers.csv");
    if !path.exists() {
        eprintln!("skipped: {} is absent", path.display());
        return;
    }
    let env = Env::new();
    let (report, code) = env.json(&["registry", "update", "--from", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["rows"], 14533);
    assert_eq!(report["newest_date"], "2026-08-17");
    let (v, _) = env.json(&["lookup", "6001", "--json"]);
    assert!(names(&iana_records(&v[0])).contains(&"x11".to_owned()));
}

#[test]
fn a_hand_edited_registry_wins_over_its_packed_copy() {
    let env = Env::new();
    let file = env.dir.path().join("new.csv");
    std::fs::write(&file, synthetic_registry(6000)).unwrap();
    assert_eq!(env.run(&["registry", "update", "--from", file.to_str().unwrap()]).status.code(), Some(0));
    let stored = env.data().join("portolan").join("iana-services.csv");
    assert!(stored.with_extension("table").exists(), "update writes the packed copy");

    std::fs::write(&stored, synthetic_registry(6000).replace("portolan-probe", "hand-edited")).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options().write(true).open(&stored).unwrap().set_modified(later).unwrap();
    let (v, code) = env.json(&["lookup", "4242", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(iana_records(&v[0])[0]["service"], "hand-edited");

    std::fs::write(&stored, "not a registry").unwrap();
    std::fs::File::options().write(true).open(&stored).unwrap().set_modified(later).unwrap();
    let out = env.run(&["lookup", "22"]);
    assert_eq!(out.status.code(), Some(0), "falls back to the bundled registry");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("using the bundled registry"), "{err}");
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("lookup") && script.contains("registry"), "{shell} completes subcommands");
    }
    let out = env.run(&["man"]);
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie") && page.contains(".TH portolan 1") && page.contains("lookup"));
    assert_eq!(env.run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    let env = Env::new();
    let bin = assert_cmd::cargo::cargo_bin("portolan");
    let mut child = std::process::Command::new(bin)
        .args(["lookup", "0-65535"])
        .env("XDG_CONFIG_HOME", env.config())
        .env("XDG_DATA_HOME", env.data())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // read a little, then close the pipe
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
