"""The speed-ups change speed, not results: channels_last, torch.compile and CUDA graphs."""

import pytest
import torch

from atarigan.cli import main
from atarigan.config.run_config import RunConfig
from atarigan.model.cuda_graph_step import WARMUP_STEPS, CudaGraphStep
from atarigan.model.gan import Gan
from atarigan.model.gan_step import StepResult

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def run_steps(values: dict, device: str, batches: list[torch.Tensor]) -> tuple[list, dict]:
    gan = Gan(RunConfig.from_values(values), torch.device(device))
    results = [StepResult.from_tensor(gan.step(b.to(device))) for b in batches]
    # Parameters only: BatchNorm's running stats follow activations, which may drift further.
    params = {f"{name}.{key}": value.detach().clone()
              for name, net in (("G", gan.generator), ("D", gan.discriminator))
              for key, value in net.named_parameters()}
    return results, params


def batches(n: int, size: int = 64) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return [torch.rand(8, 3, size, size, generator=g) * 2 - 1 for _ in range(n)]


def assert_same_training(a, b, atol: float) -> None:
    """Same first-step numbers; weights apart by at most rounding-level drift.

    A different kernel rounds differently; Adam's early steps move each weight by
    about lr whatever the gradient's size, so a near-zero gradient whose sign flips
    moves a weight 2 * lr the other way. That bounds honest drift per step.
    """
    assert list(a[0][0]) == pytest.approx(list(b[0][0]), abs=atol)
    assert list(a[0][-1]) == pytest.approx(list(b[0][-1]), abs=0.05)  # the last step's losses still agree
    drift = 2 * RunConfig.from_values({"recipe": "book"}).train.lr * len(a[0]) + atol
    for key, value in a[1].items():
        torch.testing.assert_close(b[1][key].float().cpu(), value.float().cpu(), atol=drift, rtol=0, msg=key)


def test_channels_last_trains_like_the_default_layout():
    base = {"batch_size": 8, "precision": "fp32", "recipe": "book", "channels_last": False}
    data = batches(3)
    assert_same_training(run_steps(base, "cpu", data), run_steps({**base, "channels_last": True}, "cpu", data),
                         atol=1e-4)


@pytest.mark.parametrize("values, expected", [
    ({"precision": "bf16"}, torch.channels_last), ({"precision": "fp32"}, torch.contiguous_format),
    ({"precision": "bf16", "channels_last": False}, torch.contiguous_format)])
def test_a_gan_made_from_a_config_lays_out_its_weights_as_the_unset_channels_last_resolves(values, expected):
    gan = Gan(RunConfig.from_values({"batch_size": 8, "recipe": "book", **values}), torch.device("cpu"))
    assert gan.memory_format == expected
    first_convolution = next(p for p in gan.discriminator.parameters() if p.dim() == 4)
    assert first_convolution.is_contiguous(memory_format=expected)


def test_compiled_networks_train_like_eager_ones_and_keep_their_state_dict_keys():
    small = {"batch_size": 8, "precision": "fp32", "image_size": 16, "generator_filters": 8,
             "discriminator_filters": 8, "recipe": "book"}
    data = batches(2, size=16)
    eager = run_steps(small, "cpu", data)
    compiled = run_steps({**small, "compile": True}, "cpu", data)
    assert list(compiled[1]) == list(eager[1])  # no "_orig_mod." prefixes: checkpoints stay interchangeable
    assert_same_training(eager, compiled, atol=1e-4)


def test_cuda_graphs_on_cpu_is_one_clear_error(tmp_path, capsys):
    assert main(["train", "--recipe", "fast", "--device", "cpu", "--cuda-graphs", "--iterations", "2",
                 "--logdir", str(tmp_path / "r")]) == 2
    assert "error: --cuda-graphs needs a CUDA device; the run is on cpu" in capsys.readouterr().err
    with pytest.raises(ValueError, match="^cuda_graphs needs a CUDA device; the run is on cpu$"):
        Gan(RunConfig.from_values({"cuda_graphs": True, "recipe": "fast"}), torch.device("cpu"))
    assert not (tmp_path / "r").exists()


@cuda
def test_cuda_graph_step_trains_like_the_eager_step():
    data = batches(8)  # 3 eager warm-up steps, the capture, then replays
    eager = run_steps({"batch_size": 8, "precision": "fp32", "recipe": "book"}, "cuda", data)
    graphed = run_steps({"batch_size": 8, "precision": "fp32", "recipe": "book", "cuda_graphs": True}, "cuda", data)
    assert_same_training(eager, graphed, atol=1e-3)


@cuda
def test_fast_path_training_run_saves_and_resumes(tmp_path):
    fast = ["--recipe", "fast", "--games", "Breakout", "Pong", "--batch-size", "8", "--envs-per-game", "2",
            "--device", "cuda", "--channels-last", "--cuda-graphs", "--report-every", "5"]
    assert main(["train", *fast, "--iterations", "10", "--logdir", str(tmp_path / "run")]) == 0
    assert main(["train", "--resume", str(tmp_path / "run"), "--iterations", "20", "--cuda-graphs"]) == 0
    assert (tmp_path / "run" / "checkpoint_20.pt").exists()


@cuda
def test_the_default_recipe_in_cuda_graphs_saves_and_resumes(tmp_path):
    """The default recipe's graphs (the lazy R1 step's captured at iteration 48) through the real CLI."""
    default = ["--games", "Breakout", "Pong", "--batch-size", "8", "--envs-per-game", "2", "--device", "cuda",
               "--cuda-graphs", "--report-every", "10"]
    assert main(["train", *default, "--iterations", "60", "--logdir", str(tmp_path / "run")]) == 0
    assert main(["train", "--resume", str(tmp_path / "run"), "--iterations", "70", "--cuda-graphs"]) == 0
    assert (tmp_path / "run" / "checkpoint_70.pt").exists()


