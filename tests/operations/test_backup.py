"""The backup and restore drill of the README, one test per database: a dump restored
into an empty database holds the data."""

import glob
import os
import sqlite3
import subprocess

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _pg_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda path: int(path.split("/")[4]))
    assert found, f"{name} not found: install the PostgreSQL client tools"
    return found[-1]


def _pg_conninfo(dbname: str) -> dict:
    s = connection.settings_dict
    return {"host": s["HOST"] or "127.0.0.1", "port": str(s["PORT"] or 5432),
            "user": s["USER"], "password": s["PASSWORD"] or "", "dbname": dbname}


def test_backup_restores_into_an_empty_database(tmp_path):
    user = make_user("restore_drill")
    if connection.vendor == "postgresql":
        restored = _pg_dump_and_restore(tmp_path)
    else:
        restored = _sqlite_backup_and_restore(tmp_path)
    assert (user.pk, "restore_drill") in restored


def _pg_dump_and_restore(tmp_path) -> list[tuple]:
    source = _pg_conninfo(connection.settings_dict["NAME"])
    env = {**os.environ, "PGPASSWORD": source["password"]}
    dump = tmp_path / "yiban.dump"
    subprocess.run([_pg_tool("pg_dump"), "-Fc", "-h", source["host"], "-p", source["port"],
                    "-U", source["user"], "-f", str(dump), source["dbname"]],
                   check=True, env=env, capture_output=True)
    scratch = f"{source['dbname']}_restore"[:63]
    admin = {**source, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        subprocess.run([_pg_tool("pg_restore"), "--no-owner", "-h", source["host"],
                        "-p", source["port"], "-U", source["user"], "-d", scratch, str(dump)],
                       check=True, env=env, capture_output=True)
        with psycopg.connect(**{**source, "dbname": scratch}) as conn:
            return conn.execute("SELECT id, username FROM accounts_user").fetchall()
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def _sqlite_backup_and_restore(tmp_path) -> list[tuple]:
    backup = tmp_path / "yiban-backup.sqlite3"
    call_command("backup_sqlite", str(backup), verbosity=0)
    # Restore, as `sqlite3 db.sqlite3 ".restore yiban-backup.sqlite3"` does: into an empty file.
    empty = tmp_path / "db.sqlite3"
    source, target = sqlite3.connect(backup), sqlite3.connect(empty)
    try:
        source.backup(target)
        return target.execute("SELECT id, username FROM accounts_user").fetchall()
    finally:
        source.close()
        target.close()


def test_backup_sqlite_refuses_another_database(tmp_path):
    if connection.vendor == "sqlite":
        call_command("backup_sqlite", str(tmp_path / "b.sqlite3"), verbosity=0)
        assert (tmp_path / "b.sqlite3").exists()
    else:
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="pg_dump"):
            call_command("backup_sqlite", str(tmp_path / "b.sqlite3"), verbosity=0)
        assert not (tmp_path / "b.sqlite3").exists()
