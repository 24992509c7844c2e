"""kernel.auth.ModelBackend: a user's own and their groups' permissions in one query, as Django gives them."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangosBackend
from django.contrib.auth.models import Group, Permission

from kernel.auth import ModelBackend

pytestmark = pytest.mark.django_db


def _permission(codename):
    return Permission.objects.get(content_type__app_label="tracker", codename=codename)


@pytest.fixture
def user():
    user = get_user_model().objects.create_user("someone", password="x-Secret-123")
    user.user_permissions.add(_permission("view_work"))
    group = Group.objects.create(name="Some group")
    group.permissions.add(_permission("add_work"), _permission("view_work"))
    user.groups.add(group, Group.objects.create(name="Another group"))
    Group.objects.create(name="Not theirs").permissions.add(_permission("delete_work"))
    return user


def test_the_permissions_are_djangos(user):
    ours, djangos = ModelBackend(), DjangosBackend()
    fresh = get_user_model().objects.get(pk=user.pk)
    assert (
        ours.get_all_permissions(fresh)
        == djangos.get_all_permissions(user)
        == {
            "tracker.view_work",
            "tracker.add_work",
        }
    )
    fresh = get_user_model().objects.get(pk=user.pk)
    assert ours.get_user_permissions(fresh) == djangos.get_user_permissions(user) == {"tracker.view_work"}
    assert ours.get_group_permissions(fresh) == djangos.get_group_permissions(user)


def test_one_query_for_both_then_none(user, django_assert_num_queries):
    fresh = get_user_model().objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert fresh.has_perm("tracker.add_work")
        assert fresh.has_perm("tracker.view_work")
        assert not fresh.has_perm("tracker.delete_work")
        assert fresh.get_group_permissions() == {"tracker.add_work", "tracker.view_work"}


def test_an_inactive_user_has_none_and_a_superuser_every_one(user):
    user.is_active = False
    assert ModelBackend().get_all_permissions(user) == set()
    root = get_user_model().objects.create_superuser("root", password="x-Secret-123")
    assert len(ModelBackend().get_all_permissions(root)) == Permission.objects.count()
