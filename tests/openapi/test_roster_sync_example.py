"""examples/roster_sync.py without a site: which rows it sends, and how it reports the
rows the site rejects (the same way as manage.py import_oneroster)."""

from __future__ import annotations

import importlib.util
import shutil

from django.conf import settings

EDFI = settings.BASE_DIR / "tests" / "fixtures" / "oneroster-1.1-edfi"
SCHOOL_ORG = "255901001"


def load_example():
    spec = importlib.util.spec_from_file_location(
        "roster_sync", settings.BASE_DIR / "examples" / "roster_sync.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def two_schools(tmp_path):
    """The Ed-Fi export with a middle school added: its own course and class."""
    export = tmp_path / "export"
    shutil.copytree(EDFI, export)
    with (export / "orgs.csv").open("a", encoding="utf-8") as orgs:
        orgs.write("255901002,,,Grand Bend Middle School,school,,255901,,,,,\n")
    with (export / "courses.csv").open("a", encoding="utf-8") as courses:
        courses.write("\nMS-ENG-7,,,2021,English 7,ENG-7,07,255901002,English,01001\n")
    with (export / "classes.csv").open("a", encoding="utf-8") as classes:
        classes.write("MS-ENG,,,ENG-7,07,MS-ENG-7,English 7,scheduled,1,255901002,"
                      "255901001_2021_2020-2021_Fall,,,1\n")
    return export


def test_only_the_chosen_schools_rows_are_sent(tmp_path):
    example = load_example()
    batches, skipped = example.roster_rows(two_schools(tmp_path), SCHOOL_ORG)

    sent = {kind: [row["sourcedId"] for _csv, row in pairs] for kind, pairs in batches.items()}
    assert sent["courses"] == ["03100500", "ENG-1"]  # the district's, not the middle school's
    assert "MS-ENG" not in sent["sections"] and len(sent["sections"]) == 2
    assert sorted(row["sourcedId"] for row in skipped) == ["MS-ENG", "MS-ENG-7"]


def test_rejected_rows_are_printed_with_their_file_and_line(tmp_path, monkeypatch, capsys):
    example = load_example()
    completed = []

    class Site:  # answers as the site does: the second user row rejected
        def __init__(self, *args):
            pass

        def complete_bulk(self, classes, enrolments):
            completed.append((classes, len(enrolments)))
            return {"removed": 0, "notes": ["全量导出"]}

        def sync(self, kind, rows):
            rejected = ([{"index": 1, "sourcedId": rows[1]["sourcedId"], "reason": "坏行"}]
                        if kind == "users" else [])
            return {"created": len(rows) - len(rejected), "updated": 0, "removed": 0,
                    "unchanged": 0, "rejected": rejected}

    monkeypatch.setattr(example, "Site", Site)
    example.main([str(two_schools(tmp_path)), "--client-id", "x", "--client-secret", "y",
                  "--org", SCHOOL_ORG])

    out = capsys.readouterr().out
    assert "  users.csv:3 604874: 坏行" in out
    assert "other schools' rows, skipped: 2" in out
    # The manifest says bulk: the whole list of this school's classes and enrolments.
    assert completed == [(["25590100101Trad120ENG112011", "25590100102Trad220ALG112011"], 24)]
    assert "mode: bulk" in out
