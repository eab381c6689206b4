"""Events, their tickets, and the feedback and ratings on them."""
