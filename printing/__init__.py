"""Badge printing: a leaf that knows paper, fonts, images and the badge layout, and nothing
of the backend (no database, no broker, no Flask). The consumers render files with it, the
API renders previews and door prints with the same code."""
