"""The two faces of essaim: the command line (``cli/``) and the Streamlit app (``web/``),
with the configuration they share (``config.py``)."""
