"""The Celery application: background jobs (spreadsheet imports) on workers, when a broker is configured.

Run a worker beside the web server with `celery -A config worker` (same environment: DATABASE_URL,
CELERY_BROKER_URL, CACHE_URL, DJANGO_MEDIA_ROOT on storage both can read). Without CELERY_BROKER_URL no
worker is needed: jobs run in a thread of the web process (see imports/tasks.py).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ntp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
