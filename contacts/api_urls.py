from django.urls import path

from . import api


def register(router):
    router.register("contacts", api.ContactViewSet, basename="contact")


urlpatterns = [
    path("public/<slug:tenant_slug>/contacts/", api.PublicContactView.as_view(), name="public-contact"),
]
