from django.urls import path

from . import views_api


def register(router):
    router.register("agencies", views_api.AgencyViewSet, basename="agency")


urlpatterns = [
    path("health/", views_api.HealthView.as_view(), name="health"),
    path("health/ping/", views_api.HealthPingView.as_view(), name="health-ping"),
]
