"""Pure matting pieces: flat-background removal, line art, the layout prior, alpha floor, edge refine."""
