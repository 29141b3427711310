from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import platform_views, views
from .accounts import urls as accounts_urls
from .routing import api_urlpatterns, page_urlpatterns, router
from .security.views import SignInView

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *api_urlpatterns(),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("home/<slug:slug>/", views.role_home, name="role-home"),
    path("health/", views.liveness, name="liveness"),
    path("documents/<int:pk>/", views.document, name="document"),
    # Password and, when set up, the security code (mash.security): one page.
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include((api_v1, "api"))),
    path("platform-admin/", admin.site.urls),
    path("platform/councils/", platform_views.council_list, name="platform-councils"),
    path(
        "platform/councils/<slug:slug>/suspend/",
        platform_views.council_status,
        {"action": "suspend"},
        name="platform-suspend",
    ),
    path(
        "platform/councils/<slug:slug>/reinstate/",
        platform_views.council_status,
        {"action": "reinstate"},
        name="platform-reinstate",
    ),
    *accounts_urls.urlpatterns,
    *page_urlpatterns(),
]

handler403 = "mash.views.permission_denied"
handler404 = "mash.views.page_not_found"
handler500 = "mash.views.server_error"
