from .pages import ROLE_HOMES
from .roles import Role

# The places each role works in all day, in the header of every page (URL names without arguments).
WORK_LINKS: dict[str, list[tuple[str, str]]] = {
    Role.TRIAGE: [("Triage queue", "triage:queue"), ("Contacts", "contacts:list")],
    Role.MANAGER: [
        ("Triage queue", "triage:queue"),
        ("Contacts", "contacts:list"),
        ("Early help", "earlyhelp:queue"),
        ("Dashboard", "reporting:dashboard"),
    ],
    Role.HEAD: [("Dashboard", "reporting:dashboard"), ("Early help", "earlyhelp:queue")],
    Role.EHCOORD: [("Early help queue", "earlyhelp:queue")],
    Role.REFERRER: [("Your referrals", "contacts:mine"), ("Your early help requests", "earlyhelp:mine")],
    Role.NAVIGATOR: [("Information requests", "navigators:workspace")],
    Role.AGENCY_LEAD: [("Information requests", "navigators:workspace")],
    Role.ADMIN: [("Staff accounts", "accounts:list"), ("Audit log", "security:audit")],
}


def navigation(request):
    """Header data: the tenant's name and the links the signed-in user's role may follow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"tenant": None, "nav_links": []}
    links = []
    home = ROLE_HOMES.get(user.role)
    if home:
        links.append({"label": "Home", "url_name": "role-home", "slug": home.slug})
    links += [{"label": label, "url_name": name} for label, name in WORK_LINKS.get(user.role, [])]
    return {"tenant": getattr(request, "tenant", None) or user.tenant, "nav_links": links, "role_home": home}
