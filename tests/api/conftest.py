import pytest


@pytest.fixture
def api_client():
    """api_client(user=None) → a DRF test client authenticated with a new API token of `user`."""
    from rest_framework.test import APIClient

    from api.services import api_token_create

    def make(user=None):
        client = APIClient()
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages asserted; a request may ask for vi
        if user is not None:
            _token, key = api_token_create(user=user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make


@pytest.fixture
def official_client(make_official, api_client):
    """official_client(role, level, unit) → (client, user): a token-authenticated client of a new official."""

    def make(role, level, unit=None):
        user = make_official(role, level, unit)
        return api_client(user), user

    return make


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttle counts live in the cache, keyed by token key; keys come back after a rollback."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
