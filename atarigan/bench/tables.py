"""The bench's tables: each row with its ratio against the book's row."""

from __future__ import annotations

from typing import Any


def print_ratio_table(title: str, unit: str, rows: dict[str, float], fmt: str, higher_is_faster: bool) -> None:
    """Rows named '<name> <unit>', the first being the book's; 'vs book' > 1 means faster."""
    book = next(iter(rows.values()))
    print(f"\n{title:44s} {unit:>9s} {'vs book':>8s}")
    for name, value in rows.items():
        speedup = value / book if higher_is_faster else book / value
        print(f"{name.removesuffix(' ' + unit):44s} {value:{fmt}} {speedup:8.2f}")


def print_tables(results: dict[str, Any]) -> None:
    bf16 = "native bf16" if results.get("cpu_native_bf16") else "no native bf16"
    print(f"device {results['device']} {results.get('gpu', '')}; {results['cpu']} ({bf16}), {results['cores']} cores; "
          f"batch {results['batch_size']}; torch {results['torch']}")
    if "sampling" in results:
        print_ratio_table("sampling", "frames/s", results["sampling"], "9.0f", higher_is_faster=True)
    if "step" in results:
        print_ratio_table("GAN step (fixed batch)", "ms/step", results["step"], "9.2f", higher_is_faster=False)
    for key, title in (("e2e", "end to end"), ("e2e_busy", "end to end, one other busy process")):
        if key in results:
            _print_e2e(title, results[key])


def _print_e2e(title: str, e2e: dict[str, float]) -> None:
    book = e2e["book loop it/s"]
    print(f"\n{title:44s} {'it/s':>9s} {'vs book':>8s} {'50k its':>8s}")
    for name, value in e2e.items():
        if name.endswith("it/s"):
            print(f"{name.removesuffix(' it/s'):44s} {value:9.1f} {value / book:8.2f} {50_000 / value / 60:7.1f}m")
    print(f"data wait: {e2e['sampler-fed step data wait share']:.1%} of the sampler-fed step's time")
