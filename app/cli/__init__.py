"""The ``essaim`` command line: the group and the entry point (``main.py``), one module per
command or group of commands, and what they share (``console.py``: consoles, exit codes,
settings; ``loading.py``: loading runs as the configuration says)."""
