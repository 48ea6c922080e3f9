"""End-to-end iterations/s: the book's training loop next to atarigan's, in one run.

    python benchmarks/bench_training.py [--device cpu|cuda] [--seconds 30] [--json out.json]

Book loop: the book's networks with Sigmoid + BCELoss, the sequential
iterate_batches generator, fp32, D collecting gradients in the G update.
atarigan: FrameSampler in the background, uint8 frames normalised on the device,
the shared gan_step (logits, D frozen for G), autocast per --precision.
Also reports the share of time the atarigan loop waits for frames.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch
from torch import nn

from atarigan.book_batches import iterate_batches, make_book_envs
from atarigan.device import resolve_device, resolve_precision
from atarigan.gan import Gan
from atarigan.networks import Discriminator, Generator
from atarigan.frame_sampler import FrameSampler
from atarigan.normalize import frames_to_unit_range
from atarigan.train_config import TrainConfig


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def book_loop(games, batch_size, device, seconds) -> float:
    torch.manual_seed(0)
    disc = nn.Sequential(Discriminator(), nn.Sigmoid()).to(device)
    gen = Generator().to(device)
    objective = nn.BCELoss()
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=1e-4, betas=(0.5, 0.999))
    ones = torch.ones(batch_size, device=device)
    zeros = torch.zeros(batch_size, device=device)
    envs = make_book_envs(games)
    batches = iterate_batches(envs, batch_size, seed=0)

    def step():
        batch = next(batches).to(device)
        noise = torch.FloatTensor(batch_size, 100, 1, 1).normal_(0, 1).to(device)
        fake = gen(noise)
        opt_d.zero_grad()
        loss_d = objective(disc(batch), ones) + objective(disc(fake.detach()), zeros)
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = objective(disc(fake), ones)
        loss_g.backward()
        opt_g.step()
        return loss_d.item(), loss_g.item()

    for _ in range(5):
        step()
    sync(device)
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    sync(device)
    rate = n / (time.perf_counter() - start)
    for env in envs:
        env.close()
    return rate


def atarigan_loop(games, batch_size, device, seconds, precision, envs_per_game) -> tuple[float, float]:
    config = TrainConfig(games=games, batch_size=batch_size, precision=precision, envs_per_game=envs_per_game)
    gan = Gan(config, device, resolve_precision(precision, device))
    with FrameSampler(games, batch_size, envs_per_game=envs_per_game, seed=0,
                      pin_memory=device.type == "cuda") as sampler:
        batches = iter(sampler)
        for _ in range(5):
            gan.step(frames_to_unit_range(next(batches).frames, device))
        sync(device)
        start, n, waiting = time.perf_counter(), 0, 0.0
        while time.perf_counter() - start < seconds:
            t = time.perf_counter()
            frames = next(batches).frames
            waiting += time.perf_counter() - t
            gan.step(frames_to_unit_range(frames, device))
            n += 1
        sync(device)
        elapsed = time.perf_counter() - start
    return n / elapsed, waiting / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", nargs="+", default=["Breakout", "AirRaid", "Pong"])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--envs-per-game", type=int, default=16)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    device = resolve_device(args.device)

    results = {"device": str(device), "cores": os.cpu_count(), "batch_size": args.batch_size}
    if device.type == "cuda":
        results["gpu"] = torch.cuda.get_device_name(device)
    results["book it/s"] = book_loop(args.games, args.batch_size, device, args.seconds)
    for precision in ("fp32", "bf16") if device.type == "cuda" else ("fp32",):
        rate, wait = atarigan_loop(args.games, args.batch_size, device, args.seconds, precision, args.envs_per_game)
        results[f"atarigan {precision} it/s"] = rate
        results[f"atarigan {precision} data wait share"] = wait

    book = results["book it/s"]
    print(f"device {results['device']} {results.get('gpu', '')}; {results['cores']} cores; batch {args.batch_size}")
    print(f"{'loop':28s} {'it/s':>8s} {'vs book':>8s} {'data wait':>10s}")
    print(f"{'book (fp32, sequential)':28s} {book:8.1f} {1.0:8.2f} {'':>10s}")
    for precision in ("fp32", "bf16"):
        key = f"atarigan {precision} it/s"
        if key in results:
            wait = results[f"atarigan {precision} data wait share"]
            print(f"{'atarigan ' + precision:28s} {results[key]:8.1f} {results[key] / book:8.2f} {wait:9.0%}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
