from django.urls import path

from . import api, handover_api


def register(router):
    router.register("case-notes", api.CaseNoteViewSet, basename="case-note")


urlpatterns = [
    path("contacts/<int:pk>/rating/", api.RatingView.as_view(), name="contact-rating"),
    path("contacts/<int:pk>/decision/", api.DecisionView.as_view(), name="contact-decision"),
    path("contacts/<int:pk>/take/", api.TakeView.as_view(), name="contact-take"),
    path("contacts/<int:pk>/reporter-identity/", api.ReporterIdentityView.as_view(), name="contact-reporter-identity"),
    path(
        "contacts/<int:pk>/strategy-discussion/",
        api.StrategyDiscussionView.as_view(),
        name="contact-strategy-discussion",
    ),
    path("contacts/<int:pk>/cpis-check/", api.CpisCheckView.as_view(), name="contact-cpis-check"),
    path("triage/queue/", api.QueueView.as_view(), name="triage-queue"),
    path("contacts/<int:pk>/handover/", handover_api.HandoverView.as_view(), name="contact-handover"),
    path(
        "contacts/<int:pk>/handover/acknowledge/",
        handover_api.HandoverAcknowledgeView.as_view(),
        name="contact-handover-acknowledge",
    ),
    path("consultations/", handover_api.ConsultationsView.as_view(), name="consultations"),
]
