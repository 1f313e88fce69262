"""`vigil triage ...`: export, import and learn the category rules. See
docs/architecture.md#triage.

    vigil triage rules export FILE   # the rules in force as JSON ("-" for stdout)
    vigil triage rules import FILE   # store FILE (a complete rule set) as the newest version
    vigil triage learn               # a new version learned from agents' corrections
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vigil.core.errors import ValidationFailed

EXIT_OK = 0


def cmd_rules_export(args: argparse.Namespace) -> int:
    from vigil.routing.selectors import category_rules_get_for_agent

    data = category_rules_get_for_agent(None)  # None: the command line, trusted
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if args.file == "-":
        sys.stdout.write(text)
    else:
        Path(args.file).write_text(text, encoding="utf-8")
        terms = sum(len(t) for by in data["categories"].values() for t in by.values())
        print(f"category rules v{data['version']}: {terms} terms written to {args.file}")
    return EXIT_OK


def cmd_rules_import(args: argparse.Namespace) -> int:
    from vigil.routing.services import category_rules_import

    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"cannot read rules from {args.file}: {exc}") from exc
    row = category_rules_import(data=data, actor=None)
    print(f"category rules v{row.version} stored and in force")
    return EXIT_OK


def cmd_learn(args: argparse.Namespace) -> int:
    from vigil.routing.services import category_rules_learn

    learned = category_rules_learn(actor=None)
    print(
        f"category rules v{learned.rule_set.version} learned from {learned.corrections} "
        f"corrections ({learned.mistakes} the previous rules got wrong, "
        f"{learned.changes} term weights changed or added)"
    )
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    triage = sub.add_parser("triage", help="triage's category rules").add_subparsers(
        dest="action", required=True
    )
    p = triage.add_parser("learn", parents=[common], help="learn rules from agents' corrections")
    p.set_defaults(handler=cmd_learn)
    rules = triage.add_parser("rules", help="export or import the category rules")
    verbs = rules.add_subparsers(dest="verb", required=True)
    p = verbs.add_parser("export", parents=[common], help="write the rules in force as JSON")
    p.add_argument("file", help='where to write ("-" for standard output)')
    p.set_defaults(handler=cmd_rules_export)
    p = verbs.add_parser("import", parents=[common], help="store a JSON rule set as the newest")
    p.add_argument("file")
    p.set_defaults(handler=cmd_rules_import)
