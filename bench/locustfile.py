"""A day's mix at a MASH, per role, for locust (driven by bench/load.py, which seeds the people below).

    .venv/bin/locust -f bench/locustfile.py --headless -u 50 -r 5 --run-time 5m --host http://127.0.0.1:8107

Reads LOAD_PEOPLE (a JSON file written by bench/load.py): per tenant, session cookies and API tokens
for each role, the navigators' agencies and the tenant's ratings. Think times are a person's, not a
robot's: a triage worker refreshes the queue and opens contacts every few seconds, a referrer files a
MARF every minute or so. LOAD_MAX_REQUESTS (default 100,000) stops the run after that many requests,
whatever --run-time says, so every run is bounded in both.
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.load_marf import FIRST, LAST, marf

PEOPLE = json.loads(Path(os.environ.get("LOAD_PEOPLE", "var/load/people.json")).read_text())
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "100000"))
_count = {"requests": 0}


@events.request.add_listener
def _bounded(**kwargs):
    _count["requests"] += 1
    if _count["requests"] == MAX_REQUESTS:
        if _runner.get("runner") is not None:
            _runner["runner"].quit()


_runner: dict = {}


@events.init.add_listener
def _keep_runner(environment, **kwargs):
    _runner["runner"] = environment.runner


class Person(HttpUser):
    """Someone at one tenant, signed in as a person of ``role`` (a session, an API token or both)."""

    abstract = True
    role = ""

    def on_start(self):
        self.tenant = random.choice(list(PEOPLE))
        self.people = PEOPLE[self.tenant]
        person = random.choice(self.people["roles"][self.role]) if self.role else {}
        self.session_cookie = person.get("cookie", "")
        self.token = person.get("token", "")
        self.agency = person.get("agency")

    def page(self, path, name):
        headers = {"Cookie": self.session_cookie} if self.session_cookie else {}
        with self.client.get(path, headers=headers, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} on {path}")

    def api(self, method, path, name, *, json_body=None, ok=(200, 201)):
        headers = {"Authorization": f"Token {self.token}"}
        with self.client.request(method, path, headers=headers, json=json_body, name=name, catch_response=True) as r:
            # A race lost to a colleague (two people rating or answering the same thing) is the
            # product's documented 409, not an error.
            if r.status_code in ok or r.status_code == 409:
                r.success()
            else:
                r.failure(f"{r.status_code} on {method} {path}: {r.text[:200]}")
            return r

    def rows(self, path, name):
        r = self.api("GET", path, name)
        try:
            return list(r.json()["results"])
        except (ValueError, KeyError, TypeError):
            return []

    def ids(self, path, name):
        return [row["id"] for row in self.rows(path, name)]


class Triage(Person):
    role = "triage"
    weight = 4
    wait_time = between(2, 8)

    @task(5)
    def queue(self):
        self.page("/triage/", "page: triage queue")

    @task(4)
    def open_contact(self):
        ids = self.ids("/api/v1/contacts/?status=received", "api: contacts list")
        if ids:
            self.page(f"/triage/contacts/{random.choice(ids)}/", "page: triage contact")

    @task(2)
    def rate(self):
        # As a worker does: the contact as last seen (its version, so a colleague's rating in between is the
        # documented 409), a rating other than the one it has, and a reason when it is re-rated.
        rows = self.rows("/api/v1/contacts/?status=received", "api: contacts list")
        if not rows:
            return
        row = random.choice(rows)
        rating = random.choice([r for r in self.people["ratings"] if r != row.get("rating")])
        body = {"rating": rating, "rationale": "Load test: threshold met on the information held.",
                "agencies": ["police", "health", "education"], "version": row["version"]}  # fmt: skip
        if row.get("rating"):
            body["reason"] = "Load test: new information from the school."
        self.api("POST", f"/api/v1/contacts/{row['id']}/rating/", "api: rate a contact", json_body=body)


class Referrer(Person):
    role = "referrer"
    weight = 3
    wait_time = between(20, 60)

    @task(3)
    def file_marf(self):
        self.api("POST", "/api/v1/contacts/", "api: file a MARF", json_body=marf(), ok=(201,))

    @task(1)
    def my_referrals(self):
        self.api("GET", "/api/v1/contacts/", "api: my referrals")


class Navigator(Person):
    role = "navigator"
    weight = 3
    wait_time = between(3, 10)

    @task(4)
    def workspace(self):
        self.page("/navigators/", "page: navigators' workspace")

    @task(2)
    def open_request(self):
        ids = self.ids("/api/v1/information-requests/?status=open", "api: open requests")
        if ids:
            self.page(f"/navigators/requests/{random.choice(ids)}/", "page: information request")

    @task(2)
    def answer(self):
        ids = self.ids("/api/v1/information-requests/?status=open", "api: open requests")
        if not ids:
            return
        body = {
            "known_to_agency": random.random() < 0.5,
            "summary": "Known since 2024: two call-outs, no charges.",
            "risk_indicators": ["domestic abuse"],
            "recommendation": "Strategy discussion if further incidents.",
            # Needed when the family did not consent (a public report): information-sharing guidance.
            "consent_reason": "risk_to_child",
        }
        path = f"/api/v1/information-requests/{random.choice(ids)}/return/"
        self.api("POST", path, "api: answer a request", json_body=body)


class Manager(Person):
    role = "manager"
    weight = 1
    wait_time = between(5, 20)

    @task(3)
    def dashboard(self):
        self.page("/dashboard/", "page: dashboard")

    @task(1)
    def timeliness(self):
        today = date.today()
        path = f"/api/v1/dashboard/timeliness/?from={today - timedelta(days=365)}&to={today}"
        self.api("GET", path, "api: timeliness figures")

    @task(1)
    def queue(self):
        self.page("/triage/", "page: triage queue")


class Public(Person):
    """A member of the public reporting a worry: reads the form, sometimes sends it."""

    role = ""
    weight = 1
    wait_time = between(20, 60)

    @task(3)
    def form(self):
        self.page(f"/contacts/report/{self.tenant}/", "page: public report form")

    @task(1)
    def report(self):
        child = {"first_name": random.choice(FIRST), "last_name": random.choice(LAST)}
        body = {"children": [child], "concerns": "I hear shouting and a child crying late most nights next door.",
                "address": "14 Mill Road", "postcode": "CB1 2AB", "reporter_name": "A neighbour"}  # fmt: skip
        with self.client.post(f"/api/v1/public/{self.tenant}/contacts/", json=body, name="api: public report",
                              catch_response=True) as r:  # fmt: skip
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")
