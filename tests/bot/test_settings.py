from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

TOKEN = "123456:" + "A" * 35


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_URL",
        "DATABASE_URL",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "PORT",
        "LOG_LEVEL",
        "ADMIN_IDS",
        "DATA_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_use_embedded_sqlite(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.api_url == "https://api.telegram.org"
    assert settings.admin_ids == frozenset()


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("ADMIN_IDS", "12, 34")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.token() == TOKEN
    assert settings.api_url == "http://127.0.0.1:8081"
    assert settings.admin_ids == {12, 34}
    assert settings.log_level == "DEBUG"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nPORT=9000\n")
    settings = load_settings()
    assert settings.token() == TOKEN and settings.port == 9000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("PORT", "99999"),
        ("PORT", "eighty"),
        ("LOG_LEVEL", "LOUD"),
        ("ADMIN_IDS", "12,abc"),
        ("DATABASE_URL", "mysql://x"),
        ("WEBHOOK_URL", "https://bot.example.org"),
        ("WEBHOOK_SECRET", "bad secret!"),
    ],
)
def test_bad_settings_name_the_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    expected = "WEBHOOK_SECRET" if name == "WEBHOOK_URL" else name
    assert message.startswith(f"{expected}:")
    assert "\n" not in message
    assert value not in message or name != "TELEGRAM_BOT_TOKEN"


def test_missing_token_is_explained() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN: not set"):
        load_settings().token()


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://bot.example.com", False),
        ("https://bot.example.com:8443/hook", False),
        ("https://bot.example.com:88", False),
        ("http://bot.example.com", True),
        ("https://bot.example.com:8080", True),
    ],
)
def test_webhook_url_must_be_one_telegram_delivers_to(url: str, refused: bool) -> None:
    values = {"telegram_bot_token": TOKEN, "webhook_url": url, "webhook_secret": "s3cret"}
    if refused:
        with pytest.raises(SettingsError, match="^WEBHOOK_URL: "):
            load_settings(**values)
    else:
        assert load_settings(**values).webhook_url == url


def test_a_self_hosted_bot_api_takes_any_webhook_url() -> None:
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_url="http://127.0.0.1:8081",
        webhook_url="http://10.0.0.5:8080",
        webhook_secret="s3cret",
    )
    assert settings.webhook_url == "http://10.0.0.5:8080"
