"""The README's main job: the order system example, synthesized, deployed on the local cloud and driven.

python examples/main.py               # synthesize, deploy offline, run the scripted scenario
python examples/main.py --synth-only  # synthesize and print each stack with its resource count
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.order_system.app import build_app


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        print("synthesizing examples/order_system ...", flush=True)
        assembly = build_app(outdir).synth()
        for stack in assembly.stacks:
            resources = stack.template.get("Resources", {})
            print(f"{stack.stack_name}: {len(resources)} resources")
            for kind, count in sorted(Counter(r["Type"] for r in resources.values()).items()):
                print(f"  {count:3d}  {kind}")
        openapi = json.loads((Path(outdir) / "openapi.json").read_text())
        print(f"openapi.json: OpenAPI {openapi['openapi']}, paths {', '.join(sorted(openapi['paths']))}")
        if "--synth-only" in argv:
            return

        from examples.order_system.scenario import Scenario, report
        from serverless_patterns.local import LocalCloud

        # moto logs each request, and each failed state as an ERROR with its whole state object;
        # the scenario reports the outcomes itself.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        logging.getLogger("moto").setLevel(logging.CRITICAL)

        with LocalCloud() as cloud:
            print("deploying on the local cloud ...", flush=True)
            deployment = cloud.deploy(outdir, progress=lambda line: print(f"  {line}", flush=True))
            for line in deployment.summary():
                print(f"  {line}")
            print("running the scenario ...", flush=True)
            outcome = Scenario(cloud, deployment, say=lambda line: print(f"  {line}", flush=True)).run()
            print(report(outcome))
        print(f"\ndone in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
