"""One way to run a notebook, used by smoke tests and production runs alike.

``transport`` (a kernel's sockets, its start-up handshake, killing it),
``deadline`` (per-cell and whole-notebook timeouts as nbclient's
``timeout_func``), ``engine`` (the papermill engine ``nbgate``, on a given
kernel or one nbclient starts, recording what ran in a ``Tracker``),
``outcome`` (how an execution ended and which cell it belongs to) and
``attribution`` (cell markers: which cells may raise, are skipped or
output-checked). Only ``engine`` imports papermill, at its top: import it
inside the function that executes.
"""
