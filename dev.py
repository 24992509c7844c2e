#!/usr/bin/env python3
"""Set-up and test commands for a fresh machine that has only Python 3.11+.

    python3 dev.py start   install into .venv, create the database with reference and demo data, serve
    python3 dev.py test    install into .venv, then lint, check migrations and run the test suite

Both respect DATABASE_URL (SQLite file db.sqlite3 when unset). Extra arguments after `test` go to pytest.
On a machine with several CPUs `test` runs the suite in one process per CPU (pytest-xdist, each with its own
test database); a file, a test or a `-k` selection runs in one process (see pytest_workers below).
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args, **kwargs) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    """Create .venv and install the pinned requirements, again only when requirements.txt changes."""
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py runs under whatever python3 the machine has)
        sys.exit("NTP Tracker needs Python 3.11 or newer.")
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    say("installing the pinned requirements (first run only)")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS)
    STAMP.write_text(digest)


def manage(*args) -> None:
    run(PYTHON, "manage.py", *args)


def start(options) -> None:
    ensure_environment()
    manage("bootstrap")
    if options.no_serve:
        return
    address = f"127.0.0.1:{options.port}"
    say(f"NTP Tracker is at http://{address}/ (the status pages; data entry at /admin/; stop with Ctrl+C)")
    manage("runserver", address)


def test(options) -> None:
    ensure_environment()
    say("ruff (lint and format check)")
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    say("migrations are up to date")
    manage("makemigrations", "--check", "--dry-run")
    database = os.environ.get("DATABASE_URL", "sqlite (default)")
    if not (os.environ.get("NTP_CHROMIUM") or shutil.which("chromium")):
        say("no Chromium here: the browser tests (tests/browser) are skipped; to run them, install Debian's chromium")
        say("    (sudo apt-get install chromium) and run: python3 dev.py test tests/browser")
    workers = pytest_workers(options.pytest_args)
    say(f"test suite on {database.split('@')[-1]}" + (f", in {workers} processes" if workers > 1 else ""))
    # loadfile: a module's tests share one worker, so that its module-scoped data (the demo data: half a
    # CPU-minute) is made once. (loadgroup's xdist_group marks are lost under pytest 9.2: xdist 3.8 renames
    # items through an attribute pytest no longer reads.)
    parallel = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []
    run(PYTHON, "-m", "pytest", *parallel, *options.pytest_args)


MAX_TEST_WORKERS = 8


def pytest_workers(pytest_args: list[str]) -> int:
    """How many processes dev.py runs the tests in (pytest-xdist): one per CPU, at most MAX_TEST_WORKERS.

    Each process makes its own test database and loads the 13,000 administrative units into it (about 7 s of
    CPU), which pays for itself on the whole suite or a folder of it, not on a file, a test or a `-k`
    selection: those run in one process. Nor do `--pdb`/`--trace`, which need one. Choosing for oneself
    (`-n 4`, `-n 0`, `-p no:xdist`) is left alone: then it returns 1 and adds nothing.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    for i, arg in enumerate(pytest_args):
        chosen = arg in ("-n", "--numprocesses", "--dist") or arg.startswith(("-n", "--numprocesses=", "--dist="))
        no_xdist = arg == "-pno:xdist" or (arg == "-p" and pytest_args[i + 1 : i + 2] == ["no:xdist"])
        one_process = arg in ("--pdb", "--trace") or arg.startswith("-k")
        selection = not arg.startswith("-") and (("::" in arg) or arg.endswith(".py"))
        if chosen or no_xdist or one_process or selection:
            return 1
    return min(cpus, MAX_TEST_WORKERS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="install, load reference and demo data, and serve")
    start_parser.add_argument("--port", default="8000")
    start_parser.add_argument("--no-serve", action="store_true", help="set everything up but do not serve")
    test_parser = commands.add_parser("test", help="install, lint and run the test suite")
    test_parser.add_argument("pytest_args", nargs="*", help="passed on to pytest, e.g. -k capital -x")
    # Options after `test` are pytest's (`-k capital -x`), not dev.py's: they are passed on untouched.
    options, unknown = parser.parse_known_args()
    if unknown and options.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if options.command == "test":
        options.pytest_args = sys.argv[sys.argv.index("test") + 1 :]
    {"start": start, "test": test}[options.command](options)


if __name__ == "__main__":
    main()
