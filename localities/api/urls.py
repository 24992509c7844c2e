from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("communes", views.CommuneViewSet, basename="commune")
router.register("villages", views.VillageViewSet, basename="village")

urlpatterns = router.urls
