"""The embedded demo, in one place, apart from the real collectors and analyses.

- the synthetic world: ``network.py`` (teachers, communities, follows), ``timing.py``,
  ``diffusion.py`` (who adopts which resource, from whom, when), ``world.py``;
- how its platforms answer: ``bluesky.py``, ``mastodon.py``, ``forums.py`` (forum,
  Discourse, Telegram pages), recorded by ``recording.py``; ``generate.py`` draws it all
  into ``datasets/demo``;
- ``replay.py``: a server on 127.0.0.1 answering from recorded responses (for the demo and
  for the collectors' tests);
- ``evaluation.py``: how a reconstruction compares with the demo's ground truth.

``essaim demo`` (``app/cli/demo.py``) replays it through the real collectors, loads,
analyses and evaluates it.
"""
