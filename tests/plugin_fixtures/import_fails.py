"""A plugin that cannot be imported (a missing dependency); loaded only by entry point."""

from __future__ import annotations

raise ImportError("No module named 'salon_booking_sdk'")
