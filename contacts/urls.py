from django.urls import include, path

from . import views

pages = [
    path("", views.contact_list, name="list"),
    path("mine/", views.my_referrals, name="mine"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/documents/add/", views.document_add, name="document-add"),
    path("phone/", views.phone_contact, name="phone"),
    path("referral/", views.marf_start, name="marf-start"),
    path("referral/discard/", views.marf_discard, name="marf-discard"),
    path("referral/children/", views.marf_children, name="marf-children"),
    path("referral/child/", views.marf_child, name="marf-child"),
    path("referral/child/<int:index>/", views.marf_child, name="marf-child-change"),
    path("referral/child/<int:index>/remove/", views.marf_child_remove, name="marf-child-remove"),
    path("referral/household/", views.marf_household, name="marf-household"),
    path("referral/person/", views.marf_person, name="marf-person"),
    path("referral/person/<int:index>/", views.marf_person, name="marf-person-change"),
    path("referral/person/<int:index>/remove/", views.marf_person_remove, name="marf-person-remove"),
    path("referral/check/", views.marf_check, name="marf-check"),
    path("referral/autosave/<slug:step>/", views.marf_autosave, name="marf-autosave"),
    path("referral/<slug:step>/", views.marf_step, name="marf-step"),
    path("<int:pk>/submitted/", views.marf_submitted, name="submitted"),
    path("report/<slug:tenant_slug>/", views.public_report, name="public-report"),
    path("report/<slug:tenant_slug>/sent/", views.public_sent, name="public-sent"),
]

urlpatterns = [
    path("contacts/", include((pages, "contacts"))),
]
