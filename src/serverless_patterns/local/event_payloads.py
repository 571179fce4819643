"""What delivery hands a target: SNS records and e-mails, and EventBridge's Input, InputPath, InputTransformer."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from serverless_patterns.local import _moto


def _sns_record(notification: _moto.SnsNotification) -> dict[str, Any]:
    """One record of the event SNS gives a Lambda subscriber."""
    values = {
        name: {
            "Type": value.get("DataType", value.get("Type", "String")),
            "Value": value.get("StringValue", value.get("Value", value.get("BinaryValue"))),
        }
        for name, value in notification.attributes.items()
        if isinstance(value, dict)
    }
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": notification.subscription_arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": notification.message_id,
            "TopicArn": notification.topic_arn,
            "Subject": notification.subject,
            "Message": notification.message_for_protocol(),
            "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "SignatureVersion": "1",
            "Signature": "local",
            "SigningCertUrl": "local",
            "UnsubscribeUrl": "local",
            "MessageAttributes": values,
        },
    }


def _email(notification: _moto.SnsNotification) -> dict[str, Any]:
    return {
        "to": notification.endpoint,
        "protocol": notification.protocol,
        "topic_arn": notification.topic_arn,
        "subject": notification.subject,
        "message": notification.message,
    }


def _target_input(target: dict[str, Any], event: dict[str, Any], rule_arn: str = "") -> Any:
    """What a target receives: the event (time as ISO 8601), ``Input``, ``InputPath`` or ``InputTransformer``."""
    clean = {key: value for key, value in event.items() if key != "ingestion-time"}
    if isinstance(clean.get("time"), (int, float)):
        moment = datetime.fromtimestamp(clean["time"], tz=timezone.utc)
        clean["time"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        return _json_path(target["InputPath"], clean)
    transformer = target.get("InputTransformer")
    if transformer:
        ingested = event.get("ingestion-time", 0)
        moment = datetime.fromtimestamp(float(ingested), tz=timezone.utc) if ingested else datetime.now(timezone.utc)
        values: dict[str, Any] = {
            name: _json_path(path, clean) for name, path in (transformer.get("InputPathsMap") or {}).items()
        }
        values.update(
            {
                "aws.events.rule-arn": rule_arn,
                "aws.events.rule-name": rule_arn.rsplit("/", 1)[-1],
                "aws.events.event.ingestion-time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "aws.events.event": {key: value for key, value in clean.items() if key != "detail"},
                "aws.events.event.json": clean,
            }
        )
        return render_input_template(str(transformer.get("InputTemplate", "")), values)
    return clean


def _json_path(path: str, document: Any) -> Any:
    from jsonpath_ng.ext import parse  # type: ignore[attr-defined]

    matches = parse(path).find(document)
    return matches[0].value if matches else None


_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def render_input_template(template: str, values: dict[str, Any]) -> Any:
    """Fill an ``InputTemplate`` as EventBridge does; a JSON template gives a JSON value, any other a string.

    In a JSON template a placeholder outside quotes takes the value as JSON (a string is quoted), one
    inside a string takes its text; in any other template the value's text stands as it is
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html,
    https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html).

    Examples
    --------
    >>> render_input_template('{"who": <name>, "line": "hi <name>"}', {"name": "Grace"})
    {'who': 'Grace', 'line': 'hi Grace'}
    >>> render_input_template("<name> is in state <state>", {"name": "i-1", "state": "running"})
    'i-1 is in state running'
    """
    as_json = template.lstrip().startswith(("{", "["))
    parts: list[str] = []
    in_string = escaped = False
    position = 0
    while position < len(template):
        character = template[position]
        match = _PLACEHOLDER.match(template, position) if character == "<" else None
        if match is not None and match.group(1) in values:
            value = values[match.group(1)]
            if as_json and not in_string:
                parts.append(json.dumps(value))
            elif isinstance(value, str):
                parts.append(json.dumps(value)[1:-1] if as_json else value)
            else:
                parts.append("" if value is None else json.dumps(value))
            position = match.end()
            continue
        if as_json:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = not in_string
        parts.append(character)
        position += 1
    text = "".join(parts)
    if not as_json:
        return text
    try:
        return json.loads(text)
    except ValueError:  # EventBridge sends what the template makes, valid JSON or not
        return text