def default_recipe_gan(values: dict) -> Gan:
    """The default recipe (conditional, each game's playfield to both networks) on CUDA, random playfields."""
    gan = Gan(RunConfig.from_values({"batch_size": 8, **values}), torch.device("cuda"))
    gan.found_playfields(torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1)
    return gan


#: Enough steps for the lazy R1 step's graph (R1 at 0, 16, 32 eager; captured at 48) and one replay of it (64).
R1_GRAPH_STEPS = 66


@cuda
def test_the_default_recipe_in_cuda_graphs_trains_like_the_eager_step():
    """Its plain step's graph, the translations drawn in it from the same stream as eager steps draw them, their
    strength changing between windows, and the conditional networks' labels as inputs.

    Only the first replays are compared number for number: atomic additions (the translations' and the
    embeddings' backward) round differently from run to run, eager ones too (the first, eager step already
    differs in the fifth digit), and a GAN amplifies that: on an H200 two 20-step runs' last G losses were
    0.37 apart. The lazy R1 step's graph is run by the CLI test and the no-sync test below.
    """
    data = batches(20)
    labels = torch.arange(8) % 3
    runs, streams = [], []
    for cuda_graphs in (False, True):
        gan = default_recipe_gan({"precision": "fp32", "cuda_graphs": cuda_graphs})
        results = []
        for i, batch in enumerate(data):
            results.append(StepResult.from_tensor(gan.step(batch.cuda(), labels)))
            if i % 4 == 3:
                gan.adapt_augment(0.5)  # below the target: the translations' strength falls each window
        assert gan.augment_strength < 1
        streams.append(gan.augment_rng.get_state())
        runs.append(results)
    assert torch.equal(*streams)  # each replay advanced the augmentations' generator as an eager step does
    eager, graphed = runs
    assert list(eager[0]) == pytest.approx(list(graphed[0]), abs=1e-3)
    # Step 0 is a lazy R1 step; the plain step's eager warm-ups follow it, then its capture's own replay and the next.
    first_replays = slice(1 + WARMUP_STEPS, 3 + WARMUP_STEPS)
    for eager_step, graphed_step in zip(eager[first_replays], graphed[first_replays]):
        assert list(eager_step) == pytest.approx(list(graphed_step), abs=0.01)


@cuda
def test_a_captured_step_reads_the_augment_strength_where_it_is_and_draws_afresh_each_replay():
    from atarigan.model.diff_augment import diff_augment

    rng = torch.Generator(device="cuda").manual_seed(0)
    strength = torch.tensor(1.0, device="cuda")
    step = CudaGraphStep(lambda images, r1: diff_augment(images, ("translation",), rng, strength),
                         generators=[rng])
    images = torch.rand(16, 3, 16, 16, device="cuda")
    for _ in range(WARMUP_STEPS):
        step(images)
    first, second = step(images), step(images)  # the capture's replay, then a replay
    assert not torch.equal(first, images) and not torch.equal(first, second)
    strength.fill_(0.0)
    assert torch.equal(step(images), images)


@cuda
def test_a_step_is_captured_while_another_thread_pins_batches():
    """As the sampler's thread does during a run: its pinned-memory cache queries CUDA events meanwhile."""
    import threading

    stop = threading.Event()

    def pin_batches() -> None:
        while not stop.is_set():
            torch.randint(0, 256, (16, 3, 64, 64), dtype=torch.uint8).pin_memory().cuda(non_blocking=True)

    pinning = threading.Thread(target=pin_batches, daemon=True)
    pinning.start()
    try:
        weights = torch.randn(64, 64, device="cuda")
        step = CudaGraphStep(lambda x, r1: (x @ weights).sum(0))
        x = torch.randn(8, 64, device="cuda")
        for r1 in [False] * (WARMUP_STEPS + 20) + [True] * (WARMUP_STEPS + 20):  # two captures, then replays
            torch.testing.assert_close(step(x, r1=r1), (x @ weights).sum(0))
    finally:
        stop.set()
        pinning.join()


@cuda
@pytest.mark.parametrize("recipe, cuda_graphs", [("fast", False), ("fast", True), ("sprites", True)])
def test_cuda_steps_never_wait_for_the_gpu(recipe, cuda_graphs):
    """The plain loop's step path, pinned frames to ReportWindow, queues work without a host sync."""
    from atarigan.data.normalize import frames_to_tanh_range
    from atarigan.training.report_window import ReportWindow

    values = {"cuda_graphs": cuda_graphs, "precision": "bf16", "recipe": recipe}
    gan = (default_recipe_gan(values) if recipe == "sprites"
           else Gan(RunConfig.from_values({"batch_size": 8, **values}), torch.device("cuda")))
    labels = (torch.arange(8) % 3).pin_memory() if recipe == "sprites" else None
    frames = torch.randint(0, 256, (8, 3, 64, 64), dtype=torch.uint8).pin_memory()
    warm = R1_GRAPH_STEPS - 2  # cuDNN's search, CUDA graph warm-ups and captures may wait
    for _ in range(warm):
        gan.step(frames_to_tanh_range(frames, "cuda"), labels)
    window = ReportWindow(start_iteration=warm)
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(17):  # a lazy R1 step among them
            window.add(gan.step(frames_to_tanh_range(frames, "cuda"), labels))
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert window.report(batch_size=8)["loss_d"] > 0
