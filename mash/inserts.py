"""New rows held back to the end of a block and written together: one INSERT a table, one statement in all.

A MARF received writes its people, its audit events and the referrer's acknowledgement after the contact and its
clock. Each was an INSERT of its own, a round trip to PostgreSQL, and each round trip cost the web process and the
server more than the row did (issue 22: removing two of them outright took a MARF's machine CPU from 11.1 to
9.1 ms). Rows that nothing in the block reads back are held instead (:func:`hold`) and written when the block
ends (:func:`batched`), every table's rows in one statement on PostgreSQL: each table's INSERT (as Django's
``bulk_create`` compiles it) in a ``WITH`` clause of its own, their new ids read back in one result.

A row held must not be needed before the block ends: its id is set then. A row that names another held row's id
(an audit event of a clock held with it) names it with :func:`id_of`, which the statement fills in from the other
table's INSERT. Rows are held only at the block's own level (an atomic block opened inside it writes at once,
inside its savepoint, so a rollback to that savepoint undoes them with the change) and in the block's active
tenant; anything else is written at once, as without a block, by :func:`hold`'s caller.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Sequence
from contextlib import contextmanager, nullcontext

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, models, transaction
from django.db.models import Expression, sql

from . import tenancy

# PostgreSQL takes at most 65,535 parameters a statement; a block holding more writes its tables one by one.
_MOST_PARAMETERS = 30_000


class _Held(list):
    """The rows of an open batched() block, and the savepoints open where it began (its level)."""

    def __init__(self, level: tuple, tenant_id: int | None):
        super().__init__()
        self.level = level
        self.tenant_id = tenant_id
        self.ids = set()  # id() of each row held, for id_of

    def append(self, obj):
        super().append(obj)
        self.ids.add(id(obj))


class _IdOf(Expression):
    """The id of a row held in the same block, read from its table's INSERT in the statement that writes both."""

    def __init__(self, row: models.Model, *, text: bool):
        super().__init__(output_field=models.TextField() if text else models.BigIntegerField())
        self.row, self.text = row, text
        self.clause = self.offset = None  # set by the write: the row's table's WITH clause, its place in it

    def resolve_expression(self, *args, **kwargs):
        return self  # a value to insert: nothing to resolve, and the write must find this object again

    def as_sql(self, compiler, connection):
        if self.clause is None:
            raise DatabaseError(f"The id of a {self.row._meta.label} held elsewhere was asked for.")
        pk = connection.ops.quote_name(self.row._meta.pk.column)
        cast = "::text" if self.text else ""
        # Quoted names and an integer only.
        return f"(SELECT {pk}{cast} FROM {self.clause} ORDER BY {pk} OFFSET {self.offset:d} LIMIT 1)", []  # noqa: S608  # nosec B608

    def value(self):
        return str(self.row.pk) if self.text else self.row.pk


# The innermost open batched() block (None: none open).
_held: contextvars.ContextVar[_Held | None] = contextvars.ContextVar("mash_inserts_held", default=None)


def _level() -> tuple:
    """The savepoints open on the connection now (an atomic block without one adds none)."""
    return tuple(sid for sid in transaction.get_connection().savepoint_ids if sid is not None)


@contextmanager
def batched():
    """Write the rows held in the block (:func:`hold`) when it ends, in the caller's transaction: each table's
    in the order held (ids ascending), all tables in one statement. Outside a transaction it holds nothing. A
    block inside another at the same level writes with the outer one.

    A block that raises still writes what it held before the error, as writing each at once would have, so a
    caller that catches the error and commits keeps them; when the error has broken the transaction the write is
    skipped, since the transaction and everything in it is lost anyway."""
    current = _held.get()
    if not transaction.get_connection().in_atomic_block or (current is not None and current.level == _level()):
        yield
        return
    rows = _Held(_level(), tenancy.current_tenant_id())
    token = _held.set(rows)
    try:
        yield
    except BaseException:
        _held.reset(token)
        try:
            insert_together(rows)
        except DatabaseError:
            pass  # the transaction failed: it is rolled back, and these rows with it
        raise
    _held.reset(token)
    insert_together(rows)


def hold(obj: models.Model) -> bool:
    """Hold ``obj`` (new, of a tenant-owned model) for the open block's write, if it can be: a block is open at
    this level and ``obj`` is of the block's tenant, which is still the active one. False: the caller writes it
    now."""
    rows = _held.get()
    if rows is None or rows.level != _level() or rows.tenant_id is None:
        return False
    if obj.tenant_id is None:
        obj.tenant_id = tenancy.require_tenant_id()
    if obj.tenant_id != rows.tenant_id or tenancy.current_tenant_id() != rows.tenant_id:
        return False
    rows.append(obj)
    return True


def is_held(obj: models.Model) -> bool:
    """``obj`` is held, unwritten, in the open block."""
    rows = _held.get()
    return rows is not None and obj.pk is None and id(obj) in rows.ids


def id_of(obj: models.Model, *, text: bool = False):
    """``obj``'s id (as text: ``text``), for a row held with it: its id if it has one, else the id its INSERT gives
    it, filled in by the statement that writes both (``obj`` must be held in the open block)."""
    if obj.pk is not None:
        return str(obj.pk) if text else obj.pk
    rows = _held.get()
    if rows is None or id(obj) not in rows.ids:
        raise ValueError(f"This {obj._meta.label} is neither saved nor held: it has no id to give.")
    return _IdOf(obj, text=text)


def hold_or_insert(objs: Sequence[models.Model]) -> None:
    """Hold each of ``objs`` (all of one model) for the open block, or insert them now with one INSERT."""
    now = [obj for obj in objs if not hold(obj)]
    if now:
        for obj in now:
            tenancy.refuse_another_tenant(obj.tenant_id, "to save a row")
        type(now[0]).objects.bulk_create(now)


