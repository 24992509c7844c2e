"""Settings of the API benchmark's server: the application's own, plus the ceiling views (bench/api_urls.py).

Only `python -m bench.api_serve` uses it (DJANGO_SETTINGS_MODULE=bench.api_settings for its gunicorn): the
product's URLconf never mounts the ceiling.
"""

from config.settings import *  # noqa: F403 (the application's settings, unchanged but for the URLconf)

ROOT_URLCONF = "bench.api_urls"
