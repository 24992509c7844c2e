from django.urls import path
from rest_framework.routers import SimpleRouter

from . import bulk, oc4ids, views

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
    # Before the router's, whose `<resource>/<key>/` would take these names for keys.
    path("works/oc4ids/", oc4ids.WorkPackageView.as_view(), name="work-oc4ids"),
    path("progress-reports/bulk/", bulk.ProgressReportBulkView.as_view(), name="progressreport-bulk"),
    path("disbursements/bulk/", bulk.DisbursementBulkView.as_view(), name="disbursement-bulk"),
    *router.urls,
]
