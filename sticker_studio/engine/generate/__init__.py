"""Generation: the pipeline from a request to a Sticker, sampling, tasks, prompts, two-stage, motion."""
