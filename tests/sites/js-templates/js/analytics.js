// Counts visits; changes no link.
window.visits = (window.visits || 0) + 1;
