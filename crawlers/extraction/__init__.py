"""The parts of article extraction, one job per module; `crawlers.extract` is the facade.

article   the Article record
decoding  bytes -> text (declared charset, BOM, detection)
html      tree parsing and visible text lines shared by the others
title     the headline without site and channel names
body      the main text (our density finder, trafilatura as the fallback)
published the publish time and the wall clock the page shows
entries   pages of several dated entries (blog archives): the first entry
author    the author from meta tags or the byline
selectors per-source CSS/XPath selectors
"""
