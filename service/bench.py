"""`make bench`: speed and memory figures, measured and printed (never asserted in tests)."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time


def _section(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.bench")
    parser.add_argument("--only", choices=["classify", "crawl"], help="run one benchmark")
    parser.add_argument("--pages", type=int, default=2000, help="pages of the crawl benchmark site")
    args = parser.parse_args(argv)
    results: dict[str, object] = {}
    started = time.perf_counter()
    if args.only in (None, "classify"):
        _section("classification (nlp.bench)")
        from nlp import bench as nlp_bench

        results["classify"] = nlp_bench.run()
    if args.only in (None, "crawl"):
        _section(f"crawl: bare Scrapy vs full pipeline, {args.pages} pages (crawlers.bench)")
        from crawlers import bench as crawl_bench

        results["crawl"] = crawl_bench.run(pages=args.pages)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _section("summary")
    print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"peak RSS of the benchmark driver: {peak_mb:.0f} MB; total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
