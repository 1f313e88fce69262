"""`vigil exchange-sim` serves the contract on loopback, as a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from vigil.approvals.gateway import ActionCommand, HttpExchangeGateway

SECRET = "cli-sim-secret-0123456789"


def test_exchange_sim_command_serves_signed_actions(tmp_path: Path) -> None:
    env = {**os.environ, "VIGIL_DATA_DIR": str(tmp_path)}
    env.pop("VIGIL_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "vigil", "exchange-sim", "--port", "0", "--secret", SECRET],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"VIGIL_EXCHANGE_URL=(http://\S+?)\)", line)
        assert match, line
        gateway = HttpExchangeGateway(match.group(1), SECRET, timeout=5, attempts=1)
        command = ActionCommand("cli-1", "unlock_account", "U-1", {}, "A", "B", "locked out")
        first = gateway.execute(command)
        assert first.status == "done" and first.reference.startswith("EX-")
        assert gateway.execute(command) == first  # same key, same answer
    finally:
        process.terminate()
        process.wait(timeout=10)
