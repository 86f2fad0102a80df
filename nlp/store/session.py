"""Opening the database: engine, sessions, and the schema brought to the newest migration on first use."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from nlp.paths import DATABASE_FILE, REPO_ROOT
from nlp.store.errors import StoreError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = REPO_ROOT / "migrations"
DEFAULT_URL = f"sqlite:///{DATABASE_FILE}"
_MIGRATION_LOCK = 0x70_69_61_6E  # "pian": one migrating process at a time on PostgreSQL
SCHEMA_HEAD = "0004"
"""The newest migration's revision. A database already there opens without loading Alembic (a tenth of a
second of the service's start); tests/store/test_migrations.py checks this equals Alembic's own head."""


@dataclass
class Store:
    """An open database: its engine and a session factory. Close it when done (or use `with`)."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed together, or rolled back entirely on any error."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DBAPI callback)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB of pages: summaries scan whole indexes
    cursor.execute("PRAGMA mmap_size = 268435456")
    cursor.close()


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL {url!r}: {exc} / 数据库地址无效") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            engine = create_engine(parsed, poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            return create_engine(parsed, pool_pre_ping=True)
        except ImportError as exc:  # the driver is an extra: pip install -e '.[postgres]'
            driver = parsed.get_driver_name()
            raise StoreError(
                f"{parsed.render_as_string(hide_password=True)}: the PostgreSQL driver {driver!r} is not installed "
                f"({exc}); install it with pip install -e '.[postgres]' and use postgresql+psycopg:// URLs "
                "/ 未安装 PostgreSQL 驱动"
            ) from None
    raise StoreError(f"unsupported database {parsed.get_backend_name()!r} in {url!r}; use sqlite or postgresql")


def _alembic_config():  # noqa: ANN202 (alembic.config.Config, imported only when migrating)
    from alembic.config import Config

    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise StoreError(f"migrations not found at {MIGRATIONS_DIR} / 找不到数据库迁移脚本")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def stored_revision(engine: Engine) -> str | None:
    """The migration the database is at (None when it has no schema yet)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest migration (creating it in an empty database); return the revision."""
    if stored_revision(engine) == SCHEMA_HEAD:
        return SCHEMA_HEAD
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        current = MigrationContext.configure(connection).get_current_revision()
        if current != head:
            log.info("migrating %s from %s to %s", engine.url.render_as_string(hide_password=True), current, head)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return head


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema creation between processes opening one SQLite file at once (several service workers);
    PostgreSQL takes an advisory lock inside `migrate` instead."""
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        yield
        return
    from filelock import FileLock, Timeout

    lock = FileLock(str(Path(database).expanduser()) + ".migrate.lock")
    try:
        lock.acquire(timeout=120)
    except Timeout:
        raise StoreError(
            f"{database}: another process has been creating the schema for 120 s ({lock.lock_file} is held) "
            "/ 另一进程正在初始化数据库"
        ) from None
    try:
        yield
    finally:
        lock.release()


def open_store(url: str | None = None) -> Store:
    """Open (and on first use create) the database at `url`; default: the SQLite file data/piancha.sqlite."""
    url = url or DEFAULT_URL
    engine = _engine(url)
    try:
        with _migration_lock(engine):
            migrate(engine)
    except OperationalError as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot open database {where}: {exc.orig} / 无法打开数据库") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot prepare database {where}: {exc} / 数据库初始化失败") from None
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
