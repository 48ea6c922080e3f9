"""Subprocess smoke tests: the runnable entry points in scripts/ and benchmarks/ work as a user runs them."""

import subprocess
import sys

import pytest


@pytest.fixture
def run_script(repo_root):
    """Run a file of scripts/ or benchmarks/ as a user would, from the repository's root."""

    def run(path: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(repo_root / path), *args],
                              capture_output=True, text=True, timeout=timeout, cwd=repo_root)

    return run


@pytest.mark.parametrize("algo", ["dqn", "ppo"])
def test_the_sb3_example_trains_and_evaluates_an_agent(run_script, algo):
    result = run_script("scripts/train_sb3_agent.py", "--algo", algo, "--game", "Pong", "--steps", "256",
                        "--buffer", "1000", "--episodes", "1")
    assert result.returncode == 0, result.stderr
    assert "observation space: Box(0, 255, (4, 84, 84), uint8)" in result.stdout
    assert f"{algo} on Pong after 256 steps: return " in result.stdout


def test_the_readme_rl_example_runs_as_pasted(repo_root, tmp_path):
    """The README's SB3 snippet, with its step counts cut down."""
    import re

    readme = (repo_root / "README.md").read_text()
    code = re.search(r"### Use in an RL agent.*?```python\n(.*?)```", readme, re.S).group(1)
    assert "from wrappers import make_env" in code
    code = code.replace("learn(2_000)", "learn(128)").replace("learning_starts=500", "learning_starts=64")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Box(0, 255, (4, 84, 84), uint8)" in result.stdout


