"""Generative-AI joins: swapped model, poisoned retrieval, agent role, prompt-log bucket."""

from __future__ import annotations

from auditor.linking import link
from auditor.resources import Bucket, MLWorkload, Ref, Role


def _ref(rid: str, name: str) -> Ref:
    return Ref(provider="aws", cloud="aws", account="123456789012", region="us-east-1", id=rid, name=name)


ROLE = "arn:aws:iam::123456789012:role/serve"
WRITES_MODELS = {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::models/*"]}]}
READS_MODELS = {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::models/*"]}]}


def _model(role: str | None = ROLE) -> MLWorkload:
    return MLWorkload(ref=_ref("arn:aws:sagemaker:us-east-1:123456789012:model/m1", "m1"), workload_type="model",
                      role=role, artifact_buckets=["arn:aws:s3:::models"])


def _bucket(name: str, **fields: object) -> Bucket:
    return Bucket(ref=_ref(f"arn:aws:s3:::{name}", name), **fields)


def _role(docs: list[dict] | None) -> Role:
    return Role(ref=_ref(ROLE, "serve"), is_admin=False, wildcard_data_access=False, policy_documents=docs)


def _linked(*resources: object) -> MLWorkload:
    return next(r for r in link(list(resources)) if isinstance(r, MLWorkload) and r.workload_type == "model")


def test_role_that_writes_its_model_bucket_is_a_swapped_model() -> None:
    model = _linked(_model(), _role([WRITES_MODELS]), _bucket("models", public_write=False, public_read=False))
    assert model.exposure_chain == ["model m1", "role serve", "s3:PutObject on arn:aws:s3:::models/*", "artifact bucket models"]


def test_read_only_role_and_private_bucket_pass() -> None:
    assert _linked(_model(), _role([READS_MODELS]), _bucket("models", public_write=False, public_read=False)).exposure_chain == []


def test_public_write_bucket_needs_no_role() -> None:
    model = _linked(_model(role=None), _bucket("models", public_write=True, public_via="ACL grants WRITE to AllUsers"))
    assert model.exposure_chain == ["model m1", "artifact bucket models writable by anyone (ACL grants WRITE to AllUsers)"]


def test_unreadable_role_policies_stay_unknown() -> None:
    assert _linked(_model(), _role(None), _bucket("models", public_write=False)).exposure_chain is None
    assert _linked(_model()).exposure_chain is None  # neither role nor bucket in the scan


def test_agent_role_and_public_log_bucket() -> None:
    agent = MLWorkload(ref=_ref("arn:aws:bedrock:us-east-1:123456789012:agent/A", "a"), workload_type="agent", role=ROLE)
    logging = MLWorkload(ref=_ref("arn:aws:bedrock:us-east-1:123456789012:model-invocation-logging", "l"),
                         workload_type="bedrock_logging", invocation_logging=True, log_targets=["arn:aws:s3:::logs"])
    admin = Role(ref=_ref(ROLE, "serve"), is_admin=True, admin_via="managed policy AdministratorAccess", wildcard_data_access=False)
    logs = _bucket("logs", public_read=True, public_via="bucket policy allows s3:GetObject to Principal *", encryption="customer_managed")
    out = {r.ref.id: r for r in link([agent, logging, admin, logs])}
    linked_agent = out[agent.ref.id]
    assert isinstance(linked_agent, MLWorkload) and linked_agent.role_admin is True
    assert linked_agent.role_detail == "service role serve: managed policy AdministratorAccess"
    linked_logging = out[logging.ref.id]
    assert isinstance(linked_logging, MLWorkload)
    assert linked_logging.log_public is True and linked_logging.log_customer_key is True
    assert "Principal *" in (linked_logging.log_detail or "")


def test_agent_action_roles_unreadable_leave_a_clean_service_role_unknown() -> None:
    scoped = Role(ref=_ref(ROLE, "serve"), is_admin=False, wildcard_data_access=False)
    agent = MLWorkload(ref=_ref("arn:aws:bedrock:us-east-1:123456789012:agent/B", "b"), workload_type="agent",
                       role=ROLE, action_roles=None)
    linked = next(r for r in link([agent, scoped]) if isinstance(r, MLWorkload))
    assert (linked.role_admin, linked.role_wildcard_data) == (None, None)
    # a function role not in the scan: unknown too; an admin service role still decides
    agent = agent.model_copy(update={"action_roles": ["arn:aws:iam::123456789012:role/elsewhere"]})
    linked = next(r for r in link([agent, scoped]) if isinstance(r, MLWorkload))
    assert linked.role_admin is None
    admin = scoped.model_copy(update={"is_admin": True, "admin_via": "managed policy AdministratorAccess"})
    linked = next(r for r in link([agent, admin]) if isinstance(r, MLWorkload))
    assert linked.role_admin is True


def _azure_logs_case() -> tuple[MLWorkload, Bucket, Bucket]:
    sub = "/subscriptions/0d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6"
    account_id = f"{sub}/resourceGroups/rg-ai/providers/Microsoft.Storage/storageAccounts/promptlogs"
    account = MLWorkload(
        ref=Ref(provider="azure", cloud="azure", account="s", id=f"{sub}/resourceGroups/rg-ai/providers/"
                "Microsoft.CognitiveServices/accounts/chat", name="chat"),
        workload_type="ai_account", invocation_logging=True, log_targets=[account_id.replace("/resourceGroups/", "/resourcegroups/")])
    storage = Bucket(ref=Ref(provider="azure", cloud="azure", account="s", id=account_id, name="promptlogs"), scope="account",
                     public_read=False, encryption="customer_managed")
    other = Bucket(ref=Ref(provider="azure", cloud="azure", account="s", id=f"{sub}/resourceGroups/rg-ai/providers/"
                           "Microsoft.Storage/storageAccounts/other", name="other"), scope="account", public_read=True)
    return account, storage, other


def test_azure_diagnostic_storage_joined_whatever_the_id_casing() -> None:
    account, storage, other = _azure_logs_case()
    joined = next(r for r in link([account, storage, other]) if isinstance(r, MLWorkload))
    assert (joined.log_public, joined.log_customer_key) == (False, True)


def test_streamed_linking_keeps_the_storage_account_named_in_another_casing() -> None:
    from auditor.evaluation import linked

    resources = list(_azure_logs_case())

    class Stream:  # re-iterable, not a Sequence: the streamed path that keeps only named buckets
        def __iter__(self):
            return iter(resources)

    joined = next(r for r in linked(Stream()) if isinstance(r, MLWorkload))
    assert (joined.log_public, joined.log_customer_key) == (False, True)
