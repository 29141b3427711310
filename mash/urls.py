from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import views, views_api

router = DefaultRouter()
router.register("agencies", views_api.AgencyViewSet, basename="agency")

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("health/", views_api.HealthView.as_view(), name="health"),
    path("health/ping/", views_api.HealthPingView.as_view(), name="health-ping"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("home/<slug:slug>/", views.role_home, name="role-home"),
    path("health/", views.liveness, name="liveness"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include((api_v1, "api"))),
    path("platform-admin/", admin.site.urls),
]

handler403 = "mash.views.permission_denied"
handler404 = "mash.views.page_not_found"
handler500 = "mash.views.server_error"
