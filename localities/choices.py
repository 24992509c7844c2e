from django.db import models
from django.utils.translation import gettext_lazy as _


class GenerationChoices(models.TextChoices):
    """Which administrative map a unit belongs to."""

    LEGACY = "legacy", _("Until 30 June 2025 (63 provinces)")
    CURRENT = "2025", _("From 1 July 2025 (34 provinces)")


class UnitTypeChoices(models.TextChoices):
    PROVINCE = "tinh", _("Province (Tỉnh)")
    CITY = "thanh_pho", _("City (Thành phố)")
    URBAN_DISTRICT = "quan", _("Urban district (Quận)")
    RURAL_DISTRICT = "huyen", _("Rural district (Huyện)")
    TOWN = "thi_xa", _("Town (Thị xã)")
    COMMUNE = "xa", _("Commune (Xã)")
    WARD = "phuong", _("Ward (Phường)")
    TOWNSHIP = "thi_tran", _("Township (Thị trấn)")
    SPECIAL_ZONE = "dac_khu", _("Special zone (Đặc khu)")
    VILLAGE = "thon", _("Village (Thôn/Bản/Tổ)")


URBAN_UNIT_TYPES = {UnitTypeChoices.WARD, UnitTypeChoices.TOWNSHIP}


class ClassificationKindChoices(models.TextChoices):
    EM_COMMUNE_ZONE = "em_zone", _("Ethnic-minority commune zone (I/II/III)")
    EXTREMELY_DIFFICULT_VILLAGE = "difficult_village", _("Extremely difficult village")
    POOR_DISTRICT = "poor_district", _("Poor district")
    NTM_STANDARD = "ntm_standard", _("New Rural Development standard met")


class ZoneChoices(models.TextChoices):
    I = "I", _("Zone I")  # noqa: E741
    II = "II", _("Zone II")
    III = "III", _("Zone III")


class RoleChoices(models.TextChoices):
    """The roles officials hold; each is a permission group of the same name (see localities/roles.py)."""

    DATA_ENTRY = "data_entry", _("Data entry")
    APPROVER = "approver", _("Approver")
    VIEWER = "viewer", _("Viewer")
    NATIONAL_ADMIN = "national_admin", _("National administrator")
