from django.urls import path

from . import api

urlpatterns = [
    path("people/", api.PeopleSearchView.as_view(), name="people-search"),
    path("people/<int:pk>/", api.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/merge/", api.PersonMergeView.as_view(), name="person-merge"),
    path("people/merges/<int:pk>/unmerge/", api.PersonUnmergeView.as_view(), name="person-unmerge"),
]
