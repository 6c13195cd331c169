"""The embedded demo: a synthetic teacher network and its diffusion, replayed as payloads."""
