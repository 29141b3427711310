from django.urls import path

from . import views_api
from .accounts.api import UserViewSet


def register(router):
    router.register("agencies", views_api.AgencyViewSet, basename="agency")
    router.register("users", UserViewSet, basename="user")


urlpatterns = [
    path("health/", views_api.HealthView.as_view(), name="health"),
    path("health/ping/", views_api.HealthPingView.as_view(), name="health-ping"),
    path("documents/<int:pk>/", views_api.DocumentDownloadView.as_view(), name="document"),
]
