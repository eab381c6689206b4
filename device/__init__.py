"""The speaker agent for the Pi: command consumer, libvlc player, yt-dlp resolver and
setup server. Runs without SQLAlchemy, psycopg2 or the API."""
