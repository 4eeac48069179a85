"""CloudFormation AWS resources, expressed in the Terraform AWS provider's vocabulary and judged
by the same mapper (one implementation per control, whatever the input format).

CloudFormation defaults match the provider's: SageMaker ``DirectInternetAccess`` and
``RootAccess`` Enabled, ``EnableKeyRotation`` false, ``IsMultiRegionTrail`` false.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from auditor.collectors.iac.mappers.aws_tf import AwsTerraform
from auditor.collectors.iac.model import IacResource
from auditor.collectors.iac.values import Unknown
from auditor.resources import Resource

_CANNED = {
    "PublicRead": "public-read",
    "PublicReadWrite": "public-read-write",
    "AuthenticatedRead": "authenticated-read",
    "LogDeliveryWrite": "log-delivery-write",
    "Private": "private",
    "BucketOwnerRead": "bucket-owner-read",
    "BucketOwnerFullControl": "bucket-owner-full-control",
    "AwsExecRead": "aws-exec-read",
}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _owner_ref(res: IacResource) -> Unknown:
    return Unknown(f"{res.name} is known only at deploy time", frozenset({res.address}))


def _tags(props: dict[str, Any]) -> dict[str, Any]:
    tags = props.get("Tags")
    out: dict[str, Any] = {}
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, dict) and isinstance(tag.get("Key"), str):
            out[tag["Key"]] = tag.get("Value")
    return out


def _s3_bucket(res: IacResource) -> list[IacResource]:
    p = res.attrs
    acl = p.get("AccessControl")
    bucket = replace(res, type="aws_s3_bucket", attrs={
        "bucket": p.get("BucketName"),
        "acl": _CANNED.get(acl, acl) if isinstance(acl, str) else acl,
        "tags": _tags(p),
    })
    out = [bucket]
    owner = _owner_ref(res)

    def part(kind: str, attrs: dict[str, Any]) -> None:
        out.append(replace(res, type=f"aws_s3_bucket_{kind}", address=f"{res.address}/{kind}", attrs={"bucket": owner, **attrs}, ignores=[]))

    pab = p.get("PublicAccessBlockConfiguration")
    if pab is not None:
        pab = pab if isinstance(pab, dict) else {}
        part("public_access_block", {
            "block_public_acls": pab.get("BlockPublicAcls"),
            "ignore_public_acls": pab.get("IgnorePublicAcls"),
            "block_public_policy": pab.get("BlockPublicPolicy"),
            "restrict_public_buckets": pab.get("RestrictPublicBuckets"),
        })
    enc = p.get("BucketEncryption")
    if isinstance(enc, dict):
        rules: list[dict[str, Any]] = []
        for rule in _list(enc.get("ServerSideEncryptionConfiguration")):
            default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
            if isinstance(default, dict):
                rules.append({"apply_server_side_encryption_by_default": [{
                    "sse_algorithm": default.get("SSEAlgorithm"),
                    "kms_master_key_id": default.get("KMSMasterKeyID"),
                }]})
            elif isinstance(default, Unknown):
                rules.append({"apply_server_side_encryption_by_default": default})
        part("server_side_encryption_configuration", {"rule": rules})
    elif isinstance(enc, Unknown):
        part("server_side_encryption_configuration", {"rule": enc})
    versioning = p.get("VersioningConfiguration")
    if versioning is not None:
        status = versioning.get("Status") if isinstance(versioning, dict) else versioning
        part("versioning", {"versioning_configuration": [{"status": status}]})
    logging = p.get("LoggingConfiguration")
    if logging is not None:
        target = logging.get("DestinationBucketName") if isinstance(logging, dict) else logging
        part("logging", {"target_bucket": target if target is not None else owner})
    ownership = p.get("OwnershipControls")
    if ownership is not None:
        owned = ownership.get("Rules") if isinstance(ownership, dict) else ownership
        first_rule = _list(owned)[0] if _list(owned) else {}
        part("ownership_controls", {"rule": [{"object_ownership": first_rule.get("ObjectOwnership") if isinstance(first_rule, dict) else first_rule}]})
    return out


def _iam_role(res: IacResource) -> list[IacResource]:
    p = res.attrs
    policies = p.get("Policies")
    inline = (
        policies if isinstance(policies, Unknown)
        else [{"policy": pol.get("PolicyDocument") if isinstance(pol, dict) else pol} for pol in _list(policies)]
    )
    return [replace(res, type="aws_iam_role", attrs={
        "name": p.get("RoleName"),
        "assume_role_policy": p.get("AssumeRolePolicyDocument"),
        "inline_policy": inline,
        "managed_policy_arns": p.get("ManagedPolicyArns"),
        "tags": _tags(p),
    })]


def _iam_policy(res: IacResource) -> list[IacResource]:
    """A policy document attached to roles, users and groups: one inline policy per holder."""
    doc = res.attrs.get("PolicyDocument")
    out: list[IacResource] = []
    for key, tf_type, attr in (("Roles", "aws_iam_role_policy", "role"), ("Users", "aws_iam_user_policy", "user"), ("Groups", "aws_iam_group_policy", "group")):
        holders = res.attrs.get(key)
        if isinstance(holders, Unknown):
            continue
        prefix = "" if key == "Roles" else f"{key.lower()}/"
        out += [
            replace(res, type=tf_type, address=f"{res.address}/{prefix}{i}", attrs={attr: holder, "policy": doc}, ignores=[])
            for i, holder in enumerate(_list(holders))
        ]
    return out


def _iam_principal(kind: str, name_key: str) -> Callable[[IacResource], list[IacResource]]:
    """``AWS::IAM::User`` / ``AWS::IAM::Group``: the principal, its inline policies, managed
    policies and (for users) group memberships, in the provider's split vocabulary."""

    def translate(res: IacResource) -> list[IacResource]:
        p = res.attrs
        owner = _owner_ref(res)
        out = [replace(res, type=f"aws_iam_{kind}", attrs={"name": p.get(name_key), "tags": _tags(p)})]

        def part(suffix: str, tf_type: str, attrs: dict[str, Any]) -> None:
            out.append(replace(res, type=tf_type, address=f"{res.address}/{suffix}", attrs={kind: owner, **attrs}, ignores=[]))

        policies = p.get("Policies")
        if isinstance(policies, Unknown):
            part("policy", f"aws_iam_{kind}_policy", {"policy": policies})
        for i, pol in enumerate(_list(policies) if not isinstance(policies, Unknown) else []):
            part(f"policy/{i}", f"aws_iam_{kind}_policy", {"policy": pol.get("PolicyDocument") if isinstance(pol, dict) else pol})
        managed = p.get("ManagedPolicyArns")
        for i, arn in enumerate(_list(managed) if not isinstance(managed, Unknown) else [managed]):
            part(f"attachment/{i}", f"aws_iam_{kind}_policy_attachment", {"policy_arn": arn})
        if kind == "user" and p.get("Groups") is not None:
            part("groups", "aws_iam_user_group_membership", {"groups": p.get("Groups")})
        return out

    return translate


