"""Turn a synthesized state machine's ``DefinitionString`` into Amazon States Language JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
_PSEUDO = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com"}


def placeholder_arn(logical_id: str) -> str:
    """A syntactically valid Lambda function ARN for a logical id with no real function behind it."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical_id}"


def definition(template: Mapping[str, Any], arns: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The definition of the template's only state machine, ``Fn::GetAtt <id>.Arn`` replaced by ``arns[id]``.

    Logical ids missing from ``arns`` get :func:`placeholder_arn`.
    """
    machines = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert len(machines) == 1, f"expected one state machine, got {len(machines)}"
    text = _resolve(machines[0]["Properties"]["DefinitionString"], arns or {})
    result: dict[str, Any] = json.loads(text)
    return result


def _resolve(value: Any, arns: Mapping[str, str]) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_resolve(part, arns) for part in parts)
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn", f"unexpected attribute {attribute}"
        return arns.get(logical_id, placeholder_arn(logical_id))
    if "Ref" in value:
        return _PSEUDO.get(value["Ref"]) or arns.get(value["Ref"], value["Ref"])
    raise AssertionError(f"cannot resolve {value!r}")
