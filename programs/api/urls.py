from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("programs", views.ProgramViewSet, basename="program")
router.register("components", views.ComponentViewSet, basename="component")
router.register("capital-plan-entries", views.CapitalPlanEntryViewSet, basename="capitalplanentry")

urlpatterns = router.urls
