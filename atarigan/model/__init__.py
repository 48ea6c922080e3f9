"""The DCGAN pair, its optimizers, the shared GAN step and the device it runs on."""