@pytest.mark.parametrize("script", ["train_loop.py", "train_ignite.py"])
def test_train_script_runs_a_tiny_budget(script, tmp_path, run_script):
    result = run_script(
        f"scripts/{script}", "--iterations", "3", "--batch-size", "4", "--envs-per-game", "1",
        "--device", "cpu", "--logdir", str(tmp_path / "run"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "run" / "checkpoint_3.pt").exists()
    assert "done at iteration 3" in result.stdout and "view with: " in result.stdout


def test_sampling_benchmark_prints_every_row_with_its_ratio(run_script):
    result = run_script("benchmarks/bench_sampling.py", "--games", "Breakout", "Pong", "--batch-size", "4",
                        "--seconds", "0.4", "--rounds", "2", "--envs-per-game", "2", "--frame-threads", "0", "2")
    assert result.returncode == 0, result.stderr
    # Each row: the generator's name, its frames/s and its ratio to the book.
    rows = {name: numbers for name, *numbers in (line.rsplit(maxsplit=2) for line in result.stdout.splitlines()[2:])}
    assert set(rows) == {
        "book iterate_batches (1 env/game)",
        "FrameSampler (2 envs/game, batched resize, 0 frame threads)",
        "FrameSampler (2 envs/game, batched resize, 2 frame threads)",
        "FrameSampler (2 envs/game, emulator resize, 0 frame threads)",
        "FrameSampler (2 envs/game, emulator resize, 2 frame threads)",
        "gymnasium AsyncVectorEnv (1 proc/env, 2/game)",
    }
    assert all(float(fps) > 0 for fps, _ in rows.values())
    book = float(rows["book iterate_batches (1 env/game)"][0].replace(",", ""))
    for fps, ratio in rows.values():  # each ratio is that row's rate over the book's, as printed
        rate = float(fps.replace(",", ""))
        # Both rates are printed rounded to whole frames and the ratio to hundredths: at a few hundred
        # frames/s the rounding of the rates alone moves their quotient by a few thousandths.
        rounding = 0.005 + rate / book * (0.5 / rate + 0.5 / book) + 1e-9
        assert float(ratio) == pytest.approx(rate / book, abs=rounding)


def test_rl_preset_benchmark_prints_each_pipeline_with_its_bytes(run_script):
    result = run_script("benchmarks/bench_rl_preset.py", "--game", "Pong", "--seconds", "0.4", "--rounds", "2",
                        "--vector-envs", "2")
    assert result.returncode == 0, result.stderr
    rows = {line.split("  ")[0]: line.split() for line in result.stdout.splitlines()[2:-1]}
    assert rows["SB3 make_atari_env + VecFrameStack(4)"][-4:] == ["1.00", "84x84x4", "uint8", "28224"]
    assert rows["make_env(preset='dqn') in DummyVecEnv"][-3:] == ["4x84x84", "uint8", "28224"]
    assert len(rows) == 4 and all(float(row[-5]) > 0 for row in rows.values())


def test_recipe_benchmark_and_quality_curves_run_on_tiny_budgets(run_script, tiny, tmp_path):
    from atarigan.cli import main

    bench = run_script("benchmarks/bench_recipes.py", "--only", "book", "fast", "--seconds", "1", "--rounds", "1",
                       "--envs-per-game", "2", "--batch-size", "4")
    assert bench.returncode == 0, bench.stderr
    assert "book" in bench.stdout and "1.00x the book" in bench.stdout and "fast" in bench.stdout
    run = tmp_path / "curve"
    assert main(["train", *tiny, "--iterations", "4", "--eval-every", "2", "--eval-count", "128",
                 "--logdir", str(run)]) == 0
    curves = run_script("benchmarks/quality_curves.py", str(run), "--speed", "2", "--every", "2",
                        "--plot", str(tmp_path / "curve.png"))
    assert curves.returncode == 0, curves.stderr
    rows = [line for line in curves.stdout.splitlines() if line.startswith("| 2 ") or line.startswith("| 4 ")]
    assert [row.split(" | ")[1] for row in rows] == ["0", "0"]  # minutes: iterations at 2 it/s
    header = next(line for line in curves.stdout.splitlines() if line.startswith("| iteration"))
    assert "| spread " in header and all(len(header.split(" | ")) == len(row.split(" | ")) for row in rows)
    assert "| KD Breakout" in header or "| KD Pong" in header or "| KD AirRaid" in header  # a game drawn twice or more
    assert (tmp_path / "curve.png").stat().st_size > 1000
    by_time = run_script("benchmarks/quality_curves.py", str(run), "--plot", str(tmp_path / "by_time.png"),
                         "--against", "minutes")  # the run's own clock: no --speed
    assert by_time.returncode == 0, by_time.stderr
    assert (tmp_path / "by_time.png").stat().st_size > 1000
    assert (tmp_path / "by_time.png").read_bytes() != (tmp_path / "curve.png").read_bytes()  # its axis is time


def test_score_checkpoints_prints_a_row_per_checkpoint_in_iteration_order(run_script, tiny, tmp_path):
    from atarigan.cli import main

    run = tmp_path / "scored"
    assert main(["train", *tiny, "--iterations", "4", "--checkpoint-every", "2", "--logdir", str(run)]) == 0
    scored = run_script("benchmarks/score_checkpoints.py", str(run / "checkpoint_4.pt"), str(run / "checkpoint_2.pt"),
                        "--count", "128")
    assert scored.returncode == 0, scored.stderr
    lines = scored.stdout.splitlines()
    assert "quality metric version" in lines[0] and lines[1].startswith("KD per game, real vs real: ")
    header = next(line for line in lines if line.startswith("| iteration"))
    rows = [line for line in lines if line.startswith("| 2 ") or line.startswith("| 4 ")]
    assert [row.split(" | ")[0] for row in rows] == ["| 2", "| 4"]
    columns = header.split(" | ")
    assert columns[-3:] == ["KD Breakout", "KD AirRaid", "KD Pong |"]
    assert all(len(row.split(" |  (")[0].split(" | ")) == len(columns) for row in rows)  # then each row's seconds


def test_quality_curves_of_a_run_that_has_logged_no_number_yet(run_script, tmp_path):
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "young")) as writer:  # a run seconds old: its config text, no scalar yet
        writer.add_text("config", "--conditional")
    curves = run_script("benchmarks/quality_curves.py", str(tmp_path / "young"))
    assert curves.returncode == 0, curves.stderr
    assert "no evaluations yet" in curves.stdout and "Traceback" not in curves.stderr


