"""Managed notebook servers: how they reach the network, who is root, how their disk is encrypted."""

from __future__ import annotations

from auditor.findings import Result, Severity, fail, passed, unknown
from auditor.registry import check
from auditor.resources import Notebook

_SAGEMAKER_NETWORK = "https://docs.aws.amazon.com/sagemaker/latest/dg/appendix-notebook-and-internet-access.html"
_VERTEX_NETWORK = "https://cloud.google.com/vertex-ai/docs/workbench/instances/create#network"
_AZUREML_NETWORK = "https://learn.microsoft.com/en-us/azure/machine-learning/how-to-secure-training-vnet"


@check(
    id="notebook_direct_internet",
    severity=Severity.HIGH,
    title="Notebook server has direct internet access",
    description="The notebook instance has direct internet access or a public IP address, so code in "
    "it can reach (and be reached from) the internet without passing any network control. SageMaker "
    "enables DirectInternetAccess unless told otherwise.",
    remediation="AWS: set DirectInternetAccess=Disabled and route traffic through a VPC with NAT or VPC "
    "endpoints. GCP: create Workbench instances with no public IP (disable_public_ip). Azure: create "
    "compute instances with no public IP in a virtual network.",
    references=(_SAGEMAKER_NETWORK, _VERTEX_NETWORK, _AZUREML_NETWORK),
)
def notebook_direct_internet(notebook: Notebook) -> Result:
    if notebook.direct_internet_access is None:
        return unknown("internet access setting could not be read")
    if notebook.direct_internet_access:
        return fail("direct internet access is enabled (or a public IP is assigned)")
    return passed("no direct internet access")


@check(
    id="notebook_root_access",
    severity=Severity.MEDIUM,
    title="Notebook users get root",
    description="Users of the notebook instance get root on it, so any notebook code can change the "
    "system, read other users' data and tamper with its credentials. SageMaker enables RootAccess "
    "unless told otherwise.",
    remediation="AWS: set RootAccess=Disabled on the notebook instance. GCP: set the Workbench metadata "
    "notebook-disable-root=true. Azure: disable root access (enableRootAccess=false) on the compute "
    "instance.",
    references=("https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-root-access.html",),
)
def notebook_root_access(notebook: Notebook) -> Result:
    if notebook.root_access is None:
        return unknown("root access setting could not be read")
    if notebook.root_access:
        return fail("notebook users have root access on the instance")
    return passed("root access is disabled")


@check(
    id="notebook_not_customer_key",
    severity=Severity.MEDIUM,
    title="Notebook storage not encrypted with a customer-managed key",
    description="The notebook instance's storage volume is not encrypted with a customer-managed key "
    "(KMS, CMEK, Key Vault), so access to the data on it cannot be revoked or audited through the key.",
    remediation="AWS: create the notebook instance with KmsKeyId set to a customer-managed KMS key. "
    "GCP: create the Workbench instance with disk encryption CMEK. Azure: enable customer-managed keys "
    "on the Azure Machine Learning workspace.",
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/dg/encryption-at-rest-nbi.html",
        "https://cloud.google.com/vertex-ai/docs/workbench/instances/cmek",
        "https://learn.microsoft.com/en-us/azure/machine-learning/concept-customer-managed-keys",
    ),
)
def notebook_not_customer_key(notebook: Notebook) -> Result:
    if notebook.customer_managed_key is None:
        return unknown("volume encryption key could not be read")
    if not notebook.customer_managed_key:
        return fail("storage volume is not encrypted with a customer-managed key")
    return passed(f"encrypted with customer-managed key {notebook.kms_key or ''}".rstrip(), kms_key=notebook.kms_key)


@check(
    id="notebook_no_private_network",
    severity=Severity.MEDIUM,
    title="Notebook server is not in a private network",
    description="The notebook instance is not placed in a VPC subnet or private network, so its "
    "traffic cannot be filtered by security groups, firewall rules or private endpoints.",
    remediation="AWS: create the notebook instance with a SubnetId and SecurityGroupIds in your VPC. "
    "GCP: attach the Workbench instance to your VPC subnet. Azure: put the compute instance in a "
    "virtual network subnet (or use a managed virtual network).",
    references=(_SAGEMAKER_NETWORK, _VERTEX_NETWORK, _AZUREML_NETWORK),
)
def notebook_no_private_network(notebook: Notebook) -> Result:
    if notebook.private_network is None:
        return unknown("network placement could not be read")
    if not notebook.private_network:
        return fail("not placed in a VPC subnet / private network")
    return passed("placed in a private network")
