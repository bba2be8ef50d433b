"""A lookup of one row by a key, compiled once and run for each request.

Every request reads one row by key before anything else: a browser's user
(accounts.backends) or an API token with its user (accounts.authentication),
each with the user's scope mark as annotations. Django compiles a queryset
anew each time it runs, and for these the compiling cost more than the
query: at national scale, 1.1–1.2 ms a request against 0.4 ms for the same
SQL and rows (the signed-in page with no content, and an API page of a few
rows, spent a sixth of their time on it).

``PreparedLookup`` compiles ``queryset.filter(<field>=…)`` once and keeps the
SQL; ``get(value)`` runs it with the value and builds the instance as the
ORM's own iterable does (converters, ``select_related`` objects, annotations).
It reads through the router on each call, so a request that may use the
replica still does.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators


class PreparedLookup:
    def __init__(self, queryset, field_name: str, placeholder):
        """``placeholder``: a value of the field's type that the compiled query's parameters
        hold nowhere else; its position is where ``get`` puts the value looked up."""
        self.queryset = queryset
        opts = queryset.model._meta
        self.field = opts.pk if field_name == "pk" else opts.get_field(field_name)
        if not self.field.unique:
            raise ValueError(f"{field_name} is not unique: a lookup by it may find several rows")
        # No ORDER BY or LIMIT: a unique key finds one row (``first()`` sorted that one row).
        query = queryset.filter(**{field_name: placeholder}).order_by().query
        compiler = query.get_compiler(using=DEFAULT_DB_ALIAS)  # the replica's SQL is the same
        self.sql, params = compiler.as_sql()
        placeholder = self.field.get_db_prep_value(placeholder, connections[DEFAULT_DB_ALIAS])
        if list(params).count(placeholder) != 1:
            raise ValueError(f"{placeholder!r} is not the lookup's parameter alone: choose another")
        self.params = list(params)
        self.position = self.params.index(placeholder)
        # What ModelIterable takes from a compiler that has run, taken once.
        self.compiler = compiler
        self.converters = compiler.get_converters([column for column, *_ in compiler.select])
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        columns = klass_info["select_fields"]
        self.model_columns = slice(columns[0], columns[-1] + 1)
        model_select = compiler.select[self.model_columns]
        self.init_list = [column.target.attname for column, *_ in model_select]
        self.klass_info = klass_info
        self.related = {}  # per database: the related objects it builds remember theirs
        self.annotations = compiler.annotation_col_map

    def get(self, value):
        """The instance whose field equals ``value``, or None; one query."""
        db = self.queryset.db
        connection = connections[db]
        params = self.params.copy()
        params[self.position] = self.field.get_db_prep_value(value, connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        instance = self.model.from_db(db, self.init_list, row[self.model_columns])
        if db not in self.related:
            self.related[db] = get_related_populators(self.klass_info, self.compiler.select, db)
        for populator in self.related[db]:
            populator.populate(row, instance)
        for name, position in self.annotations.items():
            setattr(instance, name, row[position])
        return instance
