from django.urls import include, path

from . import views

ladders = [
    path("", views.ladder_list, name="ladders"),
    path("<slug:kind>/", views.ladder_edit, name="ladder-edit"),
]

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("settings/ladders/", include((ladders, "deadlines"))),
]
