from .pages import ROLE_HOMES
from .roles import Role
from .security import mfa

# The places each role works in all day, in the header of every page (URL names without arguments).
# Every page a role opens from its home page is reachable from here too, so no page is a dead end.
WORK_LINKS: dict[str, list[tuple[str, str]]] = {
    Role.TRIAGE: [("Triage queue", "triage:queue"), ("Contacts", "contacts:list")],
    Role.MANAGER: [
        ("Triage queue", "triage:queue"),
        ("Contacts", "contacts:list"),
        ("Early help", "earlyhelp:queue"),
        ("Dashboard", "reporting:dashboard"),
    ],
    Role.HEAD: [
        ("Dashboard", "reporting:dashboard"),
        ("Early help", "earlyhelp:queue"),
        ("Annex A", "reporting:annex-a"),
        ("Audit log", "security:audit"),
    ],
    Role.EHCOORD: [("Early help queue", "earlyhelp:queue")],
    Role.REFERRER: [("Your referrals", "contacts:mine"), ("Your early help requests", "earlyhelp:mine")],
    Role.NAVIGATOR: [("Information requests", "navigators:workspace")],
    Role.AGENCY_LEAD: [("Information requests", "navigators:workspace")],
    Role.EDT: [("Out-of-hours queue", "triage:edt-queue")],
    Role.ADMIN: [
        ("Settings", "thresholds:settings"),
        ("Staff accounts", "accounts:list"),
        ("Agencies", "navigators:agencies"),
        ("Teams", "accounts:teams"),
        ("Navigator settings", "navigators:settings"),
        ("Audit log", "security:audit"),
    ],
}

# Staff work in the full-width caseworking layout (MoJ Design System); referrers, and everyone not
# signed in, keep the GOV.UK column of a public service.
STAFF_LAYOUT = "staff_base.html"
PUBLIC_LAYOUT = "base.html"


def navigation(request):
    """Header data: the tenant's name, the links the signed-in user's role may follow, and the layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"tenant": None, "nav_links": [], "layout_template": PUBLIC_LAYOUT}
    if not mfa.session_complete(user) or request.session.get(mfa.RECOVERY_CODES_PENDING):
        # Signed in with a password but not yet the second factor (or still setting one up, or yet to say
        # the new recovery codes are kept): the menu and the search would lead only away from that step,
        # so the header shows neither.
        return {"tenant": None, "nav_links": [], "layout_template": PUBLIC_LAYOUT, "session_complete": False}
    links = []
    home = ROLE_HOMES.get(user.role)
    if home:
        links.append({"label": "Home", "url_name": "role-home", "slug": home.slug})
    links += [{"label": label, "url_name": name} for label, name in WORK_LINKS.get(user.role, [])]
    if user.is_superuser and not user.tenant_id:  # platform operators: the councils and the admin site
        links += [
            {"label": "Councils", "url_name": "platform-councils"},
            {"label": "Platform admin", "url_name": "admin:index"},
        ]
    for link in links:
        link["href"] = _reverse(link)
    # The section the page belongs to is marked current (aria-current), the longest match winning.
    inside = [link for link in links if request.path.startswith(link["href"])]
    current = max(inside, key=lambda link: len(link["href"]), default=None)
    for link in links:
        link["current"] = link is current
    layout = PUBLIC_LAYOUT if user.role in (Role.REFERRER, "") or not user.tenant_id else STAFF_LAYOUT
    return {
        "tenant": getattr(request, "tenant", None) or user.tenant,
        "nav_links": links,
        "role_home": home,
        "layout_template": layout,
        "session_complete": True,
    }


def _reverse(link) -> str:
    from django.urls import reverse

    return reverse(link["url_name"], args=[link["slug"]] if link.get("slug") else None)
