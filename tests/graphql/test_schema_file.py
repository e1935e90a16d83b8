"""schema.graphql, the schema apps read, must be what the code serves."""

from pathlib import Path

from graphql import print_schema

from yiban_core.graphql.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = (
    ".venv/bin/python manage.py graphql_schema "
    "--schema yiban_core.graphql.schema.schema --out schema.graphql"
)


def test_schema_file_matches_the_code():
    assert SCHEMA_FILE.exists(), f"schema.graphql is missing; create it with: {REGENERATE}"
    printed = print_schema(schema.graphql_schema)
    on_disk = SCHEMA_FILE.read_text(encoding="utf-8")
    assert on_disk.strip() == printed.strip(), (
        f"schema.graphql is out of date with the code; regenerate it with: {REGENERATE}"
    )


def test_every_domain_error_code_is_a_graphql_error_code():
    from yiban_core import errors
    from yiban_core.graphql.errors import ErrorCode

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    codes = {cls.code for cls in subclasses(errors.DomainError)} | {errors.DomainError.code}
    assert codes <= {member.name for member in ErrorCode}, (
        "add the new code to yiban_core.graphql.errors.ErrorCode and regenerate schema.graphql"
    )


def test_what_the_schema_marks_required_validation_requires():
    """A `Type!` input field or argument with a default is optional to the validator
    (graphene gives `graphene.Field(..., required=True)` in an input a null default),
    so a client reading the schema and the server would disagree."""
    from graphql import GraphQLInputObjectType, GraphQLNonNull, Undefined

    types = schema.graphql_schema.type_map
    optional = []
    for type_name, graphql_type in types.items():
        if type_name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLInputObjectType):
            inputs = {f"{type_name}.{name}": field for name, field in graphql_type.fields.items()}
        else:
            inputs = {f"{type_name}.{field_name}({name})": arg
                      for field_name, field in (getattr(graphql_type, "fields", None) or {}).items()
                      for name, arg in field.args.items()}
        optional += [where for where, field in inputs.items()
                     if isinstance(field.type, GraphQLNonNull)
                     and field.default_value is not Undefined]
    assert optional == []
