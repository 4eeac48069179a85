"""Clusters and Kubernetes objects declared in Terraform and CloudFormation."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.collectors.base import CollectionSink
from auditor.collectors.iac import IacCollector
from auditor.registry import CheckContext, Registry
from auditor.resources import Cluster, ClusterExposure, ClusterWorkload

CONTROL_PLANES = """
resource "aws_eks_cluster" "default" {
  name     = "ml"
  role_arn = aws_iam_role.eks.arn
  vpc_config { subnet_ids = var.subnets }
}
resource "aws_eks_cluster" "limited" {
  name     = "ml-limited"
  role_arn = aws_iam_role.eks.arn
  vpc_config {
    subnet_ids             = var.subnets
    endpoint_public_access = true
    public_access_cidrs    = ["203.0.113.0/24"]
  }
}
resource "aws_eks_cluster" "private" {
  name     = "ml-private"
  role_arn = aws_iam_role.eks.arn
  vpc_config {
    subnet_ids              = var.subnets
    endpoint_public_access  = false
    endpoint_private_access = true
  }
}
resource "google_container_cluster" "open" {
  name     = "gke-open"
  location = "us-central1"
}
resource "google_container_cluster" "authorized" {
  name     = "gke-authorized"
  location = "us-central1"
  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = "198.51.100.0/24"
      display_name = "office"
    }
  }
}
resource "google_container_cluster" "private" {
  name     = "gke-private"
  location = "us-central1"
  private_cluster_config {
    enable_private_endpoint = true
    enable_private_nodes    = true
  }
}
resource "azurerm_kubernetes_cluster" "open" {
  name                = "aks-open"
  location            = "westeurope"
  resource_group_name = "ml"
  dns_prefix          = "ml"
}
resource "azurerm_kubernetes_cluster" "ranges" {
  name                = "aks-ranges"
  location            = "westeurope"
  resource_group_name = "ml"
  dns_prefix          = "ml"
  api_server_access_profile { authorized_ip_ranges = ["203.0.113.0/24"] }
}
resource "azurerm_kubernetes_cluster" "unknown" {
  name                    = "aks-unknown"
  location                = "westeurope"
  resource_group_name     = "ml"
  dns_prefix              = "ml"
  private_cluster_enabled = var.private
}
variable "subnets" { default = ["subnet-1"] }
variable "private" {}
"""

WORKLOADS = """
resource "kubernetes_deployment_v1" "ray_head" {
  metadata {
    name      = "ray-head"
    namespace = "ml"
  }
  spec {
    selector { match_labels = { app = "ray-head" } }
    template {
      metadata { labels = { app = "ray-head" } }
      spec {
        host_network = true
        container {
          name    = "ray"
          image   = "rayproject/ray:2.40.0"
          command = ["ray", "start", "--head", "--dashboard-host=0.0.0.0", "--block"]
          port { container_port = 8265 }
          env {
            name  = "OPENAI_API_KEY"
            value = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"
          }
        }
      }
    }
  }
}
resource "kubernetes_service_v1" "ray_dashboard" {
  metadata {
    name      = "ray-dashboard"
    namespace = "ml"
  }
  spec {
    type     = "LoadBalancer"
    selector = { app = "ray-head" }
    port {
      port        = 8265
      target_port = "8265"
    }
  }
}
resource "kubernetes_manifest" "notebook" {
  manifest = {
    apiVersion = "kubeflow.org/v1"
    kind       = "Notebook"
    metadata   = { name = "bob", namespace = "ml" }
    spec = { template = { spec = { containers = [{ name = "nb", image = "jupyter/scipy-notebook", args = ["start-notebook.sh", "--ServerApp.token="] }] } } }
  }
}
resource "helm_release" "hub" {
  name      = "hub"
  chart     = "jupyterhub"
  namespace = "hub"
  values    = [yamlencode({ proxy = { service = { type = "LoadBalancer" } } })]
}
"""

CFN = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {"RoleArn": "arn:aws:iam::1:role/eks",
                                                                 "ResourcesVpcConfig": {"SubnetIds": ["subnet-1"]}}},
        "Private": {"Type": "AWS::EKS::Cluster", "Properties": {"RoleArn": "arn:aws:iam::1:role/eks",
                                                                 "ResourcesVpcConfig": {"SubnetIds": ["subnet-1"], "EndpointPublicAccess": False,
                                                                                        "EndpointPrivateAccess": True}}},
    },
}


def _scan(tmp_path: Path) -> CollectionSink:
    (tmp_path / "clusters.tf").write_text(CONTROL_PLANES)
    (tmp_path / "workloads.tf").write_text(WORKLOADS)
    (tmp_path / "eks.json").write_text(json.dumps(CFN))
    sink = CollectionSink()
    IacCollector([str(tmp_path)]).collect(sink)
    return sink


def _status(sink: CollectionSink, check_id: str, resource_id: str) -> list[str]:
    spec = Registry.default(entry_points=False).get(check_id)
    (res,) = [r for r in sink.resources if r.ref.id == resource_id]
    return [r.status.value for r in spec.run(res, CheckContext())]


def test_control_planes_from_terraform_and_cloudformation(tmp_path: Path) -> None:
    sink = _scan(tmp_path)
    clusters = {r.ref.id: r for r in sink.resources if isinstance(r, Cluster)}
    expected = {
        "aws_eks_cluster.default": ["fail"], "aws_eks_cluster.limited": ["pass"], "aws_eks_cluster.private": ["pass"],
        "google_container_cluster.open": ["fail"], "google_container_cluster.authorized": ["pass"],
        "google_container_cluster.private": ["pass"], "azurerm_kubernetes_cluster.open": ["fail"],
        "azurerm_kubernetes_cluster.ranges": ["pass"], "azurerm_kubernetes_cluster.unknown": ["unknown"],
        "eks.json#Cluster": ["fail"], "eks.json#Private": ["pass"],
    }
    assert set(expected) <= set(clusters), sorted(clusters)
    for rid, want in expected.items():
        assert _status(sink, "cluster_api_public", rid) == want, (rid, clusters[rid])


def test_kubernetes_provider_objects_are_judged_like_manifests(tmp_path: Path) -> None:
    sink = _scan(tmp_path)
    assert not [e for e in sink.errors if e.incomplete], sink.errors
    head = next(r for r in sink.resources if r.ref.id == "Deployment/ml/ray-head")
    assert isinstance(head, ClusterWorkload) and head.ml_kind == "ray_head" and head.host_network
    assert head.ref.path == "workloads.tf" and head.ref.provider == "terraform"
    assert _status(sink, "k8s_ml_service_exposed", "Service/ml/ray-dashboard") == ["fail"]
    assert _status(sink, "k8s_ml_pod_privileged", "Deployment/ml/ray-head") == ["fail"]
    assert _status(sink, "k8s_ml_pod_env_secret", "Deployment/ml/ray-head") == ["fail"]
    assert _status(sink, "k8s_ray_no_token_auth", "Deployment/ml/ray-head") == ["fail"]
    assert _status(sink, "k8s_notebook_no_auth", "Notebook/ml/bob") == ["fail"]
    hub = next(r for r in sink.resources if r.ref.id == "Service/hub/proxy-public")
    assert isinstance(hub, ClusterExposure) and hub.open_to_world and hub.ml_services
    assert "sk-proj-abcdefghij" not in head.model_dump_json()


def test_live_eks_clusters_from_the_aws_collector() -> None:
    import boto3

    from auditor.collectors.aws import AwsCollector
    from auditor.demo import demo_environment, populate

    with demo_environment():
        session = boto3.Session(region_name="us-east-1")
        populate(session, "us-east-1")
        sink = CollectionSink()
        AwsCollector(session, regions=["us-east-1"], max_workers=4).collect(sink)
    clusters = {r.ref.name: r for r in sink.resources if isinstance(r, Cluster)}
    assert set(clusters) == {"ml-platform", "ml-batch"}
    assert clusters["ml-platform"].api_public is True and clusters["ml-platform"].api_source_ranges == ["0.0.0.0/0"]
    assert clusters["ml-batch"].api_public is False
    assert sink.api_calls["eks:ListClusters"] == 1 and sink.api_calls["eks:DescribeCluster"] == 2
