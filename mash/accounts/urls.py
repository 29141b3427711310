from django.urls import include, path

from . import team_views, views

app_name = "accounts"

_patterns = [
    path("settings/users/", views.user_list, name="list"),
    path("settings/users/add/", views.user_add, name="add"),
    path("settings/users/import/", views.user_import, name="import"),
    path("settings/users/<int:pk>/", views.user_detail, name="detail"),
    path("settings/users/<int:pk>/change/", views.user_change, name="change"),
    path("settings/users/<int:pk>/deactivate/", views.user_deactivate, name="deactivate"),
    path("settings/users/<int:pk>/reactivate/", views.user_reactivate, name="reactivate"),
    path("settings/users/<int:pk>/second-factor/reset/", views.user_reset_second_factor, name="reset-second-factor"),
    path("settings/users/<int:pk>/set-up-link/", views.user_send_set_up_link, name="send-set-up-link"),
    path("settings/teams/", team_views.team_list, name="teams"),
    path("settings/teams/add/", team_views.team_add, name="team-add"),
    path("settings/teams/<int:pk>/change/", team_views.team_change, name="team-change"),
    path("settings/teams/<int:pk>/retire/", team_views.team_retire, name="team-retire"),
    path("settings/teams/<int:pk>/reinstate/", team_views.team_reinstate, name="team-reinstate"),
    path("account/set-up/<str:uidb64>/<str:token>/", views.set_up, name="set-up"),
]

urlpatterns = [path("", include((_patterns, app_name)))]
