"""atarigan bench: every section printed and saved; bad durations, rounds and speed-ups refused in one line."""

import json

from atarigan.cli import main


def test_bench_prints_every_section_and_writes_json(tmp_path, capsys, restore_threads):
    out = tmp_path / "bench" / "cpu.json"
    assert main(["bench", "--device", "cpu", "--seconds", "0.3", "--batch-size", "4", "--envs-per-game", "2",
                 "--games", "Breakout", "Pong", "--threads", "1", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for heading in ("sampling", "GAN step (fixed batch)", "end to end", "data wait:", "one other busy process"):
        assert heading in printed
    results = json.loads(out.read_text())
    assert set(results) >= {"sampling", "step", "e2e", "e2e_busy", "device", "cpu", "cores", "batch_size"}
    assert set(results["e2e_busy"]) == set(results["e2e"]) and results["threads"] == "1"
    assert {"book ms/step", "logits, D frozen (fp32) ms/step", "+ bf16 autocast ms/step"} <= set(results["step"])
    assert {"book loop it/s", "trainer loop it/s", "trainer ignite it/s"} <= set(results["e2e"])
    assert all(v > 0 for section in ("sampling", "step", "e2e", "e2e_busy") for v in results[section].values())


def test_bench_rejects_bad_durations(capsys):
    assert main(["bench", "--seconds", "0"]) == 2
    assert "--seconds must be a finite number in (0, 86400], got 0.0" in capsys.readouterr().err
    assert main(["bench", "--device", "cpu", "--fast", "cuda_graphs"]) == 2
    assert "error: --fast: cuda_graphs needs a CUDA device; the run is on cpu\n" in capsys.readouterr().err


def test_bench_rejects_bad_rounds_and_threads(capsys):
    assert main(["bench", "--rounds", "0"]) == 2
    assert "--rounds must be an integer from 1 to 1000, got 0" in capsys.readouterr().err
    assert main(["bench", "--threads", "0"]) == 2
    assert "--threads must be auto or a number of threads from 1 to 1024, got '0'" in capsys.readouterr().err
