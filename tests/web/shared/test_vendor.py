"""The npm front-end files are served from QIANGJIAN_VENDOR_DIR, which may sit anywhere (or be missing)."""

from __future__ import annotations

import os

import pytest

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


def test_the_chart_library_from_npm_is_served(client, monkeypatch):
    """ECharts (package.json) draws the managers' figures; served like bpmn-js, from the npm install."""
    monkeypatch.delenv("QIANGJIAN_VENDOR_DIR", raising=False)
    if not (vendor_dir() / "echarts/dist/echarts.min.js").exists():
        if os.environ.get("QJ_REQUIRE_NODE") == "1":
            pytest.fail("QJ_REQUIRE_NODE=1 but node_modules/echarts is missing (run npm ci)")
        pytest.skip("node_modules/echarts is missing (npm ci not run)")
    with client.get("/vendor/echarts/dist/echarts.min.js") as answer:
        assert answer.status_code == 200 and b"echarts" in answer.data[:5000].lower()
    assert client.get("/vendor/echarts/dist/echarts.js").status_code == 404  # only the minified build
