"""The runner: concurrency, dependencies, status rules, shared measurements, run hooks."""

import asyncio
import time

from meetcheck import Check, Finding, Status, hookimpl
from meetcheck.participant import Participant
from meetcheck.plugins import Plugins
from meetcheck.profile import profile_from_fragment
from meetcheck.runner import Runner
from meetcheck.testing import assert_status, run_check_sync


def check(cid, body, depends_on=()):
    return type(
        cid,
        (Check,),
        {"id": cid, "title": cid, "category": "t", "run": body, "depends_on": tuple(depends_on)},
    )


def run_all(checks, plugin=None):
    plugins = Plugins(builtins=(), entry_points=False, use_default_dir=False)
    if plugin is not None:
        plugins.pm.register(plugin, name="recorder")
    profile = profile_from_fragment(checks[0])
    runner = Runner(plugins, profile, Participant(), None, checks)
    runner.info.options["quiet"] = True
    report = asyncio.run(runner.run())
    return report, {r["id"]: r for r in report.data["results"]}


def test_independent_checks_overlap_in_time():
    spans = {}

    def sleeper(cid):
        async def run(self, ctx):
            start = time.monotonic()
            await asyncio.sleep(0.3)
            spans[cid] = (start, time.monotonic())
            return Finding(Status.PASS, "slept")

        return check(cid, run)

    run_all([sleeper("t.a"), sleeper("t.b")])
    (a0, a1), (b0, b1) = spans["t.a"], spans["t.b"]
    assert a0 < b1 and b0 < a1  # the two runs overlapped: they ran concurrently


def test_dependency_failure_skips_dependent_with_reason():
    async def fail(self, ctx):
        return Finding(Status.FAIL, "server unreachable")

    async def never(self, ctx):
        raise AssertionError("must not run")

    _, results = run_all([check("t.server", fail), check("t.media", never, ["t.server"])])
    assert results["t.media"]["status"] == "SKIPPED"
    assert results["t.media"]["reason"] == "skipped because t.server ended FAIL"


def test_dependent_sees_dependency_result():
    async def first(self, ctx):
        return Finding(Status.WARN, "slow but up")

    async def second(self, ctx):
        assert ctx.results["t.first"].status is Status.WARN
        return Finding(Status.PASS, "ran after first")

    _, results = run_all([check("t.second", second, ["t.first"]), check("t.first", first)])
    assert results["t.second"]["status"] == "PASS"


def test_dependency_cycle_is_error_not_deadlock():
    async def ok(self, ctx):
        return Finding(Status.PASS, "ok")

    _, results = run_all([check("t.a", ok, ["t.b"]), check("t.b", ok, ["t.a"])])
    assert results["t.a"]["status"] == results["t.b"]["status"] == "ERROR"
    assert "cycle" in results["t.a"]["reason"]


def test_checks_may_not_set_runner_statuses_or_return_junk():
    async def sets_error(self, ctx):
        return Finding(Status.ERROR, "I decide")

    async def junk(self, ctx):
        return "all good"

    async def nothing(self, ctx):
        return []

    _, results = run_all([check("t.e", sets_error), check("t.j", junk), check("t.n", nothing)])
    assert results["t.e"]["status"] == "ERROR" and "may not set ERROR" in results["t.e"]["reason"]
    assert results["t.j"]["status"] == "ERROR"
    # the whole string is named, not its first character, and the fix is said
    assert results["t.j"]["reason"].startswith("run() returned str 'all good'; return a Finding")
    assert results["t.n"]["status"] == "ERROR" and "no findings" in results["t.n"]["reason"]


def test_worst_finding_decides_and_skip_is_skipped():
    async def mixed(self, ctx):
        return [Finding(Status.PASS, "a"), Finding(Status.FAIL, "b"), Finding(Status.WARN, "c")]

    async def skipper(self, ctx):
        ctx.skip("meeting file has no echo endpoint")

    _, results = run_all([check("t.m", mixed), check("t.s", skipper)])
    assert results["t.m"]["status"] == "FAIL"
    assert [f["status"] for f in results["t.m"]["findings"]] == ["PASS", "FAIL", "WARN"]
    assert results["t.s"]["status"] == "SKIPPED"
    assert results["t.s"]["reason"] == "meeting file has no echo endpoint"


def test_shared_measurement_runs_once():
    calls = []

    async def measure():
        calls.append(1)
        await asyncio.sleep(0.05)
        return 42

    async def user(self, ctx):
        value = await ctx.shared.once("echo", measure)
        return Finding(Status.PASS, f"got {value}")

    _, results = run_all([check("t.u1", user), check("t.u2", user), check("t.u3", user)])
    assert len(calls) == 1
    assert {r["findings"][0]["message"] for r in results.values()} == {"got 42"}


def test_run_hooks_are_called_in_order():
    events = []

    class Recorder:
        @hookimpl
        def meetcheck_run_started(self, run):
            events.append(("started", [c.id for c in run.checks]))

        @hookimpl
        def meetcheck_check_finished(self, result):
            events.append(("finished", result.id))

        @hookimpl
        def meetcheck_run_finished(self, run, report):
            events.append(("done", report.verdict))

    async def ok(self, ctx):
        return Finding(Status.PASS, "ok")

    run_all([check("t.one", ok)], Recorder())
    assert events == [("started", ["t.one"]), ("finished", "t.one"), ("done", "READY")]


def test_judge_uses_profile_threshold():
    class Rtt(Check):
        id, title, category = "t.rtt", "rtt", "t"
        from meetcheck import Metric

        metrics = {"rtt_ms": Metric("ms")}

        async def run(self, ctx):
            return ctx.judge(
                "rtt_ms",
                250.0,
                ok="{value} ok",
                bad="{value} {unit} > {limit}",
                remediation="use a cable",
            )

    th = {"thresholds": {"rtt_ms": {"warn": 100, "fail": 300, "source": "test"}}}
    result = run_check_sync(Rtt, profile=th)
    assert_status(result, "WARN")
    assert result.findings[0].message == "250 ms > 100"
    assert result.findings[0].threshold.source == "test"
    assert result.findings[0].remediation == "use a cable"
    th["thresholds"]["rtt_ms"]["fail"] = 200
    assert_status(run_check_sync(Rtt, profile=th), "FAIL")
    unjudged = run_check_sync(Rtt)
    assert_status(unjudged, "PASS")
    assert "no threshold in profile" in unjudged.findings[0].message
