"""Generator (DFGN) training: RDTF's step, conditioning augmentation and curriculum."""
