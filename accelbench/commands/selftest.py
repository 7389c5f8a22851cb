"""``accelbench selftest --gpu``: every GPU backend over the smoke suite, correctness and percent of peak.

For GPU owners: one command validates the whole GPU side, and shows the gpu-model's prediction for
the same GPU beside each measurement (``model_p50_s``, ``model_error_rel``), so the model's error
on the user's device is visible. Without a GPU it prints each backend's
reason and says nothing was tested (exit 0; ``--require`` makes that exit 1). Simulator or
modeled timings are never reported: only device-timed results (CUDA events) are.
"""

from __future__ import annotations

import argparse
from typing import Any

from accelbench.commands.common import add_json, print_json, stderr

GPU_BACKENDS = ("gpu-torch", "gpu-cupy", "gpu-numba")


def register(sub: Any) -> None:
    parser = sub.add_parser("selftest", help="validate accelerator backends end to end (--gpu)")
    parser.add_argument("--gpu", action="store_true", required=True, help="test every GPU backend")
    parser.add_argument("--require", action="store_true", help="exit 1 when no GPU backend can run here")
    parser.add_argument("--suite", default="smoke", help="suite to run (default: smoke)")
    add_json(parser)
    parser.set_defaults(func=main)


def percent_of_peak(achieved_flops_s: float | None, device: dict[str, Any]) -> float | None:
    peak = (device.get("peak") or {}).get("flops_s")
    if not achieved_flops_s or not peak:
        return None
    return 100.0 * achieved_flops_s / float(peak)


def main(args: argparse.Namespace) -> int:
    from accelbench.backends.registry import get_backend
    from accelbench.measure.policy import RunPolicy
    from accelbench.measure.runner import Runner
    from accelbench.suites import load_suite

    entries = load_suite(args.suite).entries
    runner = Runner(RunPolicy(budget_s=0.5), run_id="selftest")
    rows: list[dict[str, Any]] = []
    available = 0
    for name in GPU_BACKENDS:
        backend = get_backend(name)
        status = backend.available()
        if not status.ok:
            rows.append({"backend": name, "status": "unavailable", "reason": status.reason})
            continue
        available += 1
        kernels = ("library", "custom") if name == "gpu-cupy" else ("default",)
        for entry in entries:
            for kernel in kernels:
                config = {"kernel": kernel} if kernel != "default" else {}
                m = runner.measure(backend, entry.workload, 1, config)
                rows.append({
                    "backend": name, "kernel": kernel, "workload": entry.workload.name, "status": m.status,
                    "reason": m.invalid_reason, "error_rel": m.error.rel if m.error else None,
                    "p50_s": m.latency.p50_s if m.latency else None,
                    "achieved_flops_s": m.achieved_flops_s,
                    "percent_of_peak": percent_of_peak(m.achieved_flops_s, m.device),
                    "device": m.device.get("device"),
                })
                if m.status == "ok":  # the GPU model's prediction for this device beside the measurement
                    from accelbench.gpumodel.selfcheck import model_vs_measurement

                    rows[-1].update(model_vs_measurement(entry.workload, 1, m.device.get("device"), rows[-1]["p50_s"]))
    failed = [r for r in rows if r["status"] in ("invalid", "error")]
    if args.json:
        print_json({"rows": rows, "tested_backends": available, "failures": len(failed)})
    else:
        for r in rows:
            if r["status"] == "unavailable":
                print(f"{r['backend']:<10} unavailable: {r['reason']}")
            else:
                pct = f"{r['percent_of_peak']:.1f} % of peak" if r["percent_of_peak"] is not None else "peak unknown"
                detail = r["reason"] or f"rel err {r['error_rel']:.2g}, p50 {r['p50_s']:.3g} s, {pct}"
                if r.get("model_error_rel") is not None:
                    detail += f", gpu-model {r['model_p50_s']:.3g} s ({r['model_error_rel']:+.0%})"
                print(f"{r['backend']:<10} {r['kernel']:<8} {r['workload']:<22} {r['status']:<12} {detail}")
    if available == 0:
        stderr("selftest: no GPU backend can run here: nothing was tested")
        return 1 if args.require else 0
    stderr(f"selftest: {available} GPU backend(s) tested, {len(failed)} failure(s)")
    return 1 if failed else 0
