"""Scrapy settings of the crawlers project (scrapy.cfg points here).

`yuqing crawl` and crawlers.runner override these from service settings
(settings.crawl.*): user agent, proxy, robots, timeout, max size, concurrency, Redis.
"""

BOT_NAME = "yuqing"
SPIDER_LOADER_CLASS = "crawlers.spiderloader.SourceSpiderLoader"
NEWSPIDER_MODULE = "crawlers.spiders"

# Politeness: robots.txt, few requests per site, AutoThrottle backs off slow sites
USER_AGENT = "YuqingSentinel/0.1 (+public-opinion monitoring; contact: admin@localhost)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Robustness: bounded waits, bounded retries, bounded page sizes
DOWNLOAD_TIMEOUT = 20
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REDIRECT_MAX_TIMES = 5
DNS_TIMEOUT = 10

ITEM_PIPELINES = {
    "crawlers.pipelines.NormalizePipeline": 100,
    "crawlers.pipelines.DedupePipeline": 200,
    "crawlers.pipelines.ClassifyStorePipeline": 300,
}
EXTENSIONS = {
    "crawlers.extensions.SourceHealthExtension": 500,
    "crawlers.extensions.RedisJobExtension": 510,
}
DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.ProxyMiddleware": 350,
}

# The service's wiring builds store, classifier and alert hand-off (tests pass their own)
YUQING_CONTEXT_FACTORY = "service.wiring.crawl_context"
YUQING_BATCH_SIZE = 32  # items classified and stored together
YUQING_BATCH_SECONDS = 10.0  # ... or after this long, whichever comes first
# "process": classify + store + alerts run in a worker process on the other core, so the
# crawl is not slowed by them; "inline" does that work in the crawl process.
YUQING_PIPELINE_WORKER = "process"
YUQING_WORKER_QUEUE_BATCHES = 8  # batches waiting for the worker before the crawl waits
YUQING_NEAR_DUP_THRESHOLD = 0.8
YUQING_NEAR_DUP_SEED_DAYS = 7  # the near-duplicate index starts with recent stored items
YUQING_NEAR_DUP_SEED_MAX = 2000
YUQING_PROXY = None
YUQING_REDIS_URL = None  # set to share one request queue between crawler processes
YUQING_CRAWL_JOB = "default"

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
