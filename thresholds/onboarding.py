"""A new council's policy from a template (``manage.py create_tenant --from <template>``): the working
calendar (England and Wales bank holidays, Monday to Friday, 9 to 5), the rating scheme, the clocks
and the default threshold document. Runs inside the new tenant's context."""

from . import defaults
from .services import ensure_default_policy

# "default" is the default BRAG scheme; the others copy a demo council's scheme.
TEMPLATES = {"default": "Default BRAG scheme (Red, Amber, Green, Blue)"} | {
    name: f"{name.title()}'s rating scheme" for name in defaults.SCHEMES if name != "cambridgeshire"
}


def set_up(tenant, *, template: str) -> None:
    ensure_default_policy(tenant=tenant, scheme=template)  # "default" is no key of SCHEMES: the BRAG scheme
