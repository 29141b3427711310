from .services import ensure_default_ladders


def seed(tenant):
    ensure_default_ladders(tenant=tenant)
