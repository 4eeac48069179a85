"""Checks of ML workloads on Kubernetes: exposure, authentication, pod security, isolation."""
