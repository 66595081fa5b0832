from pathlib import Path

import pytest

from service.settings import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "local.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_come_from_the_repository_file():
    s = load_settings(env={})
    assert s.store.es_urls == []
    assert s.web.port == 5000
    assert s.timezone == "Asia/Shanghai"


def test_environment_overrides_file(tmp_path):
    cfg = write(tmp_path, "web:\n  port: 6000\n")
    s = load_settings(cfg, env={"YUQING_WEB_PORT": "7000", "YUQING_ES_URL": "http://a:9200, http://b:9200"})
    assert s.web.port == 7000
    assert s.store.es_urls == ["http://a:9200", "http://b:9200"]
    assert s.uses_elasticsearch


def test_unknown_key_names_file_key_and_fix(tmp_path):
    cfg = write(tmp_path, "smtp:\n  hots: mail.example.org\n")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    msg = str(err.value)
    assert str(cfg) in msg and "smtp.hots" in msg and "host" in msg


def test_bad_number_is_explained(tmp_path):
    cfg = write(tmp_path, "web:\n  port: eighty\n")
    with pytest.raises(ConfigError, match="web.port"):
        load_settings(cfg, env={})


def test_bad_es_url_from_environment():
    with pytest.raises(ConfigError, match="YUQING_ES_URL"):
        load_settings(env={"YUQING_ES_URL": "localhost:9200"})


def test_missing_sources_file_is_named(tmp_path):
    cfg = write(tmp_path, "crawl:\n  sources_file: /nonexistent/sources.yaml\n")
    with pytest.raises(ConfigError, match="crawl.sources_file"):
        load_settings(cfg, env={})


def test_invalid_yaml_names_the_file(tmp_path):
    cfg = write(tmp_path, "web: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(cfg, env={})


def test_missing_extra_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"YUQING_CONFIG": str(tmp_path / "nope.yaml")})
