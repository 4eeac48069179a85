"""CloudFormation: short-form intrinsics, parameter defaults, Conditions, JSON templates."""

from __future__ import annotations

from auditor.collectors.iac.cloudformation import TemplateError, parse_template
from auditor.resources import Notebook


def test_yaml_template_findings(scan_project) -> None:
    scan = scan_project("cfn")
    assert not scan.errors
    data = scan.of("ml-stack.yaml#DataBucket")
    # Env defaults to dev, so !If [IsProd, ...] leaves BlockPublicPolicy off and the !Ref-joined policy is public
    assert (data["bucket_public_read"], data["bucket_public_access_block_off"], data["bucket_not_customer_key"],
            data["bucket_access_logging_off"], data["bucket_versioning_off"]) == ("fail", "fail", "fail", "pass", "fail")
    suppressed = [f for f in scan.findings if f.resource_id == "ml-stack.yaml#DataBucket" and f.check_id == "bucket_versioning_off"]
    assert suppressed[0].suppression is not None and suppressed[0].suppression.reason == "scratch data, rebuilt nightly"
    logs = scan.of("ml-stack.yaml#LogBucket")
    assert logs["bucket_access_logging_off"] == "pass" and logs["bucket_versioning_off"] == "pass"
    assert "ml-stack.yaml#ProdOnlyBucket" not in scan.resources  # Condition IsProd is false with the defaults
    role = scan.of("ml-stack.yaml#ExecutionRole")
    # own-account root via !Sub ${AWS::AccountId} is not foreign; admin through a ManagedPolicy joined by !Ref
    assert (role["role_admin_access"], role["role_trusts_any_principal"], role["role_cross_account_no_external_id"],
            role["role_wildcard_data_access"]) == ("fail", "pass", "pass", "fail")
    nb = scan.of("ml-stack.yaml#Notebook")
    assert (nb["notebook_direct_internet"], nb["notebook_root_access"], nb["notebook_startup_secret"]) == ("fail", "pass", "fail")
    notebook = scan.resources["ml-stack.yaml#Notebook"]
    assert isinstance(notebook, Notebook) and {s.kind for s in notebook.startup_secrets or []} >= {"aws_access_key_id"}
    assert scan.of("ml-stack.yaml#NotebookSg") == {"network_admin_port_open_to_world": "fail", "network_ml_port_open_to_world": "fail"}
    assert scan.of("ml-stack.yaml#OfficeSg") == {"network_admin_port_open_to_world": "unknown", "network_ml_port_open_to_world": "unknown"}
    assert scan.of("ml-stack.yaml#Key") == {"key_policy_public": "pass", "key_rotation_off": "fail"}
    assert scan.of("ml-stack.yaml#Trail") == {"audit_logging_off": "fail"}
    ref = scan.resources["ml-stack.yaml#DataBucket"].ref
    assert (ref.provider, ref.cloud, ref.path, ref.line, ref.name) == ("cloudformation", "aws", "ml-stack.yaml", 17, "ml-dev-data")


def test_json_template(scan_project) -> None:
    scan = scan_project("cfn")
    assert scan.of("endpoint.json#Model") == {"ml_training_no_network_isolation": "pass"}
    assert scan.of("endpoint.json#Domain") == {"ml_workspace_public_network": "pass"}
    endpoint = [f for f in scan.findings if f.resource_id == "endpoint.json#EndpointConfig"]
    assert [(f.check_id, f.status.value, f.suppression is not None) for f in endpoint] == [("ml_endpoint_not_customer_key", "fail", True)]
    assert scan.resources["endpoint.json#Model"].ref.line == 5


def test_short_tags_and_errors() -> None:
    doc = parse_template("Resources:\n  A:\n    Type: X\n    Properties:\n      V: !GetAtt B.Arn\n      W: !Sub '${X}'\n", False)
    assert doc["Resources"]["A"]["Properties"] == {"V": {"Fn::GetAtt": ["B", "Arn"]}, "W": {"Fn::Sub": "${X}"}}
    try:
        parse_template("Resources: [\n", False)
    except TemplateError as exc:
        assert exc.line == 2
    else:
        raise AssertionError("expected a TemplateError")
