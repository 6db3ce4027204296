"""Benchmark of forum posts' rendering: Markdown to sanitised HTML, and what it does to the
event loop.

Run ``python benchmarks/bench_forums.py`` (``--quick`` for a short smoke run).

1. Rendering: posts a second through ``SanitisedMarkdown`` (markdown-it-py, then nh3) for a
   typical post and for the hostile shapes that take the parser longest, at the largest size
   a post may have; the baseline, measured in the same run, is markdown-it-py alone (no
   sanitiser): the ratio is what sanitising costs. Each figure is the best of three
   interleaved rounds.
2. The event loop: the longest the loop waits for its turn (a 1 ms ticker's worst lateness)
   while a batch of hostile posts renders on the forums' pool of two threads (as the service
   does), against rendering them on the loop itself (the baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from functools import partial

from markdown_it import MarkdownIt

from reptidex.adapters.render.post_markdown import SanitisedMarkdown
from reptidex.domain.forums.posting import MAX_POST_CHARS
from reptidex.services.kernel.cpu_pool import CpuPool

PARAGRAPH = (
    "Pastel **het clown** pairing from 2025, see [the care sheet](https://example.org/care) "
    "and `31.5 C`; ask @keeper_one.\n\n> incubated at 88 F\n\n- 6 eggs\n- 5 fertile\n\n"
)


def posts(size: int) -> dict[str, str]:
    """A typical post and hostile ones, ``size`` characters each."""
    return {
        "typical": (PARAGRAPH * (size // len(PARAGRAPH) + 1))[:size],
        "open brackets": "[" * size,
        "emphasis runs": ("*a" * size)[:size],
        "nested quotes": ("> " * 20 + "x\n") * (size // 42),
    }


def per_second(render: Callable[[str], str], source: str, seconds: float) -> float:
    """How many times a second ``render`` renders ``source`` (at least three times)."""
    count, started = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - started < seconds:
        render(source)
        count += 1
    return count / (time.perf_counter() - started)


async def worst_lateness(work: Callable[[], object]) -> float:
    """The worst lateness (ms) of a 1 ms ticker while ``work()`` runs."""
    worst, done = 0.0, asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, (time.perf_counter() - before - 0.001) * 1000)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    result = work()
    if asyncio.iscoroutine(result):
        await result
    done.set()
    await task
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    seconds = 0.2 if args.quick else 2.0
    size = 2_000 if args.quick else MAX_POST_CHARS
    sanitised = SanitisedMarkdown()
    parser_only = MarkdownIt("commonmark", {"html": False})
    print(f"rendering posts of {size} characters (posts/s; baseline: markdown-it-py alone)")
    for name, source in posts(size).items():
        ours = base = 0.0
        for _ in range(3):  # interleaved rounds, the best of each: the machine is shared
            ours = max(ours, per_second(sanitised.to_html, source, seconds / 3))
            base = max(base, per_second(parser_only.render, source, seconds / 3))
        print(f"  {name:14} {ours:9.1f}/s  baseline {base:9.1f}/s  ratio {ours / base:.2f}")

    hostile = [posts(size)["open brackets"]] * (2 if args.quick else 6)
    pool = CpuPool(2, name="bench-forum-render")

    async def on_pool() -> None:
        await asyncio.gather(*(pool.run(partial(sanitised.to_html, s)) for s in hostile))

    def on_loop() -> None:
        for source in hostile:
            sanitised.to_html(source)

    pooled = asyncio.run(worst_lateness(on_pool))
    inline = asyncio.run(worst_lateness(on_loop))
    pool.close()
    print(
        f"event loop's worst lateness while {len(hostile)} hostile posts render: "
        f"{pooled:.1f} ms on the pool, baseline {inline:.1f} ms on the loop, "
        f"ratio {pooled / inline:.3f}"
    )


if __name__ == "__main__":
    main()