def _user_to_group(res: IacResource) -> list[IacResource]:
    return [replace(res, type="aws_iam_group_membership", attrs={"group": res.attrs.get("GroupName"), "users": res.attrs.get("Users")})]


def _notebook(res: IacResource) -> list[IacResource]:
    p = res.attrs
    return [replace(res, type="aws_sagemaker_notebook_instance", attrs={
        "name": p.get("NotebookInstanceName"),
        "direct_internet_access": p.get("DirectInternetAccess"),
        "root_access": p.get("RootAccess"),
        "kms_key_id": p.get("KmsKeyId"),
        "subnet_id": p.get("SubnetId"),
        "lifecycle_config_name": p.get("LifecycleConfigName"),
        "tags": _tags(p),
    })]


def _lifecycle(res: IacResource) -> list[IacResource]:
    p = res.attrs

    def script(key: str) -> Any:
        hooks = p.get(key)
        if hooks is None:
            return None
        texts = []
        for hook in _list(hooks):
            content = decode_script(hook.get("Content") if isinstance(hook, dict) else hook)
            if not isinstance(content, str):
                return Unknown("lifecycle script content is unknown")
            texts.append(content)
        return base64.b64encode("\n".join(texts).encode()).decode()

    return [replace(res, type="aws_sagemaker_notebook_instance_lifecycle_configuration", attrs={
        "name": p.get("NotebookInstanceLifecycleConfigName"),
        "on_create": script("OnCreate"),
        "on_start": script("OnStart"),
    })]


