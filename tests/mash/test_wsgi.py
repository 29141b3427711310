"""The web process settles before its first request: every view imported and start-up objects frozen out of the
garbage collector's passes (mash.wsgi), so the collector's full passes during requests walk only what requests
made (bench/triage_queue.py: the queue page's p95 went from 235 to 150 ms)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, json, sys
import mash.wsgi
print(json.dumps({"frozen": gc.get_freeze_count(), "views": sorted(m for m in sys.modules if m.endswith(".views"))}))
"""


def test_the_wsgi_application_imports_every_view_and_freezes_what_start_up_made():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    settled = json.loads(result.stdout.strip().splitlines()[-1])
    assert settled["frozen"] > 10_000, settled["frozen"]
    for app in ("contacts", "triage", "navigators", "earlyhelp", "reporting", "people", "thresholds"):
        assert f"{app}.views" in settled["views"], f"{app}.views is imported before the first request"
