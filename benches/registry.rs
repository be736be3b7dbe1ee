//! Registry load and lookup costs, in process: `cargo bench --bench registry`.
//! The whole-process comparison with `getent` is `benches/lookup-vs-getent.sh`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use portolan::registry::{Paths, Registry};

fn measure(name: &str, runs: usize, mut f: impl FnMut()) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = times[runs / 2];
    let p99 = times[(runs * 99 / 100).min(runs - 1)];
    println!("{name:<40} median {:>9.2} µs   p99 {:>9.2} µs", micros(median), micros(p99));
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    measure("load bundled (IANA + common layer)", 200, || {
        black_box(Registry::bundled());
    });
    let paths = Paths::from_env();
    measure("load with /etc/services + user files", 200, || {
        black_box(Registry::load(&paths));
    });
    let registry = Registry::bundled();
    let ports = [22u16, 80, 443, 5432, 6001, 8080, 50000, 65535];
    measure("at_port x8 (all records, all layers)", 2000, || {
        for p in ports {
            black_box(registry.at_port(black_box(p)).count());
        }
    });
    let names = ["http", "kerberos", "postgresql", "x11", "NTP", "no-such-name", "domain", "ssh"];
    measure("named x8 (case-insensitive)", 2000, || {
        for n in names {
            black_box(registry.named(black_box(n)).len());
        }
    });
    measure("service_name x8", 2000, || {
        for p in ports {
            black_box(registry.service_name(black_box(p), portolan::registry::Protocol::Tcp));
        }
    });
}
