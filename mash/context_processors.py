from .pages import ROLE_HOMES


def navigation(request):
    """Header data: the tenant's name and the links the signed-in user's role may follow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"tenant": None, "nav_links": []}
    links = []
    home = ROLE_HOMES.get(user.role)
    if home:
        links.append({"label": "Home", "url_name": "role-home", "slug": home.slug})
    return {"tenant": getattr(request, "tenant", None) or user.tenant, "nav_links": links, "role_home": home}
