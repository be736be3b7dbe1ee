//! portolan writes only its own data files, atomically: a failed or killed `registry update` keeps the
//! previous registry, and a symlink planted in the data folder is replaced, never followed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn registry_csv(probe: &str) -> String {
    let mut csv = String::from(
        "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date,Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes\n",
    );
    let _ = writeln!(csv, "{probe},4242,tcp,Probe,,,,,,,,");
    for i in 0..6000 {
        let _ = writeln!(csv, "svc{i},{},udp,Synthetic row number {i},,,2001-01-01,,,,,", 10000 + i);
    }
    csv
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap() }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn stored(&self) -> PathBuf {
        self.data().join("portolan").join("iana-services.csv")
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Runs portolan through `sh`, so a test can set resource limits first.
    fn sh(&self, prelude: &str, args: &str) -> std::process::Output {
        let bin = assert_cmd::cargo::cargo_bin("portolan");
        Command::new("sh")
            .arg("-c")
            .arg(format!("{prelude} exec '{}' {args}", bin.display()))
            .env("XDG_DATA_HOME", self.data())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .output()
            .unwrap()
    }

    fn update(&self, from: &Path) -> std::process::Output {
        self.sh("", &format!("registry update --from '{}'", from.display()))
    }

    fn probe_service(&self) -> String {
        let out = self.sh("", "lookup 4242 --json");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v[0]["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["source"] == "iana")
            .map_or_else(|| "none".to_owned(), |r| r["service"].as_str().unwrap_or("none").to_owned())
    }
}

#[test]
fn a_write_that_fails_midway_keeps_the_previous_registry() {
    let env = Env::new();
    let first = env.file("first.csv", &registry_csv("first-probe"));
    assert_eq!(env.update(&first).status.code(), Some(0));
    let before = std::fs::read(env.stored()).unwrap();

    // A file-size limit of 64 KiB makes the write fail partway, as a full disk would.
    let second = env.file("second.csv", &registry_csv("second-probe"));
    let out =
        env.sh("trap '' XFSZ; ulimit -f 128;", &format!("registry update --from '{}'", second.display()));
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not updated"));
    assert_eq!(std::fs::read(env.stored()).unwrap(), before);
    assert_eq!(env.probe_service(), "first-probe");

    // The same limit with its signal left on kills the process mid-write.
    let out = env.sh("ulimit -f 128;", &format!("registry update --from '{}'", second.display()));
    assert!(!out.status.success(), "killed by SIGXFSZ");
    assert_eq!(std::fs::read(env.stored()).unwrap(), before);
    assert_eq!(env.probe_service(), "first-probe");

    // The next update succeeds and sweeps what the killed one left behind.
    assert_eq!(env.update(&second).status.code(), Some(0));
    assert_eq!(env.probe_service(), "second-probe");
    let mut files: Vec<String> = std::fs::read_dir(env.stored().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["iana-services.csv", "iana-services.table", "registry.json"]);
}

#[test]
fn an_unwritable_data_folder_changes_nothing() {
    let env = Env::new();
    // The data folder's parent is a file: nothing can be created below it, even by root.
    std::fs::write(env.data(), b"not a folder").unwrap();
    let from = env.file("new.csv", &registry_csv("probe"));
    let out = env.update(&from);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not updated") && err.lines().count() == 1, "{err}");
    assert_eq!(std::fs::read(env.data()).unwrap(), b"not a folder");
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_data_folder_is_not_followed() {
    let env = Env::new();
    let victim = env.file("victim.txt", "precious");
    std::fs::create_dir_all(env.stored().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&victim, env.stored()).unwrap();
    std::os::unix::fs::symlink(&victim, env.stored().with_extension("table")).unwrap();
    let from = env.file("new.csv", &registry_csv("probe"));
    assert_eq!(env.update(&from).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!std::fs::symlink_metadata(env.stored()).unwrap().file_type().is_symlink());
    assert_eq!(env.probe_service(), "probe");
}
