from django.urls import path

from .api import TeamViewSet, TimelinessView


def register(router):
    router.register("teams", TeamViewSet, basename="team")


urlpatterns = [
    path("dashboard/timeliness/", TimelinessView.as_view(), name="dashboard-timeliness"),
]