_STUDIO_APPS = {
    "JupyterServerAppSettings": "jupyter_server_app_settings",
    "KernelGatewayAppSettings": "kernel_gateway_app_settings",
    "JupyterLabAppSettings": "jupyter_lab_app_settings",
    "CodeEditorAppSettings": "code_editor_app_settings",
}


def _resource_spec(spec: Any) -> Any:
    if isinstance(spec, dict):
        return [{"lifecycle_config_arn": spec.get("LifecycleConfigArn")}]
    return spec


def _user_settings(settings: Any) -> Any:
    """Studio ``UserSettings`` / ``DefaultUserSettings`` in the provider's block shape."""
    if not isinstance(settings, dict):
        return settings
    out: dict[str, Any] = {}
    for cfn, tf in _STUDIO_APPS.items():
        app = settings.get(cfn)
        if isinstance(app, dict):
            out[tf] = [{
                "lifecycle_config_arns": app.get("LifecycleConfigArns"),
                "default_resource_spec": _resource_spec(app.get("DefaultResourceSpec")),
            }]
        elif app is not None:
            out[tf] = app
    return [out]


def _studio_domain(res: IacResource) -> list[IacResource]:
    p = res.attrs
    return [replace(res, type="aws_sagemaker_domain", attrs={
        "domain_name": p.get("DomainName"),
        "app_network_access_type": p.get("AppNetworkAccessType", "PublicInternetOnly"),
        "kms_key_id": p.get("KmsKeyId"),
        "subnet_ids": p.get("SubnetIds"),
        "default_user_settings": _user_settings(p.get("DefaultUserSettings")),
        "tags": _tags(p),
    })]


def _studio_profile(res: IacResource) -> list[IacResource]:
    p = res.attrs
    return [replace(res, type="aws_sagemaker_user_profile", attrs={
        "domain_id": p.get("DomainId"),
        "user_profile_name": p.get("UserProfileName"),
        "user_settings": _user_settings(p.get("UserSettings")),
        "tags": _tags(p),
    })]


def _studio_app(res: IacResource) -> list[IacResource]:
    p = res.attrs
    return [replace(res, type="aws_sagemaker_app", attrs={
        "domain_id": p.get("DomainId"),
        "user_profile_name": p.get("UserProfileName"),
        "app_name": p.get("AppName"),
        "app_type": p.get("AppType"),
        "resource_spec": _resource_spec(p.get("ResourceSpec")),
        "tags": _tags(p),
    })]


def _simple(tf_type: str, fields: dict[str, str], defaults: dict[str, Any] | None = None) -> Callable[[IacResource], list[IacResource]]:
    def translate(res: IacResource) -> list[IacResource]:
        attrs: dict[str, Any] = {tf: res.attrs.get(cfn) for tf, cfn in fields.items() if cfn in res.attrs}
        for key, value in (defaults or {}).items():
            attrs.setdefault(key, value)
        attrs["tags"] = _tags(res.attrs)
        return [replace(res, type=tf_type, attrs=attrs)]

    return translate


def _ingress(rule: Any) -> dict[str, Any]:
    if not isinstance(rule, dict):
        return {"protocol": Unknown("ingress rule is unknown")}
    return {
        "protocol": rule.get("IpProtocol"),
        "from_port": rule.get("FromPort"),
        "to_port": rule.get("ToPort"),
        "cidr_blocks": [rule["CidrIp"]] if "CidrIp" in rule else [],
        "ipv6_cidr_blocks": [rule["CidrIpv6"]] if "CidrIpv6" in rule else [],
    }


def _security_group(res: IacResource) -> list[IacResource]:
    rules = res.attrs.get("SecurityGroupIngress")
    ingress: Any = rules if isinstance(rules, Unknown) else [_ingress(r) for r in _list(rules)]
    return [replace(res, type="aws_security_group", attrs={"name": res.attrs.get("GroupName"), "ingress": ingress, "tags": _tags(res.attrs)})]


