"""Helpers of the pytest plugin (kept apart so ``accelbench.pytest_plugin`` imports nothing heavy)."""
