from django.urls import include, path

from . import audit_views, retention_views, views

app_name = "security"

pages = [
    path("two-factor/set-up/", views.enrol, name="enrol"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/recovery-codes/", views.new_recovery_codes, name="recovery-codes"),
    path("two-factor/recovery-codes/download/", views.recovery_codes_download, name="recovery-codes-download"),
    path("two-factor/recovery-codes/kept/", views.recovery_codes_kept, name="recovery-codes-kept"),
    path("session/keep-alive/", views.keep_alive, name="keep-alive"),
    path("audit/", audit_views.audit_log, name="audit"),
]

retention_pages = [
    path("", retention_views.policy_list, name="policy"),
    path("<slug:rule>/", retention_views.policy_edit, name="edit"),
]

urlpatterns = [
    path("security/", include((pages, "security"))),
    path("settings/retention/", include((retention_pages, "retention"))),
]
