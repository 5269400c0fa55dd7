"""The packs pages: the list of packs, a pack's page, its raw merged files, and the 404s."""

import re

import pytest

from engine.packs import DEFAULT_ROOT, load_all

SHIPPED = ["national", "chongqing", "urumqi", "heilongjiang", "dali", "sichuan"]


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the shipped packs --------------------------------------------------------------------------


def test_the_home_page_is_the_inbox_behind_the_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_the_list_shows_all_six_packs_with_their_versions(client):
    response = client.get("/packs/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = text(response)
    assert '<html lang="zh-CN">' in page
    packs = load_all(DEFAULT_ROOT)
    assert sorted(packs) == sorted(SHIPPED)
    for name in SHIPPED:
        assert f'data-pack="{name}"' in page
        assert packs[name].info.display_name in page
        assert packs[name].version in page


def test_the_list_marks_inherited_and_own_files(client):
    page = text(client.get("/packs/"))
    chongqing = page.split('data-pack="chongqing"')[1].split('data-pack="urumqi"')[0]
    own = re.search(r'<li class="own" data-kind="dmn" data-stem="reward_amount">', chongqing)
    inherited = re.search(r'<li class="inherited" data-kind="dmn" data-stem="acceptance">', chongqing)
    assert own and inherited
    assert "继承 · national" in chongqing


def test_the_national_page_names_its_processes_and_decisions(client):
    response = client.get("/packs/national")
    assert response.status_code == 200
    page = text(response)
    for process in ["report_handling", "reward", "supervisor"]:
        assert f'id="bpmn-{process}"' in page
        assert f'data-bpmn-url="/packs/national/files/bpmn/{process}"' in page
    for decision in ["acceptance", "deadline_rules", "reward_amount"]:
        assert f'id="dmn-{decision}"' in page
        assert f'data-dmn-url="/packs/national/files/dmn/{decision}"' in page
    assert "/static/dist/viewer.js" in page or "make install" in page


def test_a_child_pack_gets_the_parents_file_when_it_has_none_of_its_own(client):
    response = client.get("/packs/urumqi/files/dmn/acceptance")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.data == (DEFAULT_ROOT / "dmn" / "national" / "acceptance.dmn").read_bytes()


def test_a_child_pack_gets_its_own_file_when_it_overrides_the_parent(client):
    response = client.get("/packs/chongqing/files/dmn/reward_amount")
    assert response.status_code == 200
    assert response.data == (DEFAULT_ROOT / "dmn" / "chongqing" / "reward_amount.dmn").read_bytes()


def test_a_shipped_process_is_served_as_xml(client):
    response = client.get("/packs/dali/files/bpmn/report_handling")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert b"report_handling" in response.data


# --- the mechanics, on a tiny pack tree -----------------------------------------------------------


def test_the_list_shows_every_fact_of_a_pack(fixture_client, fixture_packs):
    page = text(fixture_client.get("/packs/"))
    child = page.split('data-pack="child"')[1]
    assert "测试下级规则包" in child
    assert '<a href="/packs/base"><code>base</code></a>' in child  # parent
    assert "<code>CN-XJ</code>" in child  # calendar region
    assert "<code>TC</code>" in child  # case-number prefix
    assert "2026-03-25 至 2031-03-24" in child  # dates as YYYY-MM-DD
    versions = {name: pack.version for name, pack in load_all(fixture_packs).items()}
    assert versions["base"] != versions["child"]
    assert versions["child"] in child and versions["base"] in page


def test_the_pack_page_shows_a_viewer_box_per_file(fixture_client):
    page = text(fixture_client.get("/packs/child"))
    assert 'data-bpmn-url="/packs/child/files/bpmn/intake"' in page
    assert 'data-dmn-url="/packs/child/files/dmn/triage"' in page
    assert 'data-form-url="/packs/child/files/forms/register"' in page
    assert "<code>base</code> → <code>child</code>" in page
    box = page.split('id="dmn-triage"')[1].split("</article>")[0]
    assert "本包" in box and "继承" not in box
    box = page.split('id="bpmn-intake"')[1].split("</article>")[0]
    assert "继承 · base" in box


def test_the_pack_page_asks_for_make_install_when_the_viewer_is_not_built(fixture_app, tmp_path):
    fixture_app.static_folder = str(tmp_path)
    page = text(fixture_app.test_client().get("/packs/base"))
    assert "make install" in page
    assert "dist/viewer.js" not in page


@pytest.mark.parametrize(
    ("url", "media_type", "source"),
    [
        ("/packs/child/files/bpmn/intake", "application/xml", "bpmn/base/intake.bpmn"),
        ("/packs/child/files/dmn/triage", "application/xml", "dmn/child/triage.dmn"),
        ("/packs/base/files/dmn/triage", "application/xml", "dmn/base/triage.dmn"),
        ("/packs/child/files/forms/register", "application/json", "forms/base/register.form"),
    ],
)
def test_the_raw_file_is_the_merged_file(fixture_client, fixture_packs, url, media_type, source):
    response = fixture_client.get(url)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.mimetype_params.get("charset") == "utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == (fixture_packs / source).read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "/packs/nowhere",
        "/packs/nowhere/files/bpmn/intake",
        "/packs/child/files/calendars/CN-2026",
        "/packs/child/files/bpmn/nothing",
        "/packs/child/files/dmn/intake",  # a process is not a decision
        "/packs/child/files/bpmn/intake.bpmn",
        "/packs/child/files/bpmn/../../packs.toml",
        "/packs/child/files/bpmn/..%2F..%2Fpacks.toml",
        "/packs/child/files/dmn/..%2Fbase%2Ftriage",
        "/packs/child/files/..%2Fpacks.toml/x",
        "/packs/..%2F..%2Fetc/files/bpmn/intake",
        "/packs/child/files/bpmn/%2E%2E",
    ],
)
def test_unknown_pack_kind_or_file_is_a_404_in_chinese(fixture_client, url):
    response = fixture_client.get(url)
    assert response.status_code == 404
    assert "页面不存在" in text(response)


