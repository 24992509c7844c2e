"""The data set the benchmarks run on: built with generate_national_data when missing, else reused.

The build runs as a child process so that its wall time and peak memory are its own; its figures are kept in
bench/results/ beside the database's name, so that a later run reusing the set still reports them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_USERNAME = "bench-national"
BENCH_PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-national-local-only")


def database_label() -> str:
    settings_dict = connection.settings_dict
    name = Path(str(settings_dict["NAME"])).stem if connection.vendor == "sqlite" else settings_dict["NAME"]
    return f"{connection.vendor}-{name}"


def build_record_path() -> Path:
    return RESULTS / f"build-{database_label()}.json"


def ensure_schema_and_reference(say=print) -> None:
    """Migrate, load the localities and the reference fixtures if the database lacks them."""
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        say("   migrating the database")
        call_command("migrate", verbosity=0)
    from localities.models import Commune
    from programs.models import Program

    if not Commune.objects.exists():
        say("   loading the localities")
        call_command("load_localities", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not Program.objects.exists():
        say("   loading the reference fixtures")
        call_command("loaddata", "legal_documents", "programs", "ethnic_groups", "poverty_standards", verbosity=0)


def ensure_data(*, scale: float, seed: int, rebuild: bool, say=print) -> dict:
    """Build the data set if there is none (or `rebuild`), and return the figures of its build."""
    from devdata.national_data import generated_counts

    ensure_schema_and_reference(say)
    counts = generated_counts()
    record_path = build_record_path()
    if any(counts.values()) and not rebuild:
        record = json.loads(record_path.read_text()) if record_path.exists() else {}
        if record and (record.get("scale") != scale or record.get("seed") != seed):
            say(f"   note: the data set was built at scale {record.get('scale')}, seed {record.get('seed')}")
        record["reused"] = True
        say(f"   reusing the generated set ({counts['works']:,} works, {counts['households']:,} households)")
        return record
    say(f"   building the data set: generate_national_data --scale {scale:g} --seed {seed}")
    record = build(scale=scale, seed=seed, replace=any(counts.values()))
    RESULTS.mkdir(exist_ok=True)
    record_path.write_text(json.dumps(record, indent=2))
    connection.close()  # the child changed the database: start again with fresh statistics and connections
    return record


def build(*, scale: float, seed: int, replace: bool) -> dict:
    """Run the generator in a child process: its wall time, and the rows and peak RSS it reports."""
    command = [sys.executable, "manage.py", "generate_national_data", f"--scale={scale}", f"--seed={seed}"]
    if replace:
        command.append("--replace")
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"generate_national_data failed:\n{output}")
    return {"scale": scale, "seed": seed, "wall_s": wall, **parse_summary(output)}


def parse_summary(output: str) -> dict:
    """Rows, phase times and peak RSS from the summary generate_national_data prints."""
    figures: dict = {"output": output}
    total = re.search(r"^total\s+([\d,]+)\s+([\d.]+)", output, re.M)
    if total:
        figures["rows"] = int(total[1].replace(",", ""))
        figures["command_wall_s"] = float(total[2])
    phases = re.search(r"^Phases: (.*)$", output, re.M)
    if phases:
        figures["phases"] = {name: float(s) for name, s in re.findall(r"([a-z ]+?) ([\d.]+) s", phases[1])}
    rss = re.search(r"peak RSS ([\d,]+) MB", output)
    if rss:
        figures["peak_rss_mb"] = float(rss[1].replace(",", ""))
    return figures


def bench_superuser():
    """The national superuser the benchmarks and the load test log in as (created on first use)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username=BENCH_USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(BENCH_USERNAME, "bench@example.org", BENCH_PASSWORD)
    elif not user.check_password(BENCH_PASSWORD):
        user.set_password(BENCH_PASSWORD)
        user.save(update_fields=["password"])
    return user


PROVINCE_VIEWER = "bench-province-viewer"


def largest_province():
    """The current province holding the most works (the province viewer's, and the province lines')."""
    from django.db.models import Count

    from localities.models import Province
    from tracker.models import Work

    largest = Work.objects.values("commune__current_province").order_by().annotate(n=Count("pk")).order_by("-n").first()
    return Province.objects.get(pk=largest["commune__current_province"]) if largest else None


def bench_province_viewer():
    """A viewer of the largest current province (created on first use): the lists as a province sees them."""
    from django.contrib.auth import get_user_model

    from kernel.access import JurisdictionLevelChoices
    from localities.choices import RoleChoices
    from localities.models import Official
    from localities.roles import role_group, roles_setup

    roles_setup()  # the role groups, as `manage.py setup_roles` makes them (the generator makes no official)
    User = get_user_model()
    province = largest_province()
    user = User.objects.filter(username=PROVINCE_VIEWER).first()
    if user is None:
        user = User.objects.create_user(PROVINCE_VIEWER, "province@example.org", BENCH_PASSWORD, is_staff=True)
    user.groups.set([role_group(RoleChoices.VIEWER)])
    official = Official.objects.filter(user=user).first() or Official(user=user)
    official.level, official.province, official.commune = JurisdictionLevelChoices.PROVINCE, province, None
    official.save()
    return user


def allow_test_host() -> None:
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver", "127.0.0.1"]
