//! The `sockets`, `free` and `lookup` commands on the real binary, parsing their JSON.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::Stdio;

use assert_cmd::Command;
use serde_json::Value;

fn json(args: &[&str]) -> (Value, i32) {
    let out = Command::cargo_bin("portolan").unwrap().args(args).output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {out:?}"));
    (v, out.status.code().unwrap_or(-1))
}

#[test]
fn sockets_json_lists_our_listener_owned_by_the_test_process() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let (v, code) = json(&["sockets", "--json", "--listening", "--tcp", "--port", &port]);
    assert_eq!(code, 0);
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 1, "{v}");
    let s = &arr[0];
    assert_eq!(s["state"], "LISTEN");
    assert_eq!(s["protocol"], "tcp");
    assert_eq!(s["local_addr"], "127.0.0.1");
    assert_eq!(s["owners_visible"], true);
    assert!(s["owners"].as_array().unwrap().iter().any(|o| o["pid"] == std::process::id()));
    // The pid and state filters agree; UDP-only finds nothing on that port.
    let (v, _) = json(&["sockets", "--json", "--pid", &std::process::id().to_string(), "--state", "listen"]);
    assert!(v.as_array().unwrap().iter().any(|s| s["local_port"].as_u64() == port.parse::<u64>().ok()));
    let (v, code) = json(&["sockets", "--json", "--udp", "--port", &port]);
    assert_eq!((v.as_array().unwrap().len(), code), (0, 1));
}

#[test]
fn table_and_bad_state() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let out = Command::cargo_bin("portolan").unwrap().args(["sockets", "--port", &port]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("PROTO"), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}")) && text.contains("LISTEN"));
    assert!(text.contains(&format!("{}/", std::process::id())), "{text}");
    Command::cargo_bin("portolan").unwrap().args(["sockets", "--state", "nope"]).assert().code(2);
}

#[test]
fn free_skips_bound_ports_and_explains_exhaustion() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (v, code) = json(&["free", &format!("{port}-{port}"), "--json"]);
    assert_eq!((v, code), (Value::Array(vec![]), 1));
    let out =
        Command::cargo_bin("portolan").unwrap().args(["free", &format!("{port}-{port}")]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 bound"), "{out:?}");
    // UDP is free on a port TCP uses.
    let (v, _) = json(&["free", &format!("{port}-{port}"), "--proto", "udp", "--json"]);
    assert_eq!(v[0]["port"], port);
    let (v, code) = json(&["free", "--json", "-n", "5"]);
    assert_eq!(code, 0);
    let ports: Vec<u64> = v.as_array().unwrap().iter().map(|f| f["port"].as_u64().unwrap()).collect();
    assert_eq!(ports.len(), 5);
    assert!(ports.iter().all(|p| (1024..=49151).contains(p)));
    // Unassigned ports come first while there are any.
    assert!(v.as_array().unwrap().iter().all(|f| f["service"].is_null()));
}

#[test]
fn lookup_shows_what_uses_the_port() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let (v, _) = json(&["lookup", &port, "ssh", "--json"]);
    let sockets = v[0]["sockets"].as_array().unwrap();
    assert!(sockets.iter().any(|s| s["state"] == "LISTEN" && s["owners"][0]["pid"] == std::process::id()));
    assert!(v[1].get("sockets").is_none(), "names carry no sockets field");
    let out = Command::cargo_bin("portolan").unwrap().args(["lookup", &port]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("on this machine:") && text.contains(&format!("127.0.0.1:{port}")), "{text}");
}

#[test]
fn watch_prints_ndjson_snapshots() {
    let bin = assert_cmd::cargo::cargo_bin("portolan");
    let mut child = std::process::Command::new(bin)
        .args(["sockets", "--json", "--watch", "0.1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        let line = lines.next().unwrap().unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        assert!(v.is_array());
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// In another network namespace the kernel lists that namespace's sockets only, while `/proc`
/// still shows every process: our listener must not appear there, and nothing found there may
/// be pinned on a process of this namespace. Needs `unshare --net` (root); skips otherwise.
#[test]
fn another_network_namespace_sees_its_own_sockets_only() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let bin = assert_cmd::cargo::cargo_bin("portolan");
    let probe = std::process::Command::new("unshare").args(["--net", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: cannot create a network namespace here (needs root and unshare)");
        return;
    }
    let out = std::process::Command::new("unshare")
        .arg("--net")
        .arg(&bin)
        .args(["sockets", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success() || out.status.code() == Some(1), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let me = std::process::id();
    for s in v.as_array().unwrap() {
        assert_ne!(s["local_port"].to_string(), port, "our listener leaked into another namespace: {s}");
        assert!(!s["owners"].as_array().unwrap().iter().any(|o| o["pid"] == me), "{s}");
    }
    // And from here, the listener is ours.
    let (v, code) = json(&["sockets", "--json", "--port", &port]);
    assert_eq!(code, 0, "{v}");
}
