"""atarigan bench: the book's code and ours, side by side in one process."""
