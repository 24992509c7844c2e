from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkTypeChoices(models.TextChoices):
    ROAD_COMMUNE_CENTRE = "road_centre", _("Road to the commune centre")
    ROAD_INTER_COMMUNE = "road_inter_commune", _("Inter-commune road")
    ROAD_INTER_VILLAGE = "road_inter_village", _("Inter-village road")
    ROAD_IN_VILLAGE = "road_in_village", _("In-village road")
    ROAD = "road", _("Rural road (kind not stated)")  # a report's "Giao thông nông thôn", when the name says no more
    BRIDGE = "bridge", _("Bridge")
    POWER = "power", _("Power supply")
    IRRIGATION = "irrigation", _("Irrigation")
    DOMESTIC_WATER = "water", _("Domestic water")
    SCHOOL = "school", _("School or classrooms")
    HEALTH_STATION = "health", _("Health station")
    CULTURAL_HOUSE = "cultural_house", _("Community cultural house")
    RADIO_STATION = "radio", _("Commune radio station")
    MARKET = "market", _("Market")
    OTHER = "other", _("Other small work")


ROAD_TYPES = (
    WorkTypeChoices.ROAD_COMMUNE_CENTRE,
    WorkTypeChoices.ROAD_INTER_COMMUNE,
    WorkTypeChoices.ROAD_INTER_VILLAGE,
    WorkTypeChoices.ROAD_IN_VILLAGE,
    WorkTypeChoices.ROAD,
)


class CapacityUnitChoices(models.TextChoices):
    KM = "km", _("km")
    M = "m", _("m")
    M2 = "m2", _("m²")
    M3 = "m3", _("m³")
    HA = "ha", _("ha irrigated")
    CLASSROOM = "classroom", _("classrooms")
    HOUSEHOLD = "household", _("households served")
    KVA = "kva", _("kVA")
    UNIT = "unit", _("units")


class WorkStatusChoices(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    UNDER_CONSTRUCTION = "construction", _("Under construction")
    COMPLETED = "completed", _("Completed (accepted, handed over)")
    SETTLED = "settled", _("Settled (quyết toán)")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


STARTED_STATUSES = (
    WorkStatusChoices.UNDER_CONSTRUCTION,
    WorkStatusChoices.COMPLETED,
    WorkStatusChoices.SETTLED,
    WorkStatusChoices.SUSPENDED,
)
FINISHED_STATUSES = (WorkStatusChoices.COMPLETED, WorkStatusChoices.SETTLED)


class PovertyStatusChoices(models.TextChoices):
    POOR = "poor", _("Poor")
    NEAR_POOR = "near_poor", _("Near-poor")
    ESCAPED = "escaped", _("Newly escaped poverty")
    NOT_POOR = "not_poor", _("Not poor")


class SupportKindChoices(models.TextChoices):
    LOAN = "loan", _("Loan (Social Policy Bank)")
    LIVESTOCK = "livestock", _("Livestock")
    SEEDLINGS = "seedlings", _("Seedlings and plants")
    HOUSING_NEW = "housing_new", _("Housing: new house")
    HOUSING_REPAIR = "housing_repair", _("Housing: repair")
    VOCATIONAL_TRAINING = "vocational", _("Vocational training")
    JOB = "job", _("Job placement")
    HEALTH_INSURANCE = "health_insurance", _("Health insurance card")
    ELECTRICITY = "electricity", _("Electricity bill")
    DOMESTIC_WATER = "water", _("Domestic water")
    PRODUCTION_LAND = "land", _("Production land")
    OTHER = "other", _("Other")


class PeriodReportStatusChoices(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the province")
    APPROVED = "approved", _("Approved (locked)")
    RETURNED = "returned", _("Returned for correction")
