from django.urls import include, path

from . import views

pages = [
    path("", views.dashboard, name="dashboard"),
    path("records/<slug:figure>/", views.records, name="records"),
    path("figures.csv", views.figures_csv, name="figures-csv"),
    path("annex-a/", views.annex_a_page, name="annex-a"),
    path("annex-a/download/", views.annex_a_download, name="annex-a-download"),
]

app_name = "reporting"
urlpatterns = [
    path("dashboard/", include((pages, "reporting"))),
]
