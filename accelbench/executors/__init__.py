"""Executors of sweeps beyond the in-process one (accelbench.execute.execute_local)."""
