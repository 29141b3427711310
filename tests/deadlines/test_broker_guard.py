"""A worker whose Redis connection has closed does not die acknowledging or restoring a message
(kombu's Redis transport reads the connection's client, None once closed): mash/celery.py's guards."""

from types import SimpleNamespace

import pytest
from kombu.transport import redis as redis_transport

import mash.celery  # noqa: F401 - installs the guards


class ClosedChannel:
    """A channel whose connection is closed: kombu's conn_or_acquire then fails as it does in production."""

    def __init__(self):
        self.connection = SimpleNamespace(client=None)

    def conn_or_acquire(self, client=None):
        return self.connection.client.connection_pool  # AttributeError: 'NoneType' ... 'client' path


def _qos_holding(tag):
    qos = redis_transport.QoS.__new__(redis_transport.QoS)
    qos.channel = ClosedChannel()
    qos._delivered = {tag: SimpleNamespace(delivery_tag=tag)}
    return qos


@pytest.mark.parametrize("name", ["ack", "reject", "restore_unacked"])
def test_a_closed_connection_does_not_kill_the_worker_and_the_message_is_forgotten_locally(name):
    qos = _qos_holding("tag-1")
    if name == "restore_unacked":
        qos.restore_unacked()
    else:
        getattr(qos, name)("tag-1")
    assert "tag-1" not in qos._delivered


def test_an_attribute_error_with_the_connection_open_is_a_real_bug_and_still_raises():
    qos = _qos_holding("tag-1")
    qos.channel.connection = SimpleNamespace(client=SimpleNamespace())  # open, yet something else is wrong
    with pytest.raises(AttributeError):
        qos.ack("tag-1")
