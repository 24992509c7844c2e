from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("works", views.WorkViewSet, basename="work")
router.register("allocations", views.AllocationViewSet, basename="allocation")
router.register("disbursements", views.DisbursementViewSet, basename="disbursement")
router.register("progress-reports", views.ProgressReportViewSet, basename="progressreport")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("poverty-assessments", views.PovertyAssessmentViewSet, basename="povertyassessment")
router.register("supports", views.SupportViewSet, basename="support")

urlpatterns = [
    path("summary/", views.SummaryView.as_view(), name="summary"),
    *router.urls,
]
