"""Board-in-the-loop: an agent that runs on a PYNQ board, its wire protocol, and an emulated device."""
