from django.urls import include, path

from . import agency_views, views

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

# The administrator's partner agencies sit with the other settings pages, outside /navigators/.
_settings = [
    path("settings/agencies/", agency_views.agency_list, name="agencies"),
    path("settings/agencies/add/", agency_views.agency_add, name="agency-add"),
    path("settings/agencies/<slug:slug>/rename/", agency_views.agency_rename, name="agency-rename"),
    path("settings/agencies/<slug:slug>/retire/", agency_views.agency_retire, name="agency-retire"),
    path("settings/agencies/<slug:slug>/reinstate/", agency_views.agency_reinstate, name="agency-reinstate"),
]

# Discovered by mash.routing.page_urlpatterns, under the "navigators" namespace: the navigators' pages
# under /navigators/, the agencies' settings under /settings/agencies/.
urlpatterns = [path("", include(([path("navigators/", include(_patterns)), *_settings], app_name)))]
