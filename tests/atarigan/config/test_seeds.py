"""Seeds: one run seed, streams that never collide, each reproducible."""

from atarigan.config.seeds import RunSeeds, derive_seed


def test_streams_differ_across_purposes_ranks_and_iterations():
    seeds = RunSeeds(0)
    drawn = [seeds.networks(), seeds.fixed_noise(), seeds.evaluation()]
    drawn += [seeds.noise(rank) for rank in range(4)] + [seeds.sampler(rank) for rank in range(4)]
    drawn += [seeds.display(i) for i in range(10_000)]
    assert len(set(drawn)) == len(drawn)
    # The collision the old multipliers made: rank 1's noise at start 0 vs the display noise of iteration 7,919.
    assert seeds.noise(1) != seeds.display(7_919)


def test_the_same_seed_gives_the_same_streams_and_another_seed_others():
    assert RunSeeds(3).sampler(1) == RunSeeds(3).sampler(1)
    assert RunSeeds(3).sampler(1) != RunSeeds(4).sampler(1)
    assert all(0 <= derive_seed(s, k) < 2**31 for s in (0, 2**63 - 1) for k in range(50))
