"""PostgreSQL binary COPY: the column type of each Django field, for the bulk writers (the import's fast path
and the development data generator)."""

# PostgreSQL types of the binary COPY, by Django field type (a foreign key takes its target's type).
_COPY_TYPES = {
    "AutoField": "int4",
    "IntegerField": "int4",
    "PositiveIntegerField": "int4",
    "BigAutoField": "int8",
    "BigIntegerField": "int8",
    "PositiveBigIntegerField": "int8",
    "SmallAutoField": "int2",
    "SmallIntegerField": "int2",
    "PositiveSmallIntegerField": "int2",
    "CharField": "text",
    "TextField": "text",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "DecimalField": "numeric",
    "BooleanField": "bool",
}


def copy_type(f) -> str:
    while f.is_relation:
        f = f.target_field
    return _COPY_TYPES[f.get_internal_type()]
