"""Rows of any tenant-owned table, written as the owner, for the row-level security proofs."""

import datetime
import decimal
import uuid

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from mash.security import rls

_next_pk = iter(range(900_000_000, 2_000_000_000))


def _dummy(field):
    """A value the column accepts: its default, its first choice, or a plain value of its type."""
    if field.has_default():
        return field.get_default()
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        return next(_next_pk)  # foreign keys are not checked while the row is planted (see plant)
    kind = field.get_internal_type()
    return {
        "CharField": "x",
        "TextField": "x",
        "SlugField": f"s{next(_next_pk)}",
        "EmailField": "x@example.org",
        "URLField": "https://example.org/",
        "BooleanField": False,
        "IntegerField": 1,
        "BigIntegerField": 1,
        "SmallIntegerField": 1,
        "PositiveIntegerField": 1,
        "PositiveSmallIntegerField": 1,
        "PositiveBigIntegerField": 1,
        "DecimalField": decimal.Decimal("1"),
        "FloatField": 1.0,
        "DateTimeField": timezone.now(),
        "DateField": datetime.date(2026, 1, 5),
        "TimeField": datetime.time(9, 0),
        "DurationField": datetime.timedelta(hours=1),
        "JSONField": {},
        "UUIDField": uuid.uuid4(),
        "GenericIPAddressField": "127.0.0.1",
        "BinaryField": b"x",
    }.get(kind, "x")


def row_values(model, tenant_id, fill_nullable=False) -> tuple[list[str], list]:
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.generated:
            continue  # the database computes it (e.g. contacts.Person.search_name)
        if field.column == "tenant_id":
            value = tenant_id
        elif field.primary_key:
            value = next(_next_pk)
        elif field.null and not field.has_default() and not fill_nullable:
            continue
        else:
            value = _dummy(field)
        columns.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(value, connection))
    return columns, values


def insert_sql(model, tenant_id, fill_nullable=False) -> tuple[str, list, int]:
    columns, values = row_values(model, tenant_id, fill_nullable)
    pk_column = model._meta.pk.column
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(values))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) RETURNING {pk_column}"
    return sql, values, None


def plant(model, tenant_id) -> int:
    """Insert one row of ``model`` for ``tenant_id`` as the tables' owner, foreign keys unchecked."""
    for fill_nullable in (False, True):  # a check constraint may ask for an optional column to be set
        sql, values, _ = insert_sql(model, tenant_id, fill_nullable)
        try:
            with rls.owner_mode(), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(sql, values)
                pk = cursor.fetchone()[0]
                cursor.execute("SET LOCAL session_replication_role = origin")
            return pk
        except IntegrityError:
            if fill_nullable:
                raise
    raise AssertionError("unreachable")
