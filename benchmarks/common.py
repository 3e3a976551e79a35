"""Shared by the benchmark scripts: statistics, a real kernel to run code in, and the report line."""

import json
import statistics
import sys
import textwrap
import uuid
from datetime import UTC, datetime
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def median(values) -> float:
    return statistics.median(values)


def percentile(values, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(
    measure: str,
    value: float,
    baseline_name: str,
    baseline: float,
    target: float | None,
    unit: str = "ms",
    scale: float = 1000.0,
) -> dict:
    ratio = value / baseline if baseline else float("inf")
    verdict = "" if target is None else ("  meets target" if ratio <= target else "  MISSES target")
    target_text = "" if target is None else f" (target ≤ {target:.2f}×)"
    print(
        f"{measure}: {value * scale:.1f} {unit} | baseline {baseline_name}: {baseline * scale:.1f} {unit} | "
        f"ratio {ratio:.2f}×{target_text}{verdict}",
        flush=True,
    )
    return {"measure": measure, "value": value, "baseline": baseline, "ratio": ratio, "target": target}


class Kernel:
    """A real IPython kernel (as a notebook has), to run timing code in and read back JSON."""

    def __init__(self, environment: dict | None = None):
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(kernel_name="python3", env=environment)

    def run(self, code: str, timeout: float = 600) -> dict:
        """Run ``code``; it must end by printing one line of JSON, which is returned."""
        outputs = []

        def collect(message):
            if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
                outputs.append(message["content"]["text"])
            if message["msg_type"] == "error":
                outputs.append("ERROR " + "\n".join(message["content"]["traceback"]))

        reply = self.client.execute_interactive(textwrap.dedent(code), output_hook=collect, timeout=timeout)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("".join(outputs))
        return json.loads("".join(outputs).strip().splitlines()[-1])

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def main_guard(function) -> None:
    try:
        function()
    except KeyboardInterrupt:
        sys.exit(130)


def kernel_message(session: str, msg_type: str, content: dict, metadata: dict | None = None) -> dict:
    """A Jupyter message on the shell channel, as a page sends it over the kernel websocket."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "username": "student",
            "session": session,
            "msg_type": msg_type,
            "version": "5.3",
            "date": datetime.now(UTC).isoformat(),
        },
        "parent_header": {},
        "metadata": metadata or {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }
