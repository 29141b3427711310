"""A/B over HTTP: the web CPU a MARF and a light read cost under two versions of the code, measured side by side.

    .venv/bin/python bench/ab_http.py [--base HEAD~1] [--blocks 20] [--block 20]

This machine's speed changes within minutes (a light read's web CPU 5.4 to 8.5 ms in runs of the same code minutes
apart), more than most changes worth measuring. So instead of two runs one after the other, this bench starts two
web processes at once, as ``bin/run`` starts them (gunicorn, one worker each here, so each server's CPU is one
process's): one on ``--base`` (checked out in a temporary git worktree beside this one, sharing its ``.venv``) and
one on the working tree as it is. One client sends blocks of ``--block`` MARFs to each in turn (each round in the
other order), then blocks of light reads (``GET /api/v1/notifications/``); each block's CPU is read from ``/proc``
for that server's processes. It prints each version's median web CPU per MARF and per light read, their ratio, and
the paired differences (base minus this tree, block by block): their median and range. Nothing asserts a time.

Uses ``bench/contacts.py``'s database and tenant (run that first once). Both versions run against that database as
it is migrated now, so a base whose migrations differ from the tree's is not comparable here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import CpuMeter, process_tree, setup_django  # noqa: E402 - needs the root on the path first

KINDS = ("MARF", "light read")


def paired(before: list[float], after: list[float]) -> dict:
    """The medians of two versions' per-block figures and of their differences, block by block (before - after)."""
    differences = [b - a for b, a in zip(before, after, strict=True)]
    return {
        "before": statistics.median(before),
        "after": statistics.median(after),
        "difference": statistics.median(differences),
        "range": (min(differences), max(differences)),
    }


def _worktree(revision: str) -> Path:
    place = Path(tempfile.mkdtemp(prefix="mash-ab-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(place), revision], check=True,
                   capture_output=True)  # fmt: skip
    (place / ".venv").symlink_to(ROOT / ".venv")
    return place


def _remove(place: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(place)], capture_output=True)
    shutil.rmtree(place, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD~1", help="the revision to compare the working tree with")
    parser.add_argument("--blocks", type=int, default=20, help="blocks of each kind sent to each version")
    parser.add_argument("--block", type=int, default=20, help="requests in a block")
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_APP_ROLE", "mash_app")
    os.environ.setdefault("DATABASE_SYSTEM_ROLE", "mash_system")
    from bench.contacts import DEFAULT_DB

    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    from bench.contacts import _bodies, _call, _reader, _worker_matching, headers_of, start_web, wait_until_served
    from bench.people import generate_register
    from mash.models import Tenant, User

    try:
        tenant = Tenant.objects.get(slug="bench")
        referrer = User.objects.get(username="bench-referrer")
    except (Tenant.DoesNotExist, User.DoesNotExist):
        raise SystemExit("FAILED: no bench tenant yet: run bench/contacts.py once first") from None
    reader = _reader(tenant)
    needed = (args.blocks + 1) * args.block * 2
    bodies = iter(json.dumps(b) for b in _bodies(generate_register(max(needed, 1000), seed=7), needed, seed=17))
    posting, reading = headers_of(referrer), headers_of(reader)
    requests = {"MARF": (posting, "POST", "/api/v1/contacts/", 201),
                "light read": (reading, "GET", "/api/v1/notifications/", 200)}  # fmt: skip
    base = _worktree(args.base)
    servers = {}
    try:
        servers = {"base": start_web(base, workers=1), "tree": start_web(ROOT, workers=1)}
        conns = {name: wait_until_served(port, web, reading) for name, (port, web) in servers.items()}
        cpu = {name: {kind: [] for kind in KINDS} for name in servers}
        for round_ in range(args.blocks + 1):  # the first round warms both up, and is not counted
            order = list(servers) if round_ % 2 else list(servers)[::-1]
            for kind in KINDS:
                caller, method, path, expected = requests[kind]
                for name in order:
                    pid = servers[name][1].pid
                    with CpuMeter({"web": lambda pid=pid: process_tree(pid)}) as meter:
                        for _ in range(args.block):
                            body = next(bodies) if method == "POST" else None
                            status = _call(conns[name], caller, method, path, body)
                            if status != expected:
                                raise SystemExit(f"FAILED: {method} {path} answered {status} on {name}")
                    if round_:
                        cpu[name][kind].append(meter.seconds["web"] * 1000 / args.block)
    finally:
        for _port, web in servers.values():
            web.terminate()
            web.wait(30)
        _remove(base)
        _worker_matching(tenant)  # the MARFs' matching, so the next run starts with nothing pending
    print(f"web CPU per request, ms: {args.base} against the working tree; gunicorn, one worker each, side by side")
    print(f"{args.blocks} blocks of {args.block} of each kind to each, alternating (medians of the blocks)")
    for kind in KINDS:
        figures = paired(cpu["base"][kind], cpu["tree"][kind])
        low, high = figures["range"]
        print(f"  {kind:10}  base {figures['before']:6.2f}  tree {figures['after']:6.2f}  "
              f"base - tree: median {figures['difference']:5.2f} (blocks {low:.2f} to {high:.2f})")  # fmt: skip
    for name in servers:
        ratio = statistics.median(cpu[name]["light read"]) / statistics.median(cpu[name]["MARF"])
        print(f"  {name}: light read / MARF {ratio:.2f}")


if __name__ == "__main__":
    main()
