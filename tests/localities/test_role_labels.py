"""Role groups and permissions named as officials read them, in the interface's language."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from localities.roles import permission_label

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "view", "personal"),
    [
        ("en", "Household: view", "Can see ID numbers and ethnicity in full"),
        ("vi", "Hộ: xem", "Được xem đầy đủ số định danh cá nhân và dân tộc"),
    ],
)
def test_a_models_own_permission_is_not_named_as_its_view_permission(language, view, personal):
    """view_personal_data begins with "view", as view_household does: it grants far more, and says so."""
    own = Permission.objects.get(codename="view_personal_data", content_type__model="household")
    plain = Permission.objects.get(codename="view_household")
    with translation.override(language):
        assert permission_label(plain) == view
        assert permission_label(own) == personal
