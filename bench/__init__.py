"""Benchmarks of NTP Tracker on the national data set: `python -m bench --help` (or `bench/run`)."""


def setup_django() -> None:
    """Django, set up for a benchmark's process: the project's settings from the repository root, DEBUG off
    (measured as production runs, no query log kept), the test client's host allowed."""
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from .data import allow_test_host

    settings.DEBUG = False
    allow_test_host()
