from django.urls import include, path

from . import views

app_name = "thresholds"

_patterns = [
    path("thresholds/", views.guidance, name="guidance"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/calendar/", views.calendar_edit, name="calendar"),
    path("settings/edt-cover/", views.edt_cover_edit, name="edt-cover"),
    path("settings/phone-numbers/", views.public_phone_numbers, name="phone-numbers"),
    path("settings/bouncing/", views.bounce_window, name="bounce-window"),
    path("settings/closure-days/", views.closure_days, name="closure-days"),
    path("settings/closure-days/<int:pk>/remove/", views.closure_day_remove, name="closure-day-remove"),
    path("settings/ratings/", views.rating_list, name="ratings"),
    path("settings/ratings/<slug:code>/", views.rating_edit, name="rating-edit"),
    path("settings/clocks/", views.clock_list, name="clocks"),
    path("settings/clocks/<slug:kind>/", views.clock_edit, name="clock-edit"),
    path("settings/thresholds/", views.threshold_document_edit, name="threshold-document"),
    path("settings/thresholds/levels/<int:number>/", views.threshold_level_edit, name="level-edit"),
    path(
        "settings/thresholds/levels/<int:number>/indicators/add/",
        views.threshold_indicator_add,
        name="indicator-add",
    ),
    path("settings/thresholds/indicators/<int:pk>/", views.threshold_indicator_edit, name="indicator-edit"),
    path(
        "settings/thresholds/indicators/<int:pk>/remove/",
        views.threshold_indicator_remove,
        name="indicator-remove",
    ),
]

# Discovered by mash.routing.page_urlpatterns (mounted at the site root), under the "thresholds" namespace.
urlpatterns = [path("", include((_patterns, app_name)))]
