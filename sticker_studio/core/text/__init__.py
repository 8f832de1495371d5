"""What a text prompt says (subject, colour, motion) and the bundled art library it starts from."""
