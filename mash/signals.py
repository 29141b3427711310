from django.contrib.auth.models import Group
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import tenant_settings
from .models import Tenant, User
from .roles import Role, group_name


@receiver(post_save, sender=User)
def keep_role_group_in_step(sender, instance: User, raw=False, created=False, update_fields=None, **kwargs):
    """A user's role is the source of truth; their Django group follows it."""
    if raw:
        return
    if update_fields is not None and "role" not in update_fields:
        return  # e.g. last_login on signing in: the role, so the group, cannot have changed
    wanted = {group_name(instance.role)} if instance.role else set()
    # A user just created is in no group yet: nothing to read.
    current = set() if created else set(instance.groups.filter(name__startswith="role:").values_list("name", flat=True))
    if wanted == current:
        return
    stale = current - wanted
    if stale:
        instance.groups.remove(*Group.objects.filter(name__in=stale))
    for name in wanted - current:
        group, _ = Group.objects.get_or_create(name=name)
        instance.groups.add(group)


@receiver(post_save, sender=Tenant, dispatch_uid="mash.settings.tenant")
def tenant_row_changed(sender, instance: Tenant, raw=False, created=False, **kwargs):
    """The tenant row is one of its own settings (its time zone): its update renews the version too."""
    if not created:
        tenant_settings.changed(instance.pk)


def ensure_role_groups():
    """Create every role's group with its model permissions (idempotent)."""
    from django.contrib.auth.models import Permission

    from .roles import ROLE_PERMISSIONS

    for role in Role:
        group, _ = Group.objects.get_or_create(name=group_name(role))
        perms = []
        for dotted in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".")
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)
