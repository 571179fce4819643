"""Template rewrites for moto's CloudFormation that keep IAM policy documents valid (issue #12, item 3)."""

from __future__ import annotations

from serverless_patterns.local.template import prepare_template

PUT_EVENTS = {"Action": "events:PutEvents", "Effect": "Allow", "Resource": {"Fn::GetAtt": ["Bus", "Arn"]}}


def _bus_and_policy() -> dict[str, object]:
    """What ``EventFanout.grant_put_events`` synthesizes: the bus named by its Arn in a role's policy."""
    return {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyDocument": {"Statement": [PUT_EVENTS]},
                    "Environment": {"Variables": {"EVENT_BUS_NAME": {"Ref": "Bus"}}},
                },
            },
        }
    }


def test_a_bus_arn_in_a_policy_stays_for_moto_to_resolve_to_the_arn() -> None:
    prepared, _ = prepare_template(_bus_and_policy())
    properties = prepared["Resources"]["Policy"]["Properties"]
    assert properties["PolicyDocument"]["Statement"][0]["Resource"] == {"Fn::GetAtt": ["Bus", "Arn"]}
    assert properties["Environment"]["Variables"]["EVENT_BUS_NAME"] == "orders"


def test_the_bus_ref_rewrite_is_a_deploy_note() -> None:
    _, notes = prepare_template(_bus_and_policy())
    assert "Bus (AWS::Events::EventBus) Ref resolved to the bus name (moto returns an object)" in notes


def test_a_get_att_of_a_skipped_resource_still_becomes_its_placeholder() -> None:
    template = {
        "Resources": {
            "Url": {"Type": "AWS::Lambda::Url", "Properties": {}},
            "Out": {"Type": "AWS::SSM::Parameter", "Properties": {"Value": {"Fn::GetAtt": "Url.FunctionUrl"}}},
        }
    }
    prepared, _ = prepare_template(template)
    assert prepared["Resources"]["Out"]["Properties"]["Value"] == "local-skipped-Url"


def test_a_bus_ref_inside_fn_sub_becomes_its_name_and_its_attributes_stay() -> None:
    arn = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${Bus}"
    template = {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Plain": {"Fn::Sub": arn},
                    "Attribute": {"Fn::Sub": "${Bus.Arn}"},
                    "Shadowed": {"Fn::Sub": ["${Bus}", {"Bus": "mine"}]},
                    "Variables": {"Fn::Sub": ["${Target}/${Bus}", {"Target": {"Ref": "Bus"}}]},
                },
            },
        }
    }
    properties = prepare_template(template)[0]["Resources"]["Policy"]["Properties"]
    assert properties["Plain"] == {"Fn::Sub": arn.replace("${Bus}", "orders")}
    assert properties["Attribute"] == {"Fn::Sub": "${Bus.Arn}"}
    assert properties["Shadowed"] == {"Fn::Sub": ["${Bus}", {"Bus": "mine"}]}
    assert properties["Variables"] == {"Fn::Sub": ["${Target}/orders", {"Target": "orders"}]}


def test_references_to_a_type_moto_does_not_implement_become_placeholders() -> None:
    # An alias record on a custom domain moto's CloudFormation does not implement (issue #19): the deploy
    # used to fail with "Fn::GetAtt references undefined resource".
    template = {
        "Resources": {
            "Domain": {"Type": "AWS::ApiGateway::DomainName", "Properties": {"DomainName": "api.example.com"}},
            "Record": {
                "Type": "AWS::Route53::RecordSet",
                "DependsOn": "Domain",
                "Properties": {
                    "Name": "api.example.com",
                    "AliasTarget": {"DNSName": {"Fn::GetAtt": ["Domain", "RegionalDomainName"]}},
                },
            },
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "DependsOn": ["Record"],
                "Properties": {
                    "Tags": [{"Key": "domain", "Value": {"Fn::Sub": "https://${Domain.RegionalDomainName}/"}}]
                },
            },
        },
        "Outputs": {"Record": {"Value": {"Ref": "Record"}}},
    }
    prepared, notes = prepare_template(template)
    resources = prepared["Resources"]
    assert set(resources) == {"Queue", "Record"}
    assert "DependsOn" not in resources["Record"]
    assert resources["Record"]["Properties"]["AliasTarget"]["DNSName"] == "local-skipped-Domain"
    assert "local-skipped-Domain" in str(resources["Queue"]["Properties"]["Tags"])
    assert any("(AWS::ApiGateway::DomainName) skipped: moto's CloudFormation does not implement" in n for n in notes)
