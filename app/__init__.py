"""The essaim command line (``cli.py`` and one module per command) and the Streamlit app
(``web/``)."""