def test_a_broken_packs_index_is_reported_in_chinese(make_app, tmp_path):
    (tmp_path / "packs.toml").write_text(
        "[packs.lost]\nparent = 'nobody'\ncalendar = 'CN'\n", encoding="utf-8"
    )
    response = make_app(tmp_path).test_client().get("/packs/")
    assert response.status_code == 500
    page = text(response)
    assert "规则包无法读取" in page
    assert "nobody" in page


# --- the version in force, not the repository's files --------------------------------------------


def test_the_pages_show_the_published_version_not_the_repositorys_files(app, client):
    """After the rule book publishes a Chongqing wording of the result notice (inherited from the
    national pack until then), the pages show that version: its hash, the new text as the raw file,
    the notice marked as the pack's own; the national pack and the repository's files are untouched."""
    from webapp.extensions import db
    from webapp.models import PackPublication
    from webapp.store import packindex

    shipped = load_all(DEFAULT_ROOT)["chongqing"]
    thanks = "感谢您对医疗保障基金监管工作的支持。"
    page = text(client.get("/packs/"))
    assert re.search(
        r'<li class="inherited" data-kind="notices" data-stem="result">',
        page.split('data-pack="chongqing"')[1].split('data-pack="urumqi"')[0],
    )
    with app.app_context():
        files = dict(packindex.published_row("chongqing").files)
        assert thanks in files["notices/result.txt"]
        files["notices/result.txt"] = files["notices/result.txt"].replace(thanks, "欢迎继续监督。")
        row = packindex.store_version("chongqing", files)
        db.session.add(PackPublication(pack="chongqing", version=row.version, comment="改写处理结果告知书"))
        db.session.commit()
        version = row.version
    assert version != shipped.version
    assert "欢迎继续监督" in text(client.get("/packs/chongqing/files/notices/result"))
    assert "欢迎继续监督" not in text(client.get("/packs/national/files/notices/result"))
    page = text(client.get("/packs/"))
    chongqing = page.split('data-pack="chongqing"')[1].split('data-pack="urumqi"')[0]
    assert version in chongqing and shipped.version not in chongqing
    assert re.search(r'<li class="own" data-kind="notices" data-stem="result">', chongqing)
    assert re.search(r'<li class="inherited" data-kind="notices" data-stem="claim">', chongqing)
    assert version in text(client.get("/packs/chongqing"))
    assert thanks in (DEFAULT_ROOT / "notices" / "national" / "result.txt").read_text(encoding="utf-8")


def test_the_pack_pages_speak_english_on_request(client):
    page = text(client.get("/packs/?lang=en"))
    assert '<html lang="en">' in page
    chongqing = page.split('data-pack="chongqing"')[1].split('data-pack="urumqi"')[0]
    assert "inherited · national" in chongqing and "Calendar region" in chongqing
    assert "See the diagrams and tables" in chongqing and "继承" not in chongqing
    page = text(client.get("/packs/chongqing"))
    assert "Inherits: " in page and "raw file" in page and "原始文件" not in page
    response = client.get("/packs/nowhere")
    assert response.status_code == 404 and "Page not found" in text(response)
