"""HTTP side: a thin Flask API over the service functions in `models`."""
