from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("imports", views.ImportJobViewSet, basename="importjob")

urlpatterns = router.urls
