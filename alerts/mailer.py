"""Sending mail over SMTP with smtplib.

The SMTP settings arrive as a plain object (service.settings.SmtpSettings or anything with
host, port, username, password, starttls, ssl, sender, timeout); this package never
imports the service's settings.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from .text import clean_subject

SENDER_NAME = "舆情哨兵"


class SmtpConfig(Protocol):
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    ssl: bool
    sender: str
    timeout: float


class MailError(Exception):
    """Mail could not be sent; the message names host:port and the reason."""


@dataclass
class SentMail:
    message_id: str
    recipients: list[str]
    refused: dict[str, str]


def check_address(address: str) -> str:
    """A single bare address (name@domain). Rejects anything that could smuggle headers."""
    address = (address or "").strip()
    if not address or any(c in address for c in "\r\n,;<>\"") or any(c.isspace() for c in address):
        raise MailError(f"邮箱地址无效：{address!r}（只写一个“名称@域名”形式的地址）")
    local, sep, domain = address.rpartition("@")
    # "localhost" is a valid mail domain on an intranet relay, so no dot is required.
    if not sep or not local or not domain or domain.startswith(".") or domain.endswith("."):
        raise MailError(f"邮箱地址无效：{address!r}（应为“名称@域名”的形式）")
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        raise MailError(f"邮箱地址无效：{address!r}（格式不正确）") from None
    return address


def build_message(sender: str, recipients: list[str], subject: str, text: str,
                  html: str | None = None) -> EmailMessage:
    """multipart/alternative (plain text + HTML), UTF-8."""
    msg = EmailMessage()
    msg["Subject"] = clean_subject(subject)
    msg["From"] = Address(display_name=SENDER_NAME, addr_spec=check_address(sender))
    msg["To"] = ", ".join(check_address(r) for r in recipients)
    domain = sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(text, charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


class Mailer:
    """Sends messages through one SMTP server. `send` raises MailError on any failure."""

    def __init__(self, config: SmtpConfig):
        self.config = config

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def send(self, recipients: list[str], subject: str, text: str, html: str | None = None) -> SentMail:
        if not recipients:
            raise MailError("没有收件人：请在配置 alerts.digest_to / alerts.notify_to 中设置，或用 --to 指定")
        msg = build_message(self.config.sender, recipients, subject, text, html)
        to = [check_address(r) for r in recipients]
        try:
            with self._connect() as smtp:
                refused = smtp.send_message(msg, to_addrs=to)
        # The server's own reply (code and text) is quoted after a Chinese explanation:
        # it is what the mail administrator needs and cannot be translated reliably.
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = "；".join(f"{r}（{c} {_decode(m)}）" for r, (c, m) in exc.recipients.items())
            raise MailError(f"邮件服务器 {self.where} 拒收全部收件人：{reasons}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"邮件服务器 {self.where} 登录失败，请核对用户名和密码（服务器答复：{exc.smtp_code} "
                            f"{_decode(exc.smtp_error)}）") from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"邮件服务器 {self.where} 拒绝发送（服务器答复：{exc.smtp_code} "
                            f"{_decode(exc.smtp_error)}）") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(f"邮件服务器 {self.where} {_unsupported(str(exc))}") from None
        except smtplib.SMTPServerDisconnected:
            raise MailError(f"邮件服务器 {self.where} 意外断开了连接，请稍后重试") from None
        except smtplib.SMTPException as exc:
            raise MailError(f"邮件服务器 {self.where} 出错（{type(exc).__name__}）") from None
        except ssl.SSLError as exc:
            raise MailError(
                f"无法与邮件服务器 {self.where} 建立 TLS 加密连接（{exc.reason or type(exc).__name__}）。"
                "请核对 smtp.ssl / smtp.starttls 与端口：465 端口用 SSL，587 端口用 STARTTLS"
            ) from None
        except TimeoutError:
            raise MailError(f"连接邮件服务器 {self.where} 超时（{self.config.timeout} 秒无响应）") from None
        except OSError as exc:
            raise MailError(f"无法连接邮件服务器 {self.where}：{_os_reason(exc)}") from None
        return SentMail(
            message_id=str(msg["Message-ID"]), recipients=to,
            refused={r: f"{c} {_decode(m)}" for r, (c, m) in refused.items()},
        )

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        context = ssl.create_default_context()
        if cfg.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            smtp.ehlo()
            if cfg.starttls and not cfg.ssl:
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _unsupported(detail: str) -> str:
    if "STARTTLS" in detail:
        return "不支持 STARTTLS 加密，请核对 smtp.starttls 与端口（587 端口用 STARTTLS，465 端口用 SSL）"
    if "AUTH" in detail:
        return "不支持登录认证（AUTH），请核对 smtp.username，或改用需要登录的端口"
    return "不支持所需的功能"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝（该端口没有邮件服务在监听）"
    if isinstance(exc, socket.gaierror):
        return "无法解析服务器主机名"
    if isinstance(exc, ConnectionResetError):
        return "连接被重置"
    return f"网络错误（错误码 {exc.errno}）" if exc.errno else "网络错误"


def _decode(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
