"""An academic-affairs system's sync job: gets a token with client credentials and
sends a OneRoster CSV export (1.1 or 1.2) to the site through GraphQL, in batches
of 500 rows. Standard library only.

    python examples/roster_sync.py --site https://yiban.example.edu.cn \
        --client-id <id> --client-secret <secret> --org <school org sourcedId> <folder>

The school app must be installed by the school's administrator with the scope
school:roster. Order matters: terms, courses, sections (classes), users, then
enrolments. Only the rows of the chosen school org (and courses of the orgs
above it) are sent, the others counted as skipped; the site rejects unsound rows
with a reason, which this prints with the row's file and line, and applies the
rest. When the manifest says classes and enrollments are `bulk` (the whole
truth), it ends with completeBulkRosterSync, listing every class and enrolment
it sent: the site archives the class groups of classes left out and ends the
enrolments left out; a `delta` export removes only `tobedeleted` rows. Running it
twice changes nothing the second time: every row carries the export's own
sourcedId.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BATCH = 500
REPORT = ("report { created updated removed unchanged rejected { index sourcedId reason } "
          "notes }")
COMPLETE_BULK = ("mutation($classes: [String!]!, $enrolments: [String!]!) { "
                 "completeBulkRosterSync(input: {classSourcedIds: $classes, "
                 f"enrolmentSourcedIds: $enrolments}}) {{ {REPORT} errors {{ message }} }} }}")
MUTATIONS = {
    "terms": ("syncTerms", "TermRow"),
    "courses": ("syncCourses", "CourseRow"),
    "sections": ("syncSections", "SectionRow"),
    "users": ("syncUsers", "UserRow"),
    "enrolments": ("syncEnrolments", "EnrolmentRow"),
}


def read_csv(folder: Path, name: str) -> list[dict]:
    """The rows of one file, each with "_file" and "_line" (for the report)."""
    path = folder / name
    if not path.exists():
        return []
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        # A trailing comma gives a row one field more than the header: csv puts it
        # under the key None, which no mapping below reads.
        for row in reader:
            if any((v or "").strip() for k, v in row.items() if k):
                rows.append({**row, "_file": name, "_line": reader.line_num})
    return rows


def pick(row: dict, **names: str) -> dict:
    """GraphQL field -> CSV column, skipping empty values."""
    return {field: row[column].strip() for field, column in names.items()
            if (row.get(column) or "").strip()}


def split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def is_bulk(folder: Path) -> bool:
    """Does manifest.csv say classes and enrollments are bulk (the whole truth)?"""
    manifest = {row.get("propertyName"): (row.get("value") or "").strip()
                for row in read_csv(folder, "manifest.csv")}
    return manifest.get("file.classes") == manifest.get("file.enrollments") == "bulk"


def own_orgs(folder: Path, org: str) -> set[str]:
    """The school org and those above it (its district...): courses may belong to any."""
    parents = {row["sourcedId"]: row.get("parentSourcedId", "")
               for row in read_csv(folder, "orgs.csv")}
    own, parent = {org}, parents.get(org)
    while parent and parent in parents and parent not in own:
        own.add(parent)
        parent = parents.get(parent)
    return own


def roster_rows(folder: Path, org: str) -> tuple[dict[str, list[tuple[dict, dict]]], list[dict]]:
    """The export's rows for one school org: {kind: [(CSV row, GraphQL row)]}, and the
    other schools' rows, which are not sent."""
    own = own_orgs(folder, org)
    skipped: list[dict] = []

    def ours(row: dict, orgs) -> bool:
        if set(orgs) & own:
            return True
        skipped.append(row)
        return False

    roles = {}  # OneRoster 1.2: a user's role at an org is in roles.csv
    for row in read_csv(folder, "roles.csv"):
        if row.get("orgSourcedId") in own and row.get("role"):
            if row.get("roleType") == "primary" or row["userSourcedId"] not in roles:
                roles[row["userSourcedId"]] = row["role"]
    users = []
    for row in read_csv(folder, "users.csv"):
        orgs = split(row.get("orgSourcedIds", "")) or split(row.get("primaryOrgSourcedId", ""))
        role = row.get("role") or roles.get(row["sourcedId"], "")
        if row["sourcedId"] in roles or ours(row, orgs):
            users.append((row, {**pick(row, sourcedId="sourcedId", status="status",
                                       givenName="givenName", familyName="familyName",
                                       identifier="identifier"), "role": role}))
    return {
        "terms": [(row, pick(row, sourcedId="sourcedId", status="status", title="title",
                             type="type", startDate="startDate", endDate="endDate",
                             parentSourcedId="parentSourcedId", schoolYear="schoolYear"))
                  for row in read_csv(folder, "academicSessions.csv")],
        # A course without an org is the export's own (1.1 allows it).
        "courses": [(row, pick(row, sourcedId="sourcedId", status="status", title="title",
                               courseCode="courseCode"))
                    for row in read_csv(folder, "courses.csv")
                    if not row.get("orgSourcedId") or ours(row, [row["orgSourcedId"]])],
        "sections": [(row, {**pick(row, sourcedId="sourcedId", status="status", title="title",
                                   courseSourcedId="courseSourcedId", classCode="classCode"),
                            "termSourcedIds": split(row.get("termSourcedIds", ""))})
                     for row in read_csv(folder, "classes.csv")
                     if row.get("schoolSourcedId") == org or ours(row, [])],
        "users": users,
        "enrolments": [(row, {**pick(row, sourcedId="sourcedId", status="status",
                                     classSourcedId="classSourcedId",
                                     userSourcedId="userSourcedId", role="role"),
                              "primary": (row.get("primary") or "").strip().lower() == "true"})
                       for row in read_csv(folder, "enrollments.csv")
                       if row.get("schoolSourcedId") == org or ours(row, [])],
    }, skipped


