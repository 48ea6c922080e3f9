"""The bench's tables: each row with its ratio against the book's row."""

from __future__ import annotations

import sys
from typing import Any


def print_ratio_table(title: str, unit: str, rows: dict[str, float], fmt: str, higher_is_faster: bool) -> None:
    """Rows named '<name> <unit>', the first being the book's; 'vs book' > 1 means faster."""
    book = next(iter(rows.values()))
    print(f"\n{title:44s} {unit:>9s} {'vs book':>8s}")
    for name, value in rows.items():
        speedup = value / book if higher_is_faster else book / value
        print(f"{name.removesuffix(' ' + unit):44s} {value:{fmt}} {speedup:8.2f}")


#: Each of the bench's sections (``--sections``) and its key in the results (and the JSON).
RESULT_KEYS = {"sampling": "sampling", "step": "step", "e2e": "e2e", "busy": "e2e_busy"}


def print_header(results: dict[str, Any]) -> None:
    """The machine the rows ran on: device, CPU, cores, batch, torch."""
    bf16 = "native bf16" if results.get("cpu_native_bf16") else "no native bf16"
    gpu = f" {results['gpu']}" if "gpu" in results else ""
    print(f"device {results['device']}{gpu}; {results['cpu']} ({bf16}), {results['cores']} cores; "
          f"batch {results['batch_size']}; torch {results['torch']}", flush=True)


def print_section(key: str, rows: dict[str, float]) -> None:
    """One section's table (``key``: a value of :data:`RESULT_KEYS`), printed as soon as it is measured."""
    if key == "sampling":
        print_ratio_table("sampling", "frames/s", rows, "9.0f", higher_is_faster=True)
    elif key == "step":
        print_ratio_table("GAN step (fixed batch)", "ms/step", rows, "9.2f", higher_is_faster=False)
    else:
        _print_e2e("end to end" if key == "e2e" else "end to end, one other busy process", rows)
    sys.stdout.flush()  # the table shows now, also when stdout is a file or a pipe


def _print_e2e(title: str, e2e: dict[str, float]) -> None:
    book = e2e["book loop it/s"]
    print(f"\n{title:44s} {'it/s':>9s} {'vs book':>8s} {'50k its':>8s}")
    for name, value in e2e.items():
        if name.endswith("it/s"):
            print(f"{name.removesuffix(' it/s'):44s} {value:9.1f} {value / book:8.2f} {50_000 / value / 60:7.1f}m")
    print(f"data wait: {e2e['sampler-fed step data wait share']:.1%} of the sampler-fed step's time")
