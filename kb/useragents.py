"""Tell robots from people by the User-Agent header, for statistics that should count people.

Pure (no Flask, no I/O). A visitor that sends no user agent at all is a script, not a browser.
The words are matched case-insensitively anywhere in the header; together they cover search
engines, link checkers and previewers, command-line and library clients, headless browsers and
monitoring probes. A robot that claims to be a browser is counted: nothing in the header tells.
"""
from __future__ import annotations

from functools import lru_cache

ROBOT_WORDS = (
    # search engines, crawlers, link previews (Slackbot, Teams' SkypeUriPreview, facebookexternalhit)
    "bot", "crawl", "spider", "slurp", "preview", "externalhit", "archiver", "validator", "checker",
    # command-line tools, HTTP libraries and load generators
    "curl", "wget", "httpie", "python-", "python/", "aiohttp", "httpx", "go-http-client", "java/", "okhttp",
    "libwww", "ruby", "node-fetch", "axios", "apache-httpclient", "scrapy", "wrk", "apachebench", "locust",
    # headless browsers and monitoring probes
    "headless", "phantomjs", "lighthouse", "monitor", "uptime", "pingdom", "nagios", "zabbix", "check_http",
    "icinga", "statuscake", "prometheus", "blackbox", "kube-probe", "healthcheck", "elb-health",
)


# Browsers send a handful of distinct headers, so answers are kept (a page view must not pay for the regex).
@lru_cache(maxsize=1024)
def is_robot(user_agent: str | None) -> bool:
    """Whether a request with this User-Agent header comes from a program rather than a person."""
    text = (user_agent or "").strip()
    lowered = text.lower()
    return not text or any(word in lowered for word in ROBOT_WORDS)
