"""pytest plugin (entry point ``pytest11``): fixtures and options for benchmarking with accelbench."""
