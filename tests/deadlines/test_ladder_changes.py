"""An administrator's change to an escalation ladder: the next clock to breach uses it; clocks started
before the change keep the ladder they started with."""

from datetime import timedelta

import pytest

from deadlines import services
from mash import tenancy
from mash.exceptions import PolicyViolation
from mash.roles import Role
from tests.audit_helpers import audit_event
from tests.deadlines.builders import HOUR, T0, notices, start
from tests.factories import UserFactory


def _process(clock, now):
    with tenancy.tenant_context(clock.tenant_id):
        return services.process_clock(clock_id=clock.pk, now=now)


def test_a_changed_ladder_is_used_by_the_next_breach_and_running_clocks_keep_theirs(hub):
    admin = UserFactory(tenant=hub.tenant, role=Role.ADMIN)
    before = start(hub, kind="decision", label="ALP-00001", subject=hub.police)
    services.change_ladder(
        actor=admin, tenant=hub.tenant, kind="decision", steps=[("head", timedelta(0)), ("manager", 2 * HOUR)]
    )
    after = start(hub, kind="decision", label="ALP-00002", subject=hub.health)
    due = T0 + 4 * HOUR
    for clock in (before, after):
        _process(clock, due)
    # The default decision ladder tells the manager first; the changed one tells the head first.
    assert ("escalation", 1, "alpha-manager") in notices(before)
    assert ("escalation", 1, "alpha-head") in notices(after)
    assert ("escalation", 1, "alpha-head") not in notices(before)
    _process(after, due + 2 * HOUR)
    assert ("escalation", 2, "alpha-manager") in notices(after)
    event = audit_event(hub.tenant, action="escalation_ladder.changed")
    assert event.actor == admin and event.changes["after"] == [["head", 0], ["manager", 7200]]
    assert event.changes["before"] == [["manager", 0], ["head", 4 * 3600]]


def test_clocks_started_together_copy_one_reading_and_the_next_block_reads_a_changed_ladder(hub):
    """services.same_policies (a rating asking every agency): the clocks of one block share one reading of the
    policy and the ladder, each its own copy; a change made after the block is what the next block copies."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = UserFactory(tenant=hub.tenant, role=Role.ADMIN)
    with CaptureQueriesContext(connection) as captured, services.same_policies():
        first = start(hub, kind="decision", label="ALP-00001", subject=hub.police)
        second = start(hub, kind="decision", label="ALP-00002", subject=hub.health)
    ladder_reads = [q for q in captured.captured_queries if 'FROM "mash_escalationstep"' in q["sql"]]
    assert len(ladder_reads) == 1
    assert first.policy["ladder"] == second.policy["ladder"]
    assert first.policy["ladder"] is not second.policy["ladder"]
    assert first.policy["ladder"][0]["who"] == "manager"
    services.change_ladder(actor=admin, tenant=hub.tenant, kind="decision", steps=[("head", timedelta(0))])
    with services.same_policies():
        third = start(hub, kind="decision", label="ALP-00003", subject=hub.police_lead)
    assert [step["who"] for step in third.policy["ladder"]] == ["head"]


def test_the_preview_says_when_each_step_tells_whom(hub):
    preview = services.preview_ladder([("manager", timedelta(0)), ("head", 4 * HOUR)], breach_at=T0)
    assert preview == [(T0, "MASH team manager"), (T0 + 4 * HOUR, "Head of service")]


@pytest.mark.parametrize(
    "kind, steps",
    [
        ("decision", []),
        ("decision", [("nobody", timedelta(0))]),
        ("decision", [("head", timedelta(hours=-1))]),
        ("decision", [("head", timedelta(days=31))]),
        ("no-such-clock", [("head", timedelta(0))]),
    ],
)
def test_a_bad_ladder_is_refused_and_the_old_one_stays(hub, kind, steps):
    admin = UserFactory(tenant=hub.tenant, role=Role.ADMIN)
    with pytest.raises(PolicyViolation):
        services.change_ladder(actor=admin, tenant=hub.tenant, kind=kind, steps=steps)
    with tenancy.tenant_context(hub.tenant):
        assert services.ladder("decision") == [("manager", timedelta(0)), ("head", 4 * HOUR)]


def test_a_new_council_escalates_a_late_handover_acknowledgement_to_the_manager_then_the_head(db):
    """The acknowledgement ladder is one of the engine's defaults: ``create_tenant`` gives it to a new council,
    which then sees it (and may change it) on the ladders page like any other kind of clock."""
    from django.core.management import call_command

    from deadlines.models import EscalationStep
    from mash.models import Tenant

    call_command("create_tenant", "rutland", "Rutland County Council", "--admin-email", "admin@rutland.example")
    tenant = Tenant.objects.get(slug="rutland")
    with tenancy.tenant_context(tenant):
        rows = EscalationStep.objects.filter(kind="handover_acknowledgement").order_by("level")
        assert [(s.who, s.after) for s in rows] == [("manager", timedelta(0)), ("head", 4 * HOUR)]
        assert services.ladder("handover_acknowledgement") == [("manager", timedelta(0)), ("head", 4 * HOUR)]
