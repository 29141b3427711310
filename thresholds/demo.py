from .services import ensure_default_policy


def seed(tenant):
    ensure_default_policy(tenant=tenant)