def insert_together(objs: Iterable[models.Model]) -> None:
    """Insert new rows of any tenant-owned models: one statement on PostgreSQL, each model's rows in the order
    given. Each row's id (and its ``_state``) is set, as ``bulk_create`` sets them. Rows of another tenant than
    the active one are written in their own."""
    by_tenant: dict[int, dict[type, list]] = {}
    for obj in objs:
        by_tenant.setdefault(obj.tenant_id, {}).setdefault(type(obj), []).append(obj)
    for tenant_id, tables in by_tenant.items():  # tenants in the order first held
        with nullcontext() if tenancy.current_tenant_id() == tenant_id else tenancy.tenant_context(tenant_id):
            _insert_tables(tables)


def _insert_tables(tables: dict[type, list]) -> None:
    tables = _in_order(tables)
    compiled = [] if connection.vendor == "postgresql" and len(tables) > 1 else None
    if compiled is not None:
        places = {
            id(obj): (f"w{n}", offset) for n, rows in enumerate(tables.values()) for offset, obj in enumerate(rows)
        }
        for model, rows in tables.items():
            for ref in _references(rows):
                ref.clause, ref.offset = places[id(ref.row)]  # there: _in_order checked
            compiled.append(_compiled(model, rows))
        pks = [connection.ops.quote_name(model._meta.pk.column) for model in tables]
        if sum(len(params) for _, params in compiled) > _MOST_PARAMETERS:
            compiled = None
    if compiled is None:  # one table, or SQLite (no INSERT inside WITH): Django's bulk_create, table by table
        for model, rows in tables.items():
            _fill_in(rows)  # the tables they name were written first (_in_order)
            model._default_manager.bulk_create(rows)
        return
    clauses = ",\n".join(f"w{n} AS ({statement})" for n, (statement, _) in enumerate(compiled))
    # Compiled SQL and numbered names only: every value is a parameter.
    reads = " UNION ALL ".join(f"SELECT {n}, {pk} FROM w{n}" for n, pk in enumerate(pks))  # noqa: S608  # nosec B608
    params = [param for _, table_params in compiled for param in table_params]
    with connection.cursor() as cursor:  # scoping: allowed - rows checked in the active tenant (hold), and RLS
        cursor.execute(f"WITH {clauses}\n{reads}", params)
        returned = cursor.fetchall()
    ids: list[list[int]] = [[] for _ in compiled]
    for n, pk in returned:
        ids[n].append(pk)
    for rows, table_ids in zip(tables.values(), ids, strict=True):
        if len(table_ids) != len(rows):
            raise DatabaseError(f"{len(rows)} rows inserted together, {len(table_ids)} ids returned.")
        # A sequence's values rise in the order the rows were inserted, whatever order RETURNING reads them in.
        for obj, pk in zip(rows, sorted(table_ids), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = DEFAULT_DB_ALIAS
    for rows in tables.values():
        _fill_in(rows)


def _references(rows: list[models.Model]) -> list[_IdOf]:
    return [
        value
        for obj in rows
        for field in obj._meta.concrete_fields
        if isinstance(value := getattr(obj, field.attname), _IdOf)
    ]


def _fill_in(rows: list[models.Model]) -> None:
    """Each :func:`id_of` in ``rows`` replaced by the id its row was given."""
    for obj in rows:
        for field in obj._meta.concrete_fields:
            if isinstance(value := getattr(obj, field.attname), _IdOf):
                if value.row.pk is None:
                    raise DatabaseError(f"A {value.row._meta.label} named by id was not written before its reader.")
                setattr(obj, field.attname, value.value())


def _in_order(tables: dict[type, list]) -> dict[type, list]:
    """The tables in the order first held, except that a table whose rows name another's ids comes after it (a
    WITH clause reads only the clauses before it)."""
    written = {id(obj) for rows in tables.values() for obj in rows}
    needs = {}
    for model, rows in tables.items():
        refs = _references(rows)
        if any(id(ref.row) not in written for ref in refs):
            raise ValueError(f"A {model._meta.label} names the id of a row not written with it.")
        needs[model] = {type(ref.row) for ref in refs}
    ordered: dict[type, list] = {}
    while len(ordered) < len(tables):
        ready = [m for m in tables if m not in ordered and needs[m] <= ordered.keys()]
        if not ready:
            raise ValueError("Rows held together name each other's ids in a circle (or their own table's).")
        ordered[ready[0]] = tables[ready[0]]
    return ordered


def _compiled(model: type[models.Model], rows: list[models.Model]) -> tuple[str, list]:
    """``model``'s INSERT of ``rows`` returning their ids, as ``bulk_create`` compiles it (fields' ``pre_save``,
    related objects' ids, PostgreSQL's UNNEST form where it applies)."""
    opts = model._meta
    if any(obj._is_pk_set() for obj in rows):
        raise ValueError(f"Rows inserted together are new: a {opts.label} has an id already.")
    for obj in rows:
        obj._prepare_related_fields_for_save(operation_name="insert_together")
    fields = [f for f in opts.concrete_fields if not f.generated and not isinstance(f, models.AutoField)]
    query = sql.InsertQuery(model)
    query.insert_values(fields, rows)
    compiler = query.get_compiler(using=DEFAULT_DB_ALIAS)
    compiler.returning_fields = [opts.pk]
    statements = compiler.as_sql()
    if len(statements) != 1:
        raise DatabaseError(f"{opts.label}'s rows did not compile to one INSERT.")
    statement, params = statements[0]
    return statement, list(params)