def _security_group_ingress(res: IacResource) -> list[IacResource]:
    attrs = {"type": "ingress", "security_group_id": res.attrs.get("GroupId"), **_ingress(res.attrs)}
    return [replace(res, type="aws_security_group_rule", attrs=attrs)]


def decode_script(value: Any) -> Any:
    """Lifecycle scripts arrive base64-encoded or as plain text (``!Base64`` is kept plain)."""
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return value


TRANSLATORS: dict[str, Callable[[IacResource], list[IacResource]]] = {
    "AWS::S3::Bucket": _s3_bucket,
    "AWS::S3::BucketPolicy": _simple("aws_s3_bucket_policy", {"bucket": "Bucket", "policy": "PolicyDocument"}),
    "AWS::IAM::Role": _iam_role,
    "AWS::IAM::Policy": _iam_policy,
    "AWS::IAM::ManagedPolicy": _iam_policy,
    "AWS::IAM::User": _iam_principal("user", "UserName"),
    "AWS::IAM::Group": _iam_principal("group", "GroupName"),
    "AWS::IAM::UserToGroupAddition": _user_to_group,
    "AWS::SageMaker::NotebookInstance": _notebook,
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": _lifecycle,
    "AWS::SageMaker::Model": _simple("aws_sagemaker_model", {
        "name": "ModelName", "enable_network_isolation": "EnableNetworkIsolation",
        "execution_role_arn": "ExecutionRoleArn", "primary_container": "PrimaryContainer", "container": "Containers",
    }),
    "AWS::SageMaker::EndpointConfig": _simple("aws_sagemaker_endpoint_configuration", {
        "name": "EndpointConfigName", "kms_key_arn": "KmsKeyId", "data_capture_config": "DataCaptureConfig"}),
    "AWS::SageMaker::Domain": _studio_domain,
    "AWS::SageMaker::UserProfile": _studio_profile,
    "AWS::SageMaker::App": _studio_app,
    "AWS::SageMaker::StudioLifecycleConfig": _simple("aws_sagemaker_studio_lifecycle_config", {
        "studio_lifecycle_config_name": "StudioLifecycleConfigName",
        "studio_lifecycle_config_app_type": "StudioLifecycleConfigAppType",
        "studio_lifecycle_config_content": "StudioLifecycleConfigContent",
    }),
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::SecurityGroupIngress": _security_group_ingress,
    "AWS::KMS::Key": _simple("aws_kms_key", {
        "description": "Description", "enable_key_rotation": "EnableKeyRotation",
        "customer_master_key_spec": "KeySpec", "policy": "KeyPolicy", "is_enabled": "Enabled",
    }),
    "AWS::CloudTrail::Trail": _simple("aws_cloudtrail", {"name": "TrailName", "enable_logging": "IsLogging", "is_multi_region_trail": "IsMultiRegionTrail"}),
}


def translate_resources(
    resources: list[IacResource], translators: dict[str, Callable[[IacResource], list[IacResource]]]
) -> tuple[list[IacResource], Callable[[], list[Resource]]]:
    """CloudFormation resources in their Terraform shape, and a mapping step that reports the
    ones that could not be translated (one failure never hides the others)."""
    translated: list[IacResource] = []
    failed: list[str] = []
    for res in resources:
        translate = translators.get(res.type)
        if translate is None:
            continue
        try:
            translated.extend(translate(res))
        except Exception as exc:  # reported through the failing step
            failed.append(f"{res.address} ({res.type}): {type(exc).__name__}: {exc}")

    def report_failures() -> list[Resource]:
        if failed:
            raise ValueError("could not read " + "; ".join(failed))
        return []

    return translated, report_failures


class AwsCloudFormation:
    def __init__(self, resources: list[IacResource], own_accounts: Sequence[str] = ()) -> None:
        self.resources = resources
        self.own_accounts = own_accounts

    def steps(self) -> list[Callable[[], list[Resource]]]:
        translated, report_failures = translate_resources(self.resources, TRANSLATORS)
        return [*AwsTerraform(translated, self.own_accounts).steps(), report_failures]

    def map(self) -> list[Resource]:
        return [res for step in self.steps() for res in step()]
