from django.urls import include, path

from . import handover_views, harm_views, views

pages = [
    path("", views.queue, name="queue"),
    path("contacts/<int:pk>/", views.contact_page, name="contact"),
    path("contacts/<int:pk>/take/", views.take, name="take"),
    path("contacts/<int:pk>/rating/", views.rate, name="rate"),
    path("contacts/<int:pk>/decision/", views.decide, name="decide"),
    path("contacts/<int:pk>/signs-of-safety/", views.safety_map, name="safety-map"),
    path("contacts/<int:pk>/call/", views.referrer_call, name="call"),
    path("contacts/<int:pk>/reporter-identity/", views.reporter_identity, name="reporter-identity"),
    path("contacts/<int:pk>/threshold/", views.threshold, name="threshold"),
    path("contacts/<int:pk>/sharing/", views.sharing, name="sharing"),
    path("contacts/<int:pk>/notes/", views.add_note, name="note"),
    path("contacts/<int:pk>/cpis-check/", harm_views.cpis_check, name="cpis-check"),
    path("contacts/<int:pk>/strategy-discussion/", harm_views.strategy_discussion, name="strategy-discussion"),
    path("contacts/<int:pk>/out-of-hours/", harm_views.edt_record, name="edt-record"),
    path("out-of-hours/", harm_views.edt_queue, name="edt-queue"),
    path("contacts/<int:pk>/handover/", handover_views.summary_page, name="handover"),
    path("contacts/<int:pk>/handover/print/", handover_views.summary_print, name="handover-print"),
    path("contacts/<int:pk>/handover/summary.pdf", handover_views.summary_pdf, name="handover-pdf"),
    path("contacts/<int:pk>/handover/send/", handover_views.send, name="handover-send"),
    path("contacts/<int:pk>/handover/acknowledge/", handover_views.acknowledge, name="handover-acknowledge"),
    path("consultations/", handover_views.consultation_list, name="consultations"),
    path("consultations/new/", handover_views.consultation_new, name="consultation-new"),
    path("contacts/<int:pk>/matches/<int:candidate_pk>/<slug:verdict>/", views.decide_match, name="match"),
]

app_name = "triage"
urlpatterns = [
    path("triage/", include((pages, "triage"))),
]
