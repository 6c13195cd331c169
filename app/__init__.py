"""The essaim command line and (later) the Streamlit app."""