class Site:
    def __init__(self, url: str, client_id: str, client_secret: str):
        self.url = url.rstrip("/")
        self.token = self._token(client_id, client_secret)

    def _token(self, client_id: str, client_secret: str) -> str:
        body = urllib.parse.urlencode({"grant_type": "client_credentials",
                                       "client_id": client_id,
                                       "client_secret": client_secret}).encode()
        request = urllib.request.Request(f"{self.url}/o/token/", data=body)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)["access_token"]
        except urllib.error.HTTPError as error:
            sys.exit(f"token refused: {error.code} {error.read().decode()[:300]}")

    def graphql(self, query: str, **variables) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql", data=json.dumps({"query": query,
                                                   "variables": variables}).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            sys.exit(f"/graphql answered {error.code}: {error.read().decode()[:300]}")
        if body.get("errors"):
            sys.exit(f"/graphql errors: {body['errors']}")
        return body["data"]

    def sync(self, kind: str, rows: list[dict]) -> dict:
        field, row_type = MUTATIONS[kind]
        query = (f"mutation($rows: [{row_type}!]!) {{ {field}(input: {{rows: $rows}}) "
                 f"{{ {REPORT} errors {{ field code message }} }} }}")
        totals = {"created": 0, "updated": 0, "removed": 0, "unchanged": 0, "rejected": []}
        for start in range(0, len(rows), BATCH):
            payload = self.graphql(query, rows=rows[start:start + BATCH])[field]
            if payload["errors"]:
                sys.exit(f"{field} refused: {payload['errors']}")
            report = payload["report"]
            for key in ("created", "updated", "removed", "unchanged"):
                totals[key] += report[key]
            totals["rejected"] += [{**r, "index": r["index"] + start} for r in report["rejected"]]
        return totals

    def complete_bulk(self, classes: list[str], enrolments: list[str]) -> dict:
        payload = self.graphql(COMPLETE_BULK, classes=classes,
                               enrolments=enrolments)["completeBulkRosterSync"]
        if payload["errors"]:
            sys.exit(f"completeBulkRosterSync refused: {payload['errors']}")
        return payload["report"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the OneRoster CSV export")
    parser.add_argument("--site", default="http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--org", required=True, help="sourcedId of the school in orgs.csv")
    args = parser.parse_args(argv)
    if not (args.folder / "users.csv").exists():
        sys.exit(f"{args.folder}: no users.csv, not a OneRoster export")

    site = Site(args.site, args.client_id, args.client_secret)
    summary = {}
    batches, skipped = roster_rows(args.folder, args.org)
    for kind, pairs in batches.items():
        totals = site.sync(kind, [row for _csv_row, row in pairs])
        summary[kind] = totals
        print(f"{kind:10} {len(pairs):5} rows: {totals['created']} created, "
              f"{totals['updated']} updated, {totals['removed']} removed, "
              f"{totals['unchanged']} unchanged, {len(totals['rejected'])} rejected", flush=True)
        for rejected in totals["rejected"]:  # as manage.py import_oneroster prints them
            origin = pairs[rejected["index"]][0]
            print(f"  {origin['_file']}:{origin['_line']} {rejected['sourcedId']}: "
                  f"{rejected['reason']}")
    if is_bulk(args.folder):
        print("mode: bulk (what the export leaves out is gone)")
        report = site.complete_bulk(
            [row["sourcedId"] for _csv_row, row in batches["sections"]],
            [row["sourcedId"] for _csv_row, row in batches["enrolments"]])
        summary["bulk"] = {"removed": report["removed"], "notes": report["notes"]}
        print(f"bulk: {report['removed']} removed", flush=True)
        for note in report["notes"]:
            print(f"  {note}")
    else:
        print("mode: delta (only tobedeleted rows remove)")
    if skipped:
        print(f"other schools' rows, skipped: {len(skipped)}")
    print(json.dumps(summary, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