@pytest.mark.parametrize("flags, head", [([], "frame"), (["--discriminator-playfield"], "frame"),
                                         (["--discriminator-coords"], "patches")],
                         ids=["frames", "frames and residuals", "coordinates, the patches asked"])
def test_discriminator_benchmark_says_what_d_thinks_of_each_kind_of_frame(flags, head, run_script, tiny, tmp_path):
    from atarigan.cli import main

    run = tmp_path / "run"
    assert main(["train", *tiny, "--iterations", "2", "--conditional", "--patch-discriminator", *flags,
                 "--logdir", str(run)]) == 0
    result = run_script("benchmarks/discriminator_sees.py", str(run), "--count", "128", "--head", head)
    assert result.returncode == 0, result.stderr
    rows = [line.split(" | ") for line in result.stdout.splitlines() if line.startswith("| run/checkpoint_2.pt")]
    assert [(row[1], row[2]) for row in rows] == [(batches, game) for game in ("Breakout", "AirRaid", "Pong")
                                                  for batches in ("own", "mixed")]
    cells = {(row[1], row[2]): [c.strip(" |") for c in row[3:]] for row in rows}
    assert all(len(c) == 8 for c in cells.values())  # five probabilities, then three orderings (own batches only)
    assert all(c[5:] == ["—", "—", "—"] for (batches, _), c in cells.items() if batches == "mixed")
    numbers = [float(n) for c in cells.values() for n in c if n != "—"]
    assert len(numbers) == 3 * (8 + 5) and all(0.0 <= n <= 1.0 for n in numbers)


@pytest.mark.parametrize("recipe", ["book", "sprites"])
def test_step_profile_prints_each_kind_of_work_and_the_costliest_operators(recipe, run_script):
    result = run_script("benchmarks/profile_step.py", "--recipe", recipe, "--precision", "fp32", "--batch-size", "4",
                        "--steps", "2", "--top", "3")
    assert result.returncode == 0, result.stderr
    assert f"{recipe}, fp32: " in result.stdout and "ms/step unprofiled" in result.stdout
    assert "| convolutions (G's transposed ones too), backward |" in result.stdout
    operators = result.stdout.split("| --- | --- | ---: | ---: |\n")[1].strip().splitlines()
    assert len(operators) == 3 and all(line.startswith("| ") and line.count(" | ") == 3 for line in operators)


def test_average_half_lives_scores_each_average_at_each_iteration_asked(run_script, tiny, tmp_path):
    from atarigan.cli import main

    run = tmp_path / "averaged"
    assert main(["train", *tiny, "--iterations", "4", "--checkpoint-every", "2", "--logdir", str(run)]) == 0
    scored = run_script("benchmarks/average_half_lives.py", str(run), "--iterations", "8", "--at", "6", "8",
                        "--half-lives", "1", "3", "--count", "128", "--threads", "1")
    assert scored.returncode == 0, scored.stderr
    assert (run / "checkpoint_8.pt").exists()  # resumed in place
    header = next(line for line in scored.stdout.splitlines() if line.startswith("| iteration"))
    assert header == "| iteration | raw | half-life 1 | half-life 3 | the run's own |"
    rows = [line.split(" | ") for line in scored.stdout.splitlines() if line.startswith(("| 6 ", "| 8 "))]
    assert [row[0] for row in rows] == ["| 6", "| 8"]
    scores = [[float(value.strip(" |")) for value in row[1:]] for row in rows]
    assert all(len(row) == 4 and all(score > 0 for score in row) for row in scores)
    assert len({tuple(row) for row in scores}) == 2 and len(set(scores[1])) > 1  # the weights differ
    refused = run_script("benchmarks/average_half_lives.py", str(run), "--iterations", "10", "--at", "4")
    assert refused.returncode == 2 and "--at must lie after the run's iteration 8" in refused.stderr
