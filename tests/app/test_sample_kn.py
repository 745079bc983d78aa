"""Sample's `m` reaches Kneser–Ney: its header names it with its D ("Kneser–Ney D=0.75"),
and it draws names at every order, 1 to 6 (issue 19.5)."""

from __future__ import annotations

from bigram_tui.core.params import MAX_ORDER, MIN_ORDER, MODEL_KINDS

from .helpers import history_names, session_fixture, text_of, until

session = session_fixture(seed=2147483647)


def test_m_reaches_kneser_ney_and_it_samples_at_every_order(session):
    from .helpers import drive_sample

    async def scenario(pilot, pane):
        for _ in range(MODEL_KINDS.index("kn")):
            await pilot.press("m")
        assert pane.model_kind == "kn"
        assert "model Kneser–Ney D=0.75" in text_of(pane, "#sample-header")
        for order in range(MIN_ORDER, MAX_ORDER + 1):
            pane.use_order(order)
            await until(pilot, lambda o=order: pane.sampler.model.order == o)
            await pilot.pause()
            named = "Kneser–Ney" if order == 2 else f"{order}-gram Kneser–Ney"
            assert f"{named} D=0.75" in text_of(pane, "#sample-header")
            drawn = len(history_names(pane))
            await pilot.press("f")
            assert len(history_names(pane)) == drawn + 1  # a whole name, no warning
        await pilot.press("m")  # and round to counts again
        assert pane.model_kind == MODEL_KINDS[0]

    drive_sample(session, scenario, size=(120, 40))
