"""Lambda layers on the local cloud: order, override, the Powertools layer and a layer it does not have.

Lambda loads layer content into ``/opt``; for Python, ``python`` and
``python/lib/python3.x/site-packages`` are on the path
(https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html). "The order in which you add
the layers is the order in which Lambda merges the layer content into the execution environment"
(https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html): a later layer's file replaces
an earlier one's. The function's own package (the task root) is searched first
(https://docs.aws.amazon.com/lambda/latest/dg/python-package.html).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from serverless_patterns.local import Deployment, LocalCloud
from serverless_patterns.local.layers import is_powertools_layer, merge_layers, python_paths

pytestmark = pytest.mark.e2e

POWERTOOLS_ARN = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:38"
UNKNOWN_ARN = "arn:aws:lambda:us-east-1:210987654321:layer:private-utils:3"
REPORT = """
import importlib

def handler(event, context):
    found = {}
    for name in event["modules"]:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            found[name] = "ImportError: " + str(error)
        else:
            found[name] = getattr(module, "WHO", module.__name__)
    return found
"""


def _layer_folder(root: Path, name: str, files: dict[str, str]) -> str:
    folder = root / name
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    return str(folder)


def _function(stack: Stack, id: str, layers: list[lambda_.ILayerVersion], code: lambda_.Code) -> lambda_.Function:
    return lambda_.Function(
        stack, id, runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler", code=code, layers=layers
    )


def build_layers_app(outdir: str, assets: Path) -> str:
    """Two layers that share a module, used in both orders; a task root that shadows them; Powertools; unknown."""
    app = App(outdir=outdir)
    stack = Stack(app, "LocalLayers")
    first = lambda_.LayerVersion(
        stack,
        "First",
        code=lambda_.Code.from_asset(
            _layer_folder(
                assets,
                "first",
                {
                    "python/shared.py": 'WHO = "first"\n',
                    "python/only_first.py": 'WHO = "only in first"\n',
                    "python/lib/python3.14/site-packages/site_module.py": 'WHO = "site-packages of first"\n',
                },
            )
        ),
    )
    second = lambda_.LayerVersion(
        stack,
        "Second",
        code=lambda_.Code.from_asset(_layer_folder(assets, "second", {"python/shared.py": 'WHO = "second"\n'})),
    )
    inline = lambda_.Code.from_inline(REPORT)
    _function(stack, "FirstThenSecond", [first, second], inline)
    _function(stack, "SecondThenFirst", [second, first], inline)
    task_root = _layer_folder(assets, "task_root", {"index.py": REPORT, "shared.py": 'WHO = "task root"\n'})
    _function(stack, "OwnShared", [first, second], lambda_.Code.from_asset(task_root))
    _function(stack, "NoLayers", [], inline)
    powertools = lambda_.LayerVersion.from_layer_version_arn(stack, "Powertools", POWERTOOLS_ARN)
    unknown = lambda_.LayerVersion.from_layer_version_arn(stack, "Unknown", UNKNOWN_ARN)
    _function(stack, "WithPowertools", [powertools], inline)
    _function(stack, "WithUnknown", [unknown, first], inline)
    # A layer of another stack reaches the function through an export (Fn::ImportValue).
    _function(Stack(app, "LocalLayersConsumer"), "OtherStack", [second, first], inline)
    app.synth()
    return outdir


@pytest.fixture(scope="module")
def cloud(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCloud, Deployment]]:
    root = tmp_path_factory.mktemp("layers")
    cdk_out = build_layers_app(str(root / "cdk.out"), root / "assets")
    with LocalCloud(endpoint_url=moto_server) as local:
        deployment = local.deploy(cdk_out, replace=True)
        yield local, deployment
        local.destroy(deployment)


def _imports(cloud: tuple[LocalCloud, Deployment], function: str, *modules: str) -> dict[str, Any]:
    local, deployment = cloud
    response = local.client("lambda").invoke(
        FunctionName=deployment.function_name(function), Payload=json.dumps({"modules": list(modules)})
    )
    assert "FunctionError" not in response
    result: dict[str, Any] = json.loads(response["Payload"].read())
    return result


def test_a_later_layer_overrides_an_earlier_one(cloud: tuple[LocalCloud, Deployment]) -> None:
    assert _imports(cloud, "FirstThenSecond", "shared")["shared"] == "second"
    assert _imports(cloud, "SecondThenFirst", "shared")["shared"] == "first"


def test_every_layer_is_on_the_path_in_both_python_folders(cloud: tuple[LocalCloud, Deployment]) -> None:
    found = _imports(cloud, "SecondThenFirst", "only_first", "site_module")
    assert found == {"only_first": "only in first", "site_module": "site-packages of first"}


def test_the_task_root_comes_before_the_layers(cloud: tuple[LocalCloud, Deployment]) -> None:
    assert _imports(cloud, "OwnShared", "shared")["shared"] == "task root"


def test_a_function_without_the_layer_cannot_import_from_it(cloud: tuple[LocalCloud, Deployment]) -> None:
    assert _imports(cloud, "NoLayers", "shared")["shared"].startswith("ImportError")


def test_the_powertools_layer_maps_to_the_installed_powertools(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    notes = deployment.stacks[0].notes
    assert any(
        note.startswith(f"layer {POWERTOOLS_ARN} (used by LocalLayers/WithPowertools) mapped to the installed")
        for note in notes
    ), notes
    assert (
        _imports(cloud, "WithPowertools", "aws_lambda_powertools")["aws_lambda_powertools"] == "aws_lambda_powertools"
    )


def test_an_unknown_layer_is_a_note_and_its_imports_fail(cloud: tuple[LocalCloud, Deployment]) -> None:
    _, deployment = cloud
    assert (
        f"layer {UNKNOWN_ARN} (used by LocalLayers/WithUnknown) not available locally; "
        "imports from it fail as they would without the layer"
    ) in deployment.stacks[0].notes
    found = _imports(cloud, "WithUnknown", "private_utils", "only_first")
    assert found["private_utils"].startswith("ImportError")
    assert found["only_first"] == "only in first"  # the layers the local cloud has still apply


def test_a_layer_of_another_stack_comes_through_its_export(cloud: tuple[LocalCloud, Deployment]) -> None:
    assert _imports(cloud, "OtherStack", "shared", "only_first") == {"shared": "first", "only_first": "only in first"}
    _, deployment = cloud
    assert any("(AWS::Lambda::LayerVersion) read as its ARN" in note for note in deployment.stacks[0].notes)


# -- the parts, without a deploy --------------------------------------------------------------
def _archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return buffer.getvalue()


def test_merging_the_same_layers_again_reuses_the_folder(tmp_path: Path) -> None:
    layers = [_archive({"python/a.py": "1"}), _archive({"python/a.py": "2", "python/b.py": "3"})]
    opt = merge_layers(str(tmp_path), layers)
    assert merge_layers(str(tmp_path), layers) == opt
    assert merge_layers(str(tmp_path), layers[::-1]) != opt
    assert (Path(opt) / "python" / "a.py").read_text() == "2"
    assert python_paths(opt, "python3.14") == [str(Path(opt) / "python")]


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (POWERTOOLS_ARN, True),
        ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:79", True),
        ("arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsPythonV3-python313-x86_64:7", True),
        (UNKNOWN_ARN, False),
        ("not an arn", False),
    ],
)
def test_powertools_layers_are_known_by_account_and_name(arn: str, expected: bool) -> None:
    assert is_powertools_layer(arn) is expected
