from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", api.NotificationReadView.as_view(), name="notification-read"),
]
