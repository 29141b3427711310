from django.urls import include, path

from . import views

app_name = "navigators"

_patterns = [
    path("", views.workspace, name="workspace"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/return/", views.return_save, name="return-save"),
    path("requests/<int:pk>/return/autosave/", views.return_autosave, name="return-autosave"),
    path("requests/<int:pk>/return/addenda/", views.addendum_add, name="addendum-add"),
    path("requests/<int:pk>/assign/", views.assign, name="assign"),
    path("requests/<int:pk>/documents/add/", views.document_add, name="document-add"),
    path("enquiries/<int:contact_id>/", views.enquiry, name="enquiry"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/questions/<slug:agency_slug>/", views.template_edit, name="template-edit"),
]

# Discovered by mash.routing.page_urlpatterns, under /navigators/ and the "navigators" namespace.
urlpatterns = [path("navigators/", include((_patterns, app_name)))]
