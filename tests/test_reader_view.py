"""What readers see: names instead of technical values, and the orientation path's read marks at the
end of the text."""
from __future__ import annotations

from datetime import timedelta

from factories import login, make_page
from governance_helpers import routine

from kb import dates
from kb.constants import Role
from kb.services import pages, users


def test_the_review_list_names_the_owner_structure_by_title(app, anon):
    """Does /att-revidera show the owner "NOSAM Psykisk hälsa och missbruk" by name, linked, instead of
    its address?"""
    with app.app_context():
        make_page("NOSAM Psykisk hälsa och missbruk", type="structure")
        routine("Gammal rutin", owner="nosam-psykisk-halsa-och-missbruk",
                valid_until=(dates.today() - timedelta(days=3)).isoformat())
    html = anon.get("/att-revidera").get_data(as_text=True)
    assert '<a href="/sida/nosam-psykisk-halsa-och-missbruk">NOSAM Psykisk hälsa och missbruk</a>' in html
    assert ">nosam-psykisk-halsa-och-missbruk<" not in html


def test_history_names_people_and_kb_itself_in_words(app, anon):
    """Does the page history say the person's name instead of the user name, and name automated
    authors ("demo", "import") in words?"""
    with app.app_context():
        users.create("anna.s", "Rätt-häftig-fras-2026", Role.EDITOR, display_name="Anna Svensson")
        page = make_page("Mini-Maria", "Första.\n", type="reception", author="demo")
        pages.update_page(page, pages.PageData(title="Mini-Maria", type="reception", source="Andra.\n"),
                          base_revision=1, author="anna.s")
        pages.update_page(page, pages.PageData(title="Mini-Maria", type="reception", source="Tredje.\n"),
                          base_revision=2, author="import")
    html = anon.get("/sida/mini-maria/historik").get_data(as_text=True)
    assert "Anna Svensson" in html and "anna.s" not in html
    assert "Demoinnehållet" in html and "Import" in html and ">demo<" not in html


def test_orientation_pages_have_no_fact_box_for_their_place_in_the_path(app, anon):
    """Is "Plats i introduktionen" (a setting) kept out of the reader's fact box?"""
    with app.app_context():
        pages.create_page(pages.PageData(title="Välkommen", type="orientation", source="Hej.\n",
                                         fields={"position": 1}))
    html = anon.get("/sida/valkommen").get_data(as_text=True)
    assert "Plats i introduktionen" not in html and "fact-box" not in html


def test_the_address_field_says_adress_and_explains_it(client):
    """Does the page form call the field "Adress" and explain it plainly, without the word slug?"""
    html = client.get("/ny").get_data(as_text=True)
    assert ">Adress<" in html and "Adress (slug)" not in html and "det som står efter /sida/" in html


def test_mark_as_read_and_go_to_the_next_step(app):
    """After reading an orientation page, does one button mark it as read and open the next step?"""
    with app.app_context():
        for position, title in ((1, "Steg ett"), (2, "Steg två")):
            pages.create_page(pages.PageData(title=title, type="orientation", source=f"{title}.\n",
                                             fields={"position": position}))
    reader = login(app, "nykomling", "läsare")
    html = reader.get("/sida/steg-ett").get_data(as_text=True)
    assert html.index('class="prose"') < html.index('id="las-klart"')
    assert "Markera som läst och gå till nästa: Steg två" in html
    resp = reader.post("/sida/steg-ett/last", data={"read": "1", "then": "next"})
    assert resp.status_code == 302 and "/sida/steg-tva" in resp.headers["Location"]
    assert "Du har läst 1 av 2 sidor." in reader.get("/sida/steg-tva").get_data(as_text=True)
