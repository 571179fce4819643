"""The README's main job: synthesize the example app and print each stack with its resource count."""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.order_system.app import build_app


def main(argv: list[str]) -> None:
    del argv  # --synth-only: today the main job only synthesizes
    with tempfile.TemporaryDirectory() as outdir:
        print("synthesizing examples/order_system ...", flush=True)
        assembly = build_app(outdir).synth()
        for stack in assembly.stacks:
            resources = stack.template.get("Resources", {})
            print(f"{stack.stack_name}: {len(resources)} resources")
            for kind, count in sorted(Counter(r["Type"] for r in resources.values()).items()):
                print(f"  {count:3d}  {kind}")


if __name__ == "__main__":
    main(sys.argv[1:])
