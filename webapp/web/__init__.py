"""The web floor: one blueprint per audience. A view validates the request, calls one use case, and
renders or redirects; nothing below this floor knows of requests, sessions or templates."""
