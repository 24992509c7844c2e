from django.urls import path

from . import views

app_name = "status"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("program/<int:pk>/", views.program, name="program"),
    path("component/<int:pk>/", views.component, name="component"),
    path("province/<int:pk>/", views.province, name="province"),
    path("commune/<int:pk>/", views.commune, name="commune"),
    path("work/<int:pk>/", views.work, name="work"),
    path("infrastructure/", views.infrastructure, name="infrastructure"),
    path("lagging/", views.lagging, name="lagging"),
    path("households/", views.households, name="households"),
]
