"""Reports of a run: plain text evidence here; HTML, GitHub and exports beside it."""
