"""Allow + NotAction / NotResource in the shared IAM analysis (live and IaC alike)."""

from __future__ import annotations

from auditor.analysis import iam_policy as ip


def _doc(**stmt: object) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **stmt}]}


def test_not_action_describe_on_everything_is_admin_and_wildcard_data() -> None:
    doc = _doc(Sid="AllButDescribe", NotAction=["ec2:Describe*"], Resource="*")
    admin, via = ip.admin_analysis([doc])
    assert admin is True and via is not None and "except ec2:Describe*" in via and "AllButDescribe" in via
    data, data_via = ip.wildcard_data_analysis([doc])
    assert data is True and data_via is not None and "ec2:Describe*" in data_via


def test_power_user_style_not_action_excluding_iam_is_not_admin() -> None:
    doc = _doc(NotAction=["iam:*", "organizations:*", "account:*"], Resource="*")
    assert ip.admin_analysis([doc]) == (False, None)
    assert ip.wildcard_data_analysis([doc])[0] is True  # every S3 action is still granted


def test_not_action_excluding_s3_is_not_wildcard_data() -> None:
    doc = _doc(NotAction=["s3:*"], Resource="*")
    assert ip.wildcard_data_analysis([doc]) == (False, None)
    assert ip.admin_analysis([doc])[0] is True


def test_not_action_on_one_bucket_only_is_neither() -> None:
    doc = _doc(NotAction=["ec2:*"], Resource="arn:aws:s3:::one-bucket/*")
    assert ip.admin_analysis([doc]) == (False, None)
    assert ip.wildcard_data_analysis([doc]) == (False, None)


def test_not_resource_excluding_nothing_relevant_covers_everything() -> None:
    admin, via = ip.admin_analysis([_doc(Action="*", NotResource=["arn:aws:s3:::audit-logs/*"])])
    assert admin is True and via is not None and "NotResource" in via
    data, _ = ip.wildcard_data_analysis([_doc(Action="s3:*", NotResource="arn:aws:s3:::audit-logs/*")])
    assert data is True
    # excluding every IAM resource keeps it short of admin; excluding every bucket, of data access
    assert ip.admin_analysis([_doc(Action="*", NotResource="arn:aws:iam::*")]) == (False, None)
    assert ip.wildcard_data_analysis([_doc(Action="s3:*", NotResource="arn:aws:s3:::*")]) == (False, None)


def test_deny_not_action_grants_nothing() -> None:
    doc = {"Statement": [{"Effect": "Deny", "NotAction": "ec2:Describe*", "Resource": "*"}]}
    assert ip.admin_analysis([doc]) == (False, None)
    assert ip.wildcard_data_analysis([doc]) == (False, None)
