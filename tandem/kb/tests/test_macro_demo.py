"""The demo desk's macros: all valid, shared, and rendering for a real ticket."""

from __future__ import annotations

from types import SimpleNamespace

from tandem.core.demo.macros import DEMO_MACROS, write_demo_macros
from tandem.kb.macro_preview import rendered_for
from tandem.kb.models import Macro
from tandem.testing import factories


def test_demo_macros_are_shared_and_render_for_a_ticket(admin, agent, ticket):
    billing = factories.make_team(name="Billing")
    desk = SimpleNamespace(agents={a.email: a for a in (agent, admin)}, teams={"Billing": billing})

    assert write_demo_macros(desk) == len(DEMO_MACROS)

    macros = list(Macro.objects.all())
    assert {m.scope for m in macros} == {"everyone"}
    assert {m.created_by_id for m in macros} == {admin.pk}
    assert Macro.objects.get(title="Hand over to billing").set_team == billing
    for macro in macros:
        rendered = rendered_for(macro, ticket, agent)
        assert rendered.body.startswith("Hi Carol,"), macro.title
        assert "{{" not in rendered.body and "{%" not in rendered.body
