"""The Streamlit app. Only this package imports streamlit; it holds no SQL and no prompt text."""
