"""When each office can be reached: pure functions of (campaign, date range, viewer zone, now), and
public holidays. Every time-zone conversion goes through faxcampaign.clock.

May import: campaign and the foundation modules."""
