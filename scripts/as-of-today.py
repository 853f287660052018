#!/usr/bin/env python3
"""Prints a FHIR JSON resource (a Bundle, say) with its dates moved to today.

Example records carry fixed dates, so a patient who is eligible on the day they were written is
"not eligible" months later (a C-peptide too old, a diagnosis too long ago). This moves every
full date and dateTime by the days between the resource's own "as of" date and today, so the
record reads the same on the day it is used: ages, time since diagnosis and the age of each
result stay as written. The "as of" date is the Bundle's `timestamp` (or `--as-of YYYY-MM-DD`).
Partial dates (a year, a year and month) are left as they are: they cannot move by days.

    python3 scripts/as-of-today.py docs/example-patient-bundle.json
"""
import argparse
import datetime as dt
import json
import re
import sys

# A FHIR date or dateTime with day precision, optionally with a time and zone.
FULL_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$")


def shift(value, days):
    if isinstance(value, dict):
        return {key: shift(item, days) for key, item in value.items()}
    if isinstance(value, list):
        return [shift(item, days) for item in value]
    if isinstance(value, str):
        match = FULL_DATE.match(value)
        if match:
            moved = dt.date.fromisoformat(match.group(1)) + dt.timedelta(days=days)
            return moved.isoformat() + (match.group(2) or "")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--as-of", help="the date the record was written for (default: Bundle.timestamp)")
    parser.add_argument("--today", help="the date to move it to (default: today)")
    args = parser.parse_args()
    with open(args.file, encoding="utf-8") as source:
        resource = json.load(source)
    as_of = args.as_of or (resource.get("timestamp") or "")[:10]
    if not as_of:
        sys.exit(f"{args.file}: no Bundle.timestamp; give --as-of YYYY-MM-DD")
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    days = (today - dt.date.fromisoformat(as_of)).days
    json.dump(shift(resource, days), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
