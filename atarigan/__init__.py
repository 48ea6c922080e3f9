"""atarigan: the Atari GAN from Deep Reinforcement Learning Hands-On, Chapter 3."""
