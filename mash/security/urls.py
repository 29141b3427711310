from django.urls import include, path

from . import audit_views, views

app_name = "security"

pages = [
    path("two-factor/set-up/", views.enrol, name="enrol"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/recovery-codes/", views.new_recovery_codes, name="recovery-codes"),
    path("session/keep-alive/", views.keep_alive, name="keep-alive"),
    path("audit/", audit_views.audit_log, name="audit"),
]

urlpatterns = [path("security/", include((pages, "security")))]
