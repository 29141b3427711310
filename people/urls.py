from django.urls import include, path

from . import views

pages = [
    path("", views.search_page, name="search"),
    path("<int:pk>/", views.person_page, name="person"),
    path("<int:pk>/print/", views.print_page, name="print"),
    path("<int:pk>/chronology/new/", views.add_entry, name="add-entry"),
    path("<int:pk>/birth/", views.record_birth, name="record-birth"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("merges/<int:pk>/unmerge/", views.unmerge, name="unmerge"),
    path("links/contacts/<int:pk>/", views.link, name="link"),
    path("links/<int:pk>/undo/", views.unlink, name="unlink"),
]

app_name = "people"
urlpatterns = [path("people/", include((pages, "people")))]
