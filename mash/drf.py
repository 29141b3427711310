"""Shared DRF base classes: every API view is tenant-scoped and role-checked without per-view code."""

from __future__ import annotations

import copy
import logging

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, Q
from django.http import Http404
from rest_framework import exceptions, fields, relations, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import freshness, tenancy
from .exceptions import DomainError
from .permissions import IsTenantMember, ObjectGrantPermission, role_permission  # noqa: F401 - re-exported

log = logging.getLogger(__name__)


class IdFilter(django_filters.NumberFilter):
    """A list filtered by a row's id (``?contact=12``): a whole number in the database's range, or a 400 that says
    so. django-filter's NumberFilter takes any decimal, and SQLite (the embedded default) cannot compare an integer
    beyond 64 bits: ``?contact=10**23`` was a 500 there."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class TenantScopedMixin:
    """Activates the caller's tenant after DRF authentication (token or session).

    Querysets come from ``Model.objects`` (scoped by construction) or a selector;
    another tenant's object therefore answers 404 without any code in the view.
    """

    def initial(self, request, *args, **kwargs):
        # Authenticate first, then enter the tenant before DRF checks permissions and throttles:
        # permission classes read tenant-owned rows (the user's agency), which row-level security
        # hides outside the tenant.
        self.perform_authentication(request)
        user = request.user
        tenant = getattr(user, "tenant", None) if user and user.is_authenticated else None
        request.tenant = tenant
        self._tenant_token = tenancy.activate(tenant)
        freshness.settle_for(user, tenant)  # work left to a worker that staff must not read around
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_tenant_token", None)
        if token is not None:
            tenancy.deactivate(token)
            self._tenant_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class PrototypeFields:
    """Serializer mixin: a class's fields are built once, and each instance gets copies of them.

    DRF builds every field of a serializer again for each instance (``get_fields`` deep-copies the declared
    fields, each copy running the field's ``__init__`` with deep copies of its arguments, choices included, and a
    ``ModelSerializer`` also derives its fields from the model again). For a MARF's input, with its children and
    household, that was 1.2 ms of a request's CPU, its reply 0.4 ms, and the objects made cost the garbage collector
    more: a MARF's web CPU in gunicorn fell from 21.5 to 18.0 ms with this (issue 22). Here each plain field is
    copied shallowly from the class's prototype: a new object with the prototype's attributes, which ``bind`` then
    gives its own name and parent. What the copies share is what DRF itself treats as immutable once a field is
    made (its validators, error messages and choices).

    Nested serializers and fields with a child (a list or a dict of something) are deep-copied as DRF does, since
    their children are bound to them. A class with a relational field is never cached at all: its queryset is
    scoped to the tenant active when it is made (``mash.tenancy``), and must be made in each request.
    """

    def get_fields(self):
        cls = type(self)
        prototypes = cls.__dict__.get("_prototype_fields")
        if prototypes is False:
            return super().get_fields()
        if prototypes is None:
            made = super().get_fields()
            if any(isinstance(f, (relations.RelatedField, relations.ManyRelatedField)) for f in made.values()):
                cls._prototype_fields = False
                return made  # made in this request, in its tenant: this instance's own
            cls._prototype_fields = prototypes = made
        return {name: _fresh(field) for name, field in prototypes.items()}


_DEEP = (serializers.BaseSerializer, fields.ListField, fields.DictField)


def _fresh(field: fields.Field) -> fields.Field:
    if isinstance(field, _DEEP):
        return copy.deepcopy(field)
    twin = object.__new__(type(field))
    twin.__dict__.update(field.__dict__)
    return twin


def granted_objects(user, queryset, action: str = "view"):
    """``queryset`` narrowed to the rows ``user`` holds the ``<action>_<model>`` object permission on
    (django-guardian), directly or through a group. One SQL query: the grants are hashed sub-selects, so the cost
    does not grow with a correlated lookup per row (guardian's own shortcut does that); the permission and the
    user's groups are each found first, so the group grants are a range of guardian's unique (group, permission,
    object) index, and they are compared as guardian stores them (text): the row's id is cast, not every grant.

    (Joining the permission by its codename and the groups through their users, PostgreSQL read the whole group
    grants table and cast every grant of the user's groups to a number before the first row: 14 ms at 5,000 grants
    of 20,000, for the count and the page alike.)
    """
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Subquery
    from django.db.models.functions import Cast
    from guardian.models import GroupObjectPermission, UserObjectPermission

    model = queryset.model
    ctype = ContentType.objects.get_for_model(model)
    permission = Subquery(
        Permission.objects.filter(content_type=ctype, codename=f"{action}_{model._meta.model_name}").values("pk")[:1]
    )
    groups = user.groups.values("pk")
    by_group = GroupObjectPermission.objects.filter(group_id__in=groups, permission_id=permission, content_type=ctype)
    by_user = UserObjectPermission.objects.filter(user=user, permission_id=permission, content_type=ctype)
    queryset = queryset.annotate(granted_pk=Cast("pk", CharField()))
    return queryset.filter(
        Q(granted_pk__in=by_group.values("object_pk")) | Q(granted_pk__in=by_user.values("object_pk"))
    )


class TenantAPIView(TenantScopedMixin, APIView):
    pass


class TenantScopedViewSet(TenantScopedMixin, viewsets.GenericViewSet):
    """Base viewset. Subclasses set ``model`` or override :meth:`scoped_queryset` with a selector call.

    Object-level access (django-guardian) is opt-in: a viewset naming ``object_grant_roles`` shows
    those roles only the objects their groups hold a ``view`` grant on (others are 404), and checks
    ``object_grant_actions`` (action -> codename prefix, e.g. ``{"submit_return": "change"}``) on
    each object; see :class:`mash.permissions.ObjectGrantPermission`. Viewsets that do not opt in
    are unchanged. ``object_grant_path`` (e.g. ``"request"``) puts the grant on a related object
    instead: a return is visible where its request is.
    """

    model = None
    object_grant_roles: frozenset = frozenset()
    object_grant_actions: dict[str, str] = {}
    object_grant_path: str = ""

    def scoped_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no tenant
            return self.model.all_tenants.none()
        queryset = self.scoped_queryset()
        user = getattr(self.request, "user", None)
        if self.object_grant_roles and user is not None and getattr(user, "role", None) in self.object_grant_roles:
            queryset = self._granted(user, queryset)
        return queryset

    def http_method_not_allowed(self, request, *args, **kwargs):
        # An object the caller may not see does not exist for them, whatever the method (API.md: 404
        # before 405). Visibility only: no object permission is checked here.
        lookup = kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if lookup is not None:
            get_object_or_404(self.get_queryset(), **{self.lookup_field: lookup})
        return super().http_method_not_allowed(request, *args, **kwargs)

    def _granted(self, user, queryset):
        if not self.object_grant_path:
            return granted_objects(user, queryset, "view")
        related = queryset.model._meta.get_field(self.object_grant_path).related_model
        granted = granted_objects(user, related.objects.all(), "view")
        return queryset.filter(**{f"{self.object_grant_path}__in": granted.values("pk")})

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.object_grant_roles:
            permissions.append(ObjectGrantPermission())
        return permissions


def exception_handler(exc, context):
    """One place turning domain and model errors into the API's error shapes (never a 500)."""
    if isinstance(exc, DomainError):
        return Response(exc.as_errors(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            data = {"detail": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        return Response(
            {"detail": "This record is still in use by other records and cannot be removed."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
