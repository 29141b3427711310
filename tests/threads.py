"""For tests of two pieces of work at once, each on a thread (and a database connection) of its own."""

import threading

from django.db import connections


class Runs:
    """Threads that run work and keep what it returned (``results``, by the thread's name) or raised (``errors``);
    each closes its own database connections when done."""

    def __init__(self):
        self.results, self.errors = {}, []

    def thread(self, name: str, work) -> threading.Thread:
        def run():
            try:
                self.results[name] = work()
            except Exception as exc:  # noqa: BLE001 - the test asserts there were none
                self.errors.append(exc)
            finally:
                connections.close_all()

        return threading.Thread(target=run, name=name)


def finished_while_held(held, other, *, inside, release, done=lambda: None) -> bool:
    """Start ``held`` and wait until it is paused inside its transaction (``inside``), then run ``other``: did
    ``other`` finish while ``held`` was still open? ``held`` is then released, both joined, and ``done`` run."""
    try:
        held.start()
        assert inside.wait(15), f"{held.name} never reached the point where it is held"
        other.start()
        other.join(10)
        return not other.is_alive()
    finally:
        release.set()
        held.join(30)
        other.join(30)
        done()
