"""The benches' CPU meter puts each process's CPU in its own group: the figures it prints say where a request's time
went (the web server, PostgreSQL, Redis), so a wrong field of ``/proc`` or a missed worker would mislead the next
person who reads them. Checked with processes whose CPU is known: one that burns a set amount of CPU time, one
that sleeps, and a burner started as the grandchild of a shell (as gunicorn's workers are the master's children).
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.common import CpuMeter, process_cpu, process_tree

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")

# Burns 0.4 s of its own CPU time (whatever else the machine runs), says so, then waits to be killed, alive
# when the meter takes its closing reading.
BURNER = "import sys, time\nwhile time.process_time() < 0.4: pass\nprint('burnt', flush=True)\ntime.sleep(60)\n"


def _start(*args):
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True)


def _wait_burnt(proc):
    assert proc.stdout.readline().strip() == "burnt"


def test_each_group_is_charged_its_own_processes_cpu():
    sleeper = _start(sys.executable, "-c", "import time; print('burnt', flush=True); time.sleep(60)")
    _wait_burnt(sleeper)  # started, and idle from here on
    burner = None
    try:
        with CpuMeter({"burner": lambda: {burner.pid} if burner else set(), "sleeper": lambda: {sleeper.pid}}) as meter:
            burner = _start(sys.executable, "-c", BURNER)
            _wait_burnt(burner)
        assert 0.3 <= meter.seconds["burner"] <= 1.0  # 0.4 s burnt, plus its start-up; a clock tick is 10 ms
        assert meter.seconds["sleeper"] < 0.05
        assert meter.machine is not None and meter.machine >= 0.3
    finally:
        for proc in (sleeper, burner):
            if proc:
                proc.kill()
                proc.wait()


def test_a_process_tree_includes_grandchildren():
    shell = _start("/bin/sh", "-c", f'"{sys.executable}" -c "{BURNER}"; true')  # the shell waits: not an exec
    try:
        _wait_burnt(shell)
        tree = process_tree(shell.pid)
        assert shell.pid in tree and len(tree) == 2
        grandchild = (tree - {shell.pid}).pop()
        assert process_cpu(grandchild) >= 0.3
        assert process_cpu(shell.pid) < 0.1
    finally:
        for pid in process_tree(shell.pid) - {shell.pid}:
            subprocess.run(["kill", str(pid)], check=False)
        shell.kill()
        shell.wait()


def test_a_gone_process_has_no_cpu_figure():
    proc = _start(sys.executable, "-c", "pass")
    proc.wait()
    time.sleep(0.05)
    assert process_cpu(proc.pid) is None
