"""The npm front-end files are served from QIANGJIAN_VENDOR_DIR, which may sit anywhere (or be missing)."""

from __future__ import annotations

from web.shared.vendor import vendor_dir

CSS = "bpmn-js/dist/assets/bpmn-js.css"


def test_vendor_files_come_from_the_folder_the_setting_names(client, tmp_path, monkeypatch):
    (tmp_path / "bpmn-js/dist/assets").mkdir(parents=True)
    (tmp_path / CSS).write_text(".djs-container {}", encoding="utf-8")
    (tmp_path / "bpmn-js/package.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("QIANGJIAN_VENDOR_DIR", str(tmp_path))
    assert vendor_dir() == tmp_path.resolve()
    with client.get(f"/vendor/{CSS}") as answer:  # a file response: closed, or its file stays open
        assert answer.status_code == 200 and b".djs-container" in answer.data
    assert client.get("/vendor/bpmn-js/package.json").status_code == 404  # not on the allow-list


def test_a_missing_vendor_folder_answers_404(client, tmp_path, monkeypatch):
    monkeypatch.setenv("QIANGJIAN_VENDOR_DIR", str(tmp_path / "missing"))
    assert client.get(f"/vendor/{CSS}").status_code == 404


def test_the_default_vendor_folder_is_node_modules_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("QIANGJIAN_VENDOR_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert vendor_dir() == tmp_path.resolve() / "node_modules"
