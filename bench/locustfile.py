"""Officials' traffic against a running server: locust -f bench/locustfile.py (see bench/load.py).

Today: national officials browse the admin lists of works and households (page 1, other pages, one
province) and commune officials post progress reports through the admin form (with login and CSRF). When
the status pages and the REST API land, add their requests as tasks of the user classes below, or as new
`OfficialUser` subclasses with their own weights.

The targets (the login, the current province ids, works under construction to report on) come from the JSON
file named by BENCH_TARGETS, written by bench/load.py.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

TARGETS = json.loads(open(os.environ.get("BENCH_TARGETS", "bench/results/locust_targets.json")).read())  # noqa: SIM115
NOTE = TARGETS["note"]
_report_dates = itertools.count()
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class OfficialUser(HttpUser):
    """An official who logs in to the admin once, then works through the tasks of the subclass."""

    abstract = True
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        page = self.client.get("/admin/login/", name="login form")
        token = _CSRF_INPUT.search(page.text)
        response = self.client.post(
            "/admin/login/?next=/admin/",
            data={
                "username": TARGETS["username"],
                "password": TARGETS["password"],
                "csrfmiddlewaretoken": token[1] if token else "",
                "next": "/admin/",
            },
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed: {response.status_code}")

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class NationalOfficial(OfficialUser):
    """Province and ministry officials reading national lists."""

    weight = 3

    @task(5)
    def works_list(self):
        self.page("/admin/tracker/work/", "admin works list")

    @task(2)
    def works_list_later_page(self):
        self.page(f"/admin/tracker/work/?p={random.randint(1, 200)}", "admin works list, page 2-200")

    @task(3)
    def works_list_of_province(self):
        self.page(f"/admin/tracker/work/?province={random.choice(TARGETS['provinces'])}", "admin works list, province")

    @task(3)
    def households_list(self):
        self.page("/admin/tracker/household/", "admin households list")

    @task(1)
    def households_list_of_province(self):
        province = random.choice(TARGETS["provinces"])
        self.page(f"/admin/tracker/household/?province={province}", "admin households list, province")


class CommuneOfficial(OfficialUser):
    """Commune officials reporting the progress of their works through the admin's add form."""

    weight = 1

    @task
    def report_progress(self):
        work = random.choice(TARGETS["works"])
        form = self.client.get("/admin/tracker/progressreport/add/", name="admin progress form")
        token = _CSRF_INPUT.search(form.text)
        # A date per post: one report per work and day is the rule, and the load test must not break it.
        day = datetime.date.fromisoformat(TARGETS["first_date"]) + datetime.timedelta(days=next(_report_dates) % 400)
        progress = min(99.0, work["progress"] + random.uniform(0.5, 5))
        with self.client.post(
            "/admin/tracker/progressreport/add/",
            data={
                "csrfmiddlewaretoken": token[1] if token else "",
                "work": work["id"],
                "reported_on": day.isoformat(),
                "progress_percent": f"{progress:.2f}",
                "quantity_done": "",
                "status": "construction",
                "note": NOTE,
                "_save": "Save",
            },
            name="admin progress post",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
                response.failure(f"{response.status_code}: {errors[:1]}")
