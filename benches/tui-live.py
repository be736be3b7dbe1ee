#!/usr/bin/env python3
"""Keystroke-to-frame latency of the real TUI while its Sockets screen refreshes many sockets.

Starts ../shared/bench/mksockets.py with about N sockets (spread over several processes), runs
`portolan tui --refresh SECS` in a pseudo-terminal, opens the Sockets screen, then presses j/k a few
hundred times at irregular intervals (so keys land during refreshes too) and times each key to the
first byte of the frame that answers it. Also reports how often the screen was refreshed (the
collector's interval), the collection time the TUI shows, and portolan's peak memory and CPU.

    cargo build --release
    pip install pyte          # the terminal emulator the script reads the screen with
    python3 benches/tui-live.py --sockets 100000
"""

import argparse
import os
import random
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import fcntl
import time

import pyte

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURE = os.path.join(ROOT, "..", "shared", "bench", "mksockets.py")
SUMMARY = re.compile(r"(\d+) sockets .*refresh [0-9.]+s(?: \(paused\))? \u00b7 ([0-9.]+) ms")


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Pty:
    def __init__(self, argv, cols, rows):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color")
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.log = bytearray()
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.events = []  # (time, took_ms, count) each time the summary line changes

    def read(self, timeout):
        """Bytes available within `timeout` seconds (b"" if none)."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.master, 1 << 20)
        except OSError:
            return b""
        now = self.arrived = time.monotonic()
        self.log += data
        self.stream.feed(data)
        m = SUMMARY.search(self.screen.display[1])
        if m:
            event = (now, float(m.group(2)), int(m.group(1)))
            if not self.events or self.events[-1][1:] != event[1:]:
                self.events.append(event)
        return data

    def text(self):
        return "\n".join(self.screen.display)

    def drain(self):
        while self.read(0):
            pass

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.text()):
                return True
            self.read(0.05)
        return False

    def send(self, data):
        os.write(self.master, data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sockets", type=int, default=100_000)
    ap.add_argument("--keys", type=int, default=600)
    ap.add_argument("--refresh", type=float, default=1.0)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "portolan"))
    args = ap.parse_args()

    pairs = args.sockets // 2
    procs = pairs // 7000 + 1
    fixture = subprocess.Popen(
        [sys.executable, FIXTURE, "--established", str(pairs), "--procs", str(procs), "--timeout", "900"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    tui = None
    try:
        line = fixture.stdout.readline().decode()
        while line and not line.startswith("ready"):
            line = fixture.stdout.readline().decode()
        if not line:
            sys.exit("fixture failed to start")
        print(f"fixture: {line.strip()} in {procs} processes")

        tui = Pty([args.bin, "tui", "--refresh", str(args.refresh)], 160, 48)
        if not tui.wait_for(r"Well-known", 10):
            sys.exit("no first frame")
        tui.send(b"s")
        want = int(args.sockets * 0.9)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(c >= want for _, _, c in tui.events):
            tui.read(0.1)
        if not any(c >= want for _, _, c in tui.events):
            sys.exit(f"the Sockets screen never showed {want} sockets")

        cpu0, t0 = cpu_seconds(tui.proc.pid), time.monotonic()
        first_event = len(tui.events)
        latencies = []
        for i in range(args.keys):
            tui.drain()
            tui.send(b"j" if (i // 20) % 2 == 0 else b"k")
            sent = time.monotonic()
            if tui.read(2.0):
                latencies.append((tui.arrived - sent) * 1000)
            else:
                latencies.append(2000.0)
            time.sleep(random.uniform(0.005, 0.04))
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(tui.proc.pid) - cpu0
        hwm, rss = status_kb(tui.proc.pid, "VmHWM"), status_kb(tui.proc.pid, "VmRSS")

        # A refresh shows a new collection time; count the changes over the measured window.
        seen = tui.events[first_event:]
        refreshes = [t for (t, took, _), (_, prev, _) in zip(seen[1:], seen) if took != prev]
        took = [took for _, took, _ in seen]
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(round((len(latencies) - 1) * q)))]
        print(f"sockets shown: {max(c for _, _, c in tui.events)}")
        print(f"keystroke to frame over {len(latencies)} keys: median {p(0.5):.2f} ms, "
              f"p99 {p(0.99):.2f} ms, max {latencies[-1]:.2f} ms")
        if len(refreshes) > 1:
            gaps = [b - a for a, b in zip(refreshes, refreshes[1:])]
            print(f"refreshes seen: {len(refreshes)} in {elapsed:.1f} s, median interval "
                  f"{statistics.median(gaps):.2f} s (asked {args.refresh:.2f} s); "
                  f"collection time shown: median {statistics.median(took):.1f} ms")
        print(f"portolan: peak RSS {hwm / 1024:.1f} MB, RSS now {rss / 1024:.1f} MB, "
              f"CPU {100 * cpu / elapsed:.0f}% of a core while measuring")

        tui.send(b"q")
        code = tui.proc.wait(timeout=10)
        tui.read(0.2)
        restored = tui.log.rfind(b"\x1b[?1049l") > tui.log.rfind(b"\x1b[?1049h")
        print(f"quit: exit status {code}, alternate screen left: {restored}")
    finally:
        if tui and tui.proc.poll() is None:
            tui.proc.send_signal(signal.SIGTERM)
            tui.proc.wait(timeout=10)
        fixture.terminate()
        fixture.wait(timeout=30)


if __name__ == "__main__":
    main()
