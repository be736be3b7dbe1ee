//! Warm refresh cost inside the collector: CPU time of the collector thread per cycle (collect,
//! diff, the copy kept for the next diff), measured from `/proc/thread-self/schedstat`.
//! Run: `cargo bench --bench collector` (with sockets open, e.g. via `benches/sockets.sh`).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use portolan::registry::Registry;
use portolan::sockets::{Collector, system_source};

/// Nanoseconds this thread has run on a CPU.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let cycles: usize = std::env::var("CYCLES").ok().and_then(|c| c.parse().ok()).unwrap_or(30);
    let source = match system_source(Arc::new(Registry::bundled())) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("collector bench: {e}");
            return;
        }
    };
    let (tx, rx) = mpsc::channel();
    let mut last = None::<u64>;
    let mut n = 0;
    // Every cycle a little apart, so cycles are warm (owner cache valid) but not back to back.
    let collector = Collector::spawn(source, Duration::from_millis(20), move |u| {
        let now = thread_cpu_ns();
        let sockets = u.map(|u| (u.snapshot.sockets.len(), u.took)).unwrap_or_default();
        if let Some(prev) = last {
            let _ = tx.send((now - prev, sockets.0, sockets.1));
        }
        last = Some(now);
        n += 1;
        n <= cycles
    });
    let samples: Vec<(u64, usize, Duration)> = rx.iter().collect();
    collector.stop();
    let cpu = median(samples.iter().map(|s| s.0 as f64 / 1e6).collect());
    let wall = median(samples.iter().map(|s| s.2.as_secs_f64() * 1e3).collect());
    let sockets = samples.last().map_or(0, |s| s.1);
    println!(
        "collector warm refresh: {sockets} sockets, median cpu {cpu:.2} ms, median collect wall {wall:.2} ms ({} cycles)",
        samples.len()
    );
}
