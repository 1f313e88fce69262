"""`vigil exchange-sim`: a loopback exchange speaking the action contract, for demos.

See docs/architecture.md#sensitive-actions-and-approvals.
"""

from __future__ import annotations

import argparse
import os
from typing import Any


def cmd_exchange_sim(args: argparse.Namespace) -> int:
    from vigil.approvals.exchange_sim import ExchangeSim

    secret = args.secret or os.environ.get("VIGIL_EXCHANGE_SECRET", "")
    if len(secret) < 16:
        print("vigil: give --secret (or VIGIL_EXCHANGE_SECRET), at least 16 characters")
        return 2
    sim = ExchangeSim(secret, host=args.host, port=args.port)
    print(f"exchange simulator at {sim.url}/v1/actions (VIGIL_EXCHANGE_URL={sim.url})", flush=True)
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.server.server_close()
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "exchange-sim", help="run a loopback exchange that carries out approved actions"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700)
    p.add_argument("--secret", help="the shared secret (env VIGIL_EXCHANGE_SECRET)")
    p.set_defaults(handler=cmd_exchange_sim)
