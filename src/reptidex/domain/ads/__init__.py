"""Advertising on ReptiDex (repti-community): campaigns that boost an organisation's
marketplace listings or its breeder profile, paid with ad credits bought through repti-core's
billing, served as sponsored slots, charged per thousand impressions (CPM) within the daily
and total budgets and the credits left (``docs/community-ads.md``)."""
