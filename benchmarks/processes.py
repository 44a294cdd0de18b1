"""The processes of a server under test: its process tree, their memory and CPU time (shared by the benchmarks)."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory(pid: int) -> dict:
    """RSS summed over pid's process tree, and PSS (shared pages counted once), in MB, and each process."""
    rss = pss = 0
    procs = []
    for p in tree(pid):
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()[1:])
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue
        r, s = int(fields["Rss"].split()[0]) // 1024, int(fields["Pss"].split()[0]) // 1024
        rss, pss = rss + r, pss + s
        procs.append({"pid": p, "rss_mb": r, "cmd": cmd[-70:]})
    return {"processes": len(procs), "rss_mb": rss, "pss_mb": pss, "each": procs}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by pid's process tree, including its children that have ended and
    been waited for."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())
