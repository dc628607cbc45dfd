"""nbgate strip: the pure transform (``transform``), strip on files (``files``), the command
(``command``), the gate stage (``stage``) and the nbstripout migration (``migrate``)."""

from __future__ import annotations
