from django.urls import path

from . import api


def register(router):
    router.register("ratings", api.RatingViewSet, basename="rating")


urlpatterns = [
    path("calendar/due/", api.DueView.as_view(), name="calendar-due"),
]
