import sys
import time

from service.scheduler import Scheduler, SourceSchedule


def test_due_sources_run_as_processes_and_are_rescheduled(tmp_path):
    marker = tmp_path / "ran"

    def command(name: str) -> list[str]:
        return [sys.executable, "-c", f"open({str(marker)!r} + {name!r}, 'w').write('x')"]

    sources = [SourceSchedule("a", 60.0), SourceSchedule("b", 60.0), SourceSchedule("c", 60.0)]
    sched = Scheduler(sources=sources, crawl_command=command, log_dir=tmp_path / "logs", max_parallel=2)
    sched.tick(now=100.0)
    assert len(sched.running) == 2  # parallelism is bounded
    for run in list(sched.running.values()):
        run.process.wait(timeout=30)
    sched.tick(now=101.0)  # reaps the finished two, starts the third
    assert set(sched.running) == {"c"}
    sched.running["c"].process.wait(timeout=30)
    sched.tick(now=102.0)
    assert not sched.running
    assert {p.name for p in tmp_path.iterdir() if p.name.startswith("ran")} == {"rana", "ranb", "ranc"}
    assert all(s.next_run >= 160.0 for s in sources)  # next run one interval later


def test_hung_crawl_is_killed_after_timeout(tmp_path):
    sched = Scheduler(
        sources=[SourceSchedule("slow", 600.0)],
        crawl_command=lambda name: [sys.executable, "-c", "import time; time.sleep(60)"],
        log_dir=tmp_path,
        crawl_timeout_seconds=1.0,
    )
    now = time.monotonic()
    sched.tick(now=now)
    assert "slow" in sched.running
    sched.tick(now=now + 5.0)
    assert not sched.running


def test_window_job_failure_does_not_stop_the_loop(tmp_path):
    calls = []

    def job():
        calls.append(1)
        raise RuntimeError("boom")

    sched = Scheduler(sources=[], crawl_command=lambda n: [], log_dir=tmp_path, window_job=job, window_every_seconds=10)
    sched.tick(now=100.0)
    sched.tick(now=105.0)
    sched.tick(now=111.0)
    assert len(calls) == 2
