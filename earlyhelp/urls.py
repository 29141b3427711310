from django.urls import include, path

from . import views

app_name = "earlyhelp"

pages = [
    path("", views.queue, name="queue"),
    path("queue/rows/", views.queue_rows, name="queue-rows"),
    path("new/", views.new_request, name="new"),
    path("new/discard/", views.discard_draft, name="draft-discard"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.request_detail, name="request"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
    path("<int:pk>/assessment/", views.assessment, name="assessment"),
    path("<int:pk>/consent/", views.consent, name="consent"),
    path("<int:pk>/sent-to-mash/", views.sent_to_mash, name="sent-to-mash"),
    path("<int:pk>/plan/actions/new/", views.add_action, name="action-add"),
    path("<int:pk>/tasks/<int:task_pk>/call/", views.call, name="call"),
    path("<int:pk>/tasks/<int:task_pk>/letter/", views.letter, name="letter"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/reviews/<int:review_pk>/", views.review, name="review"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/step-up/", views.step_up, name="step-up"),
]

urlpatterns = [
    path("early-help/", include((pages, "earlyhelp"))),
]
