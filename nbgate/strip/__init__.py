"""nbgate strip: the pure strip transform, file service, gate stage and nbstripout migration."""

from __future__ import annotations
