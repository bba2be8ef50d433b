"""``field__any=values``: a long list of values as one array parameter.

``field__in=[…]`` binds each value as a parameter of its own: for the
thousands of ids of an import's batch (the projects to lock, the rows to
check against the scope) Django spent longer building those parameters than
PostgreSQL took to run the query. ``field__any`` sends the list as one
array, ``field = ANY(%s::type[])``, which PostgreSQL plans as it plans
``IN``. The values are given as the column stores them (ids, not records).
"""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        array_type = self.lhs.output_field.db_type(connection)
        return f"{lhs_sql} = ANY(%s::{array_type}[])", [*lhs_params, list(self.rhs)]


# Relations keep lookups of their own (``project_id__any`` is the relation's).
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
