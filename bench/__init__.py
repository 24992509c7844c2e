"""Benchmarks of NTP Tracker on the national data set: `python -m bench --help` (or `bench/run`)."""
