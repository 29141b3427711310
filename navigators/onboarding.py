"""A new council's agencies get their default question templates (``create_tenant``)."""

from . import demo


def set_up(tenant, *, template: str) -> None:
    demo.seed(tenant)
