"""The bench's harness: rows take turns and report medians."""

from atarigan.bench.timing import interleaved


def test_interleaved_rows_take_turns_and_report_medians():
    calls = []
    rates = {"a": iter([5.0, 1.0, 3.0]), "b": iter([10.0, 30.0, 20.0])}

    def row(name):
        def measure(seconds):
            calls.append((name, seconds))
            return next(rates[name])
        return measure

    assert interleaved({"a": row("a"), "b": row("b")}, seconds=6.0, rounds=3) == {"a": 3.0, "b": 20.0}
    assert calls == [("a", 2.0), ("b", 2.0)] * 3
