"""Terraform: HCL and JSON parsing, module evaluation and plan files."""
