"""The one training loop and what every run shares: checkpoints, clock, DDP, EMA."""
