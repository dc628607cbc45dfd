"""One way to run a notebook: kernel transport, deadlines, failure attribution."""
