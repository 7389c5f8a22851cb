"""Comparison reports from stored results: HTML (single file, inline SVG), Markdown and CSV.

Reads the store only (never the runner or a backend). One module per job:

* ``data`` — which records are ranked (``results.rank.rankable``), not ranked (model-only / does
  not fit), of hardware you don't have (``gpu-model``), failed or skipped; one table row per record;
* ``headline`` — the per-workload verdict (fastest, highest throughput, lowest energy per item);
* ``speedup``, ``crossover``, ``pareto`` — comparisons, always within one provenance class;
* ``roofs`` and ``cpu_peaks`` — the roofline's roofs; ``environment`` — the machine section;
* ``units`` (human units), ``provenance`` (marks, legend), ``escape`` (per-format escaping),
  ``columns`` (table cells);
* ``plots/`` — one module per plot; ``build`` assembles a :class:`~accelbench.report.build.Report`;
  ``html_writer``, ``markdown_writer``, ``csv_writer`` print it; ``write`` writes a directory.
"""
