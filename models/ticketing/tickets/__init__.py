"""An order's tickets as its buyer takes them away: the PDF (a page per attendee, with the
door code `<order identifier>-<attendee id>`) and the event's calendar file. `read`
gathers what a ticket shows, `pdf` renders and keeps it by content, `calendar` writes the
.ics."""
