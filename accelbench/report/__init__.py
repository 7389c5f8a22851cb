"""Comparison reports from stored results: HTML (single file, inline SVG), Markdown and CSV.

Reads the store only (never the runner or a backend). One module per job: ``provenance`` (markers,
legend), ``data`` (row selection, design labels, table rows), ``speedup``, ``crossover``, ``pareto``,
``cpu_peaks`` and ``roofs`` (peak figures for the roofline), ``environment``, ``plots/`` (one module
per plot), ``build`` (assembles a :class:`~accelbench.report.build.Report`), ``html_writer``,
``markdown_writer``, ``csv_writer`` and ``write`` (writes a report directory).
"""
