"""faxcampaign: plan, write and send protest faxes to manually operated fax lines."""

from __future__ import annotations

__version__ = "0.1.0"
