"""Security basics: login throttling, production settings that pass the deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_password_guessing_is_throttled(client, settings):
    User.objects.create_user(username="tinh.nhaplieu", password="right-Password-1", is_staff=True)
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "tinh.nhaplieu", "password": "wrong", "next": "/admin/"})
        assert response.status_code == 200  # the login form again, with its error
    last_try = client.post(url, {"username": "tinh.nhaplieu", "password": "wrong", "next": "/admin/"})
    assert last_try.status_code == 429
    locked = client.post(url, {"username": "tinh.nhaplieu", "password": "right-Password-1", "next": "/admin/"})
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content or "Quá nhiều".encode() in locked.content
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out by these failures.
    User.objects.create_user(username="xa.nhaplieu", password="right-Password-2", is_staff=True)
    other = client.post(url, {"username": "xa.nhaplieu", "password": "right-Password-2", "next": "/admin/"})
    assert other.status_code == 302


def test_a_successful_login_resets_the_count(client, settings):
    User.objects.create_user(username="official", password="right-Password-1", is_staff=True)
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "official", "password": "wrong"})
    assert client.post(url, {"username": "official", "password": "right-Password-1"}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "official", "password": "wrong"})
    assert client.post(url, {"username": "official", "password": "right-Password-1"}).status_code == 302


def test_production_settings_pass_the_deployment_checks():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "ntp.example.gov.vn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "0"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
