"""Staff roles: granted and revoked by an admin in the bot or from the command line, each change in
the audit log; the person's menu follows at once."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import update

from handlers.admin import StaffAction, StaffCb
from services.audit import AuditLog
from services.staff import Refusal, StaffChangeRefused, StaffDirectory
from storage.staff import AuditEntry, Role
from tests.admin.test_access import MENU_OF, OUT_OF_DATE, UNKNOWN_COMMAND, press_data, seen_after, shown_sections
from tests.admin.test_audit import cli_database, run_cli  # noqa: F401  (a fixture used here)
from tests.plugins.dialogue import voting_stand
from tests.plugins.staff import ADMIN_ID, STAFF_SETTINGS

NEWCOMER = 700201


@pytest.fixture
async def staff_bot(tmp_path, houses_template, pii_keys):
    """The bot with the admin of ADMIN_IDS (no verifier: roles need none)."""
    database_file = tmp_path / "vote.sqlite3"
    shutil.copy(houses_template, database_file)
    async with voting_stand(database_file, pii_keys=pii_keys, settings=STAFF_SETTINGS) as stand:
        yield stand


async def press_on(user, button: str):
    """Presses `button` and returns the message it was on as it then reads (edited in place)."""
    pressed = next(m for m in reversed(await user.messages()) if any(button in row for row in m.buttons))
    await user.press(button)
    return next(m for m in await user.messages() if m.id == pressed.id)


async def newest_entry(stand):
    async with stand.sessions() as session:
        [entry] = await AuditLog(session).newest(1)
    return entry.actor, entry.action, entry.subject, entry.detail


async def test_an_admin_grants_a_role_the_person_uses_it_and_loses_it_on_revocation(staff_bot):
    stand = staff_bot
    admin = stand.client.user(ADMIN_ID, "Админ")
    newcomer = stand.client.user(NEWCOMER, "Ольга")
    assert UNKNOWN_COMMAND in (await newcomer.send("/admin")).text

    await admin.send("/admin")
    await admin.press("👥 Сотрудники")
    # the menu is edited into the list once the roles are read: on a busy machine after the press settled
    listed = await admin.wait_for(f"{ADMIN_ID} — администратор (настройка ADMIN_IDS)")
    assert not any("Снять" in button for row in listed.buttons for button in row), listed.buttons
    prompt = await admin.press("➕ Выдать роль")
    assert "Пришлите Telegram id" in prompt.text and prompt.edited
    for typo in ("Ольга", "12 34", "-5", "0"):
        assert "Это не Telegram id" in (await admin.send(typo)).text
    roles = await admin.send(f" {NEWCOMER} ")
    assert f"Какую роль выдать {NEWCOMER}?" in roles.text
    granted = await admin.press("Оператор")
    assert f"✅ {NEWCOMER} теперь — оператор." in granted.text
    assert await newest_entry(stand) == (f"tg:{ADMIN_ID}", "staff.grant", f"tg:{NEWCOMER}", {"role": "operator"})

    menu = await newcomer.send("/admin")
    assert shown_sections(menu.buttons) == MENU_OF["operator"]

    again = await admin.send(str(NEWCOMER))  # typed out of turn: the grant question is over
    assert "Какую роль" not in again.text
    revoked = await press_on(admin, f"✖ Снять роль «оператор»: {NEWCOMER}")
    assert f"✅ У {NEWCOMER} больше нет роли «оператор»." in revoked.text and revoked.edited
    assert await newest_entry(stand) == (f"tg:{ADMIN_ID}", "staff.revoke", f"tg:{NEWCOMER}", {"role": "operator"})
    assert UNKNOWN_COMMAND in (await newcomer.send("/admin")).text
    # the button kept from the menu they had opens nothing now
    seen = await seen_after(newcomer, lambda: newcomer.press("📨 Обращения"))
    assert not seen.messages and all(OUT_OF_DATE in notice for notice in seen.notices), seen

    await press_on(admin, "◀ Меню сотрудника")
    audit = await press_on(admin, "📜 Журнал аудита")
    assert "staff.grant" in audit.text and "staff.revoke" in audit.text and "✅ Цепочка цела." in audit.text
    async with stand.sessions.begin() as session:
        await session.execute(update(AuditEntry).where(AuditEntry.id == 1).values(subject="tg:1"))
    refreshed = await press_on(admin, "🔄 Обновить")
    assert "⚠️ Цепочка нарушена: #1: запись изменена" in refreshed.text


async def test_refused_changes_are_explained_and_forged_ones_do_nothing(staff_bot):
    stand = staff_bot
    admin = stand.client.user(ADMIN_ID, "Админ")
    await admin.send("/admin")
    await admin.press("👥 Сотрудники")
    settings_admin = StaffCb(action=StaffAction.REVOKE, telegram_id=ADMIN_ID, role=Role.ADMIN).pack()
    seen = await seen_after(admin, lambda: press_data(stand, admin, settings_admin))
    assert any("по настройке ADMIN_IDS" in notice for notice in seen.notices), seen
    not_held = StaffCb(action=StaffAction.REVOKE, telegram_id=NEWCOMER, role=Role.AUDITOR).pack()
    seen = await seen_after(admin, lambda: press_data(stand, admin, not_held))
    assert any(f"У {NEWCOMER} нет роли «аудитор»" in notice for notice in seen.notices), seen

    staff: StaffDirectory = stand.app.dispatcher["staff"]
    async with stand.sessions() as session:
        await staff.grant(session, NEWCOMER, Role.OPERATOR, by=None)
    operator = stand.client.user(NEWCOMER, "Ольга")
    await operator.send("/admin")
    for data in (StaffCb(action=StaffAction.GRANT, telegram_id=NEWCOMER, role=Role.ADMIN).pack(),
                 StaffCb(action=StaffAction.ASK).pack()):
        seen = await seen_after(operator, lambda: press_data(stand, operator, data))
        assert not seen.messages and all(OUT_OF_DATE in notice for notice in seen.notices), seen
    assert "Какую роль" not in (await operator.send("12345")).text  # no grant question was opened
    async with stand.sessions() as session:
        assert await staff.roles(session, NEWCOMER) == {Role.OPERATOR}
        assert [e.action for e in await AuditLog(session).newest(5)] == ["staff.grant"]


async def test_the_command_line_grants_lists_and_revokes_as_cli(cli_database, capsys, monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "42")
    assert await run_cli("staff", "grant", "5001", "auditor") == 0
    assert capsys.readouterr().out == "5001 now holds the role auditor\n"
    assert await run_cli("staff", "list") == 0
    listed = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert listed[0] == ["TELEGRAM", "ID", "ROLES", "NAMED", "IN", "SINCE"]
    assert listed[1] == ["42", "admin", "ADMIN_IDS"] and listed[2][:2] == ["5001", "auditor"]
    for argv, message in ((("grant", "5001", "auditor"), "5001 already holds the role auditor"),
                          (("revoke", "5001", "operator"), "5001 does not hold the role operator"),
                          (("revoke", "42", "admin"), "42 is an admin through ADMIN_IDS"),
                          (("grant", "50x1", "auditor"), "is not a Telegram user id"),
                          (("grant", "5001", "boss"), "invalid choice: 'boss'")):
        with pytest.raises(SystemExit) as stopped:
            await run_cli("staff", *argv)
        error = capsys.readouterr().err.strip().splitlines()
        assert stopped.value.code == 2 and len(error) == 1 and message in error[0], error
    assert await run_cli("staff", "revoke", "5001", "auditor") == 0
    async with cli_database() as session:
        entries = [(e.actor, e.action, e.subject, e.detail) for e in await AuditLog(session).newest(10)]
        assert await StaffDirectory([42]).roles(session, 5001) == frozenset()
    assert entries == [("cli", "staff.grant", "tg:5001", {"role": "auditor"}),
                       ("cli", "staff.revoke", "tg:5001", {"role": "auditor"})]


@pytest.mark.parametrize("by", [None, 42])
async def test_grants_and_revocations_are_checked_and_written_with_their_audit_entry(sessions, by):
    staff = StaffDirectory([42])
    async with sessions() as session:
        await staff.grant(session, 7, Role.AUDITOR, by=by)
        await staff.grant(session, 8, Role.ADMIN, by=by)
        refusals = []
        for change, telegram_id, role, who in ((staff.grant, 7, Role.AUDITOR, by), (staff.grant, 42, Role.ADMIN, by),
                                               (staff.revoke, 7, Role.OPERATOR, by),
                                               (staff.revoke, 42, Role.ADMIN, by), (staff.revoke, 8, Role.ADMIN, 8),
                                               (staff.grant, 9, Role.ADMIN, 7)):
            with pytest.raises(StaffChangeRefused) as refused:
                await change(session, telegram_id, role, by=who)
            refusals.append(refused.value.refusal)
        await staff.revoke(session, 8, Role.ADMIN, by=by)
    assert refusals == [Refusal.ALREADY_HELD, Refusal.ALREADY_HELD, Refusal.NOT_HELD, Refusal.FROM_SETTINGS,
                        Refusal.OWN_ADMIN, Refusal.NOT_ADMIN]
    async with sessions() as session:
        members = await staff.members(session)
        entries = [(e.actor, e.action, e.subject, e.detail["role"]) for e in await AuditLog(session).newest(10)]
        report = await AuditLog(session).verify()
    assert [(m.telegram_id, m.roles, m.from_settings) for m in members] == [
        (7, {Role.AUDITOR}, False), (42, {Role.ADMIN}, True)]
    actor = "cli" if by is None else "tg:42"
    assert entries == [(actor, "staff.grant", "tg:7", "auditor"), (actor, "staff.grant", "tg:8", "admin"),
                       (actor, "staff.revoke", "tg:8", "admin")]
    assert report.intact and report.entries == 3


async def test_roles_are_remembered_only_while_fresh_however_many_accounts_write(sessions):
    """Every account whose update reaches a staff router is asked about (a resident's stray word
    does): a process that met a city of residents must not keep an entry for each of them."""
    now = [0.0]
    staff = StaffDirectory([42], ttl=30.0, clock=lambda: now[0])
    async with sessions() as session:
        await staff.grant(session, 7, Role.AUDITOR, by=None)
        assert await staff.roles(session, 7) == {Role.AUDITOR}
        for telegram_id in range(1_000, 1_600):  # a resident every 0.1 s for a minute
            assert await staff.roles(session, telegram_id) == frozenset()
            now[0] += 0.1
        assert len(staff._cache) <= 300  # the last 30 s of them; the rest ran out and went
        assert await staff.roles(session, 42) == {Role.ADMIN}
        assert await staff.roles(session, 7) == {Role.AUDITOR}  # read afresh, long after it ran out
        await staff.revoke(session, 7, Role.AUDITOR, by=None)
        assert await staff.roles(session, 7) == frozenset()
