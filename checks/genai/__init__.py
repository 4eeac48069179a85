"""Checks of generative-AI services: accounts, deployments, agents, knowledge bases, vector stores, registries."""
