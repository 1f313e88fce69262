"""`vigil audit verify`: recompute the audit log's hash chain. See docs/architecture.md#audit-log.

Exit code 0 when the chain holds, 1 with the first bad entry when it does not.
"""

from __future__ import annotations

import argparse
from typing import Any


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from vigil.audit.chain import chain_verify

    result = chain_verify()
    if result.ok:
        print(f"audit log intact: {result.checked} entries, chain verified")
        return 0
    print(
        f"audit log BROKEN at entry {result.bad_seq}: {result.reason} "
        f"({result.checked} entries verified before it)"
    )
    return 1


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    audit = sub.add_parser("audit", help="the audit log").add_subparsers(
        dest="action", required=True
    )
    p = audit.add_parser("verify", parents=[common], help="recompute the hash chain")
    p.set_defaults(handler=cmd_audit_verify)
