"""No credential is committed: every file git would commit is scanned for secrets.

The scan covers `git ls-files --cached --others --exclude-standard`: tracked files and new
files not ignored (what the next commit can contain). Secrets belong in the environment or in
git-ignored files (`.dlt/secrets.toml`, `.env`); see docs/governance.md, "Secrets".

Detected: private keys, AWS access keys and secrets, user and password in URLs,
`password`/`secret`/`token`/`api_key`-style assignments of a literal value, PII_HASH_KEY with a
literal value, and well-known token formats (GitHub, Slack, Stripe, Google, JWT).

Documented placeholders are allowed one by one, by file and exact value (ALLOWED below): a new
placeholder needs its own entry, with the reason.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from pytests.support.warehouse import REPO_ROOT

PATTERNS = {
    "private key": re.compile(r"-----BEGIN ((RSA|DSA|EC|OPENSSH|PGP|ENCRYPTED) )?PRIVATE KEY"),
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        r"aws_secret_access_key\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9/+=]{40})\b", re.I
    ),
    "password in URL": re.compile(
        r"\b[a-z][a-z0-9+.-]*://(?P<user>[^\s:/@\"'<>]+):(?P<value>[^\s@/\"'<>]+)@", re.I
    ),
    "credential assignment": re.compile(
        r"(?P<name>[A-Za-z0-9_.-]*(password|passwd|pwd|secret|token|api_?key|access_?key"
        r"|private_?key|credentials?)[A-Za-z0-9_]*)[\"']?\s*(:|=|:=|=>)\s*"
        r"(?P<q>[\"'])(?P<value>(?:(?!(?P=q)).){3,})(?P=q)",
        re.I,
    ),
    # PII_HASH_KEY: "value" / 'value' / =value (shell, .env), at least 8 characters
    "PII hash key": re.compile(r"PII_HASH_KEY[\"']?\s*[:=]\s*[\"']?(?P<value>[^\s\"'#]{8,})", re.I),
    "GitHub token": re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Stripe key": re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
}

# Values that are not literals: references to the environment, templates, code.
NOT_A_LITERAL = re.compile(
    r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?"  # $VAR, ${VAR}
    r"|\$\(.*"  # $(command)
    r"|\$\{\{.*\}\}|\{\{.*\}\}"  # ${{ secrets.X }} (Actions), {{ env_var(...) }} (dbt)
    r"|\{[^{}]*\}"  # f-string / format placeholder
    r"|<[^>]+>|\*+|\.\.\.|%s)$"
)


@dataclass(frozen=True)
class Allowed:
    path: str  # fnmatch pattern of the file
    value: str  # the exact matched value
    reason: str


ALLOWED = (
    Allowed(
        "*",
        "dev-only-pii-hash-key-do-not-use-in-production",
        "the development PII hash key, public by design (macros/hash_pii.sql, governance/pii.py)",
    ),
    Allowed(
        ".dlt/secrets.toml.example",
        "dev-token",
        "the simulator's documented default API token, in the example secrets file",
    ),
    Allowed(
        "pytests/simulator/conftest.py",
        "dev-token",
        "the simulator's default API token, used by its tests",
    ),
    Allowed(
        "pytests/simulator/test_sim_api.py",
        "s3cret",
        "throwaway token of a test that the API reads its token from the environment",
    ),
    Allowed(
        ".dlt/config.toml",
        "password",
        "placeholder in the commented example of a shop database URL",
    ),
    Allowed(
        "simulator/README.md",
        "pw",
        "placeholder in the documented --postgres-url format",
    ),
    Allowed(
        "simulator/cli.py",
        "pw",
        "placeholder in the --postgres-url help text",
    ),
    Allowed(
        "ingestion/README.md",
        "pw",
        "placeholder in the documented Postgres shop database URL",
    ),
    Allowed(
        "pytests/test_elt_run.py",
        "wrong",
        "deliberately wrong password of the unreachable-Postgres test",
    ),
    Allowed(
        "pytests/bi/test_bi_postgres.py",
        "wrong",
        "deliberately wrong password of the BI app's unreachable-Postgres test",
    ),
    Allowed(
        "pytests/ingestion/conftest.py",
        "test-token",
        "the token the ingestion tests give their own simulator API server",
    ),
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.value[:6]}..."


def committable_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(p for p in out.split("\0") if p and (REPO_ROOT / p).is_file())


def _is_allowed(path: str, value: str) -> bool:
    return any(fnmatch(path, a.path) and value == a.value for a in ALLOWED)


def scan_text(path: str, text: str) -> list[Finding]:
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(line):
                value = match.groupdict().get("value") or match.group(0)
                value = value.strip()
                if NOT_A_LITERAL.match(value) or _looks_like_code(kind, value):
                    continue
                if not _is_allowed(path, value):
                    findings.append(Finding(path, number, kind, value))
    return findings


def _looks_like_code(kind: str, value: str) -> bool:
    """Assignments whose 'value' is code or a name, not a secret (e.g. a dict key lookup)."""
    if kind != "credential assignment":
        return False
    return bool(re.fullmatch(r"[A-Z][A-Z0-9_]*|[a-z_][a-z0-9_.]*\(.*\)?|\{.*\}", value))


def scan_file(path: str) -> list[Finding]:
    data = (REPO_ROOT / path).read_bytes()
    if b"\0" in data[:8192]:  # binary
        return []
    return scan_text(path, data.decode("utf-8", errors="replace"))


def test_no_credentials_in_committable_files() -> None:
    files = committable_files()
    assert "README.md" in files and "profiles.yml" in files
    findings = [f for path in files for f in scan_file(path)]
    assert not findings, "credential-looking strings (move them to the environment):\n" + "\n".join(
        map(str, findings)
    )


def _join(*parts: str) -> str:
    """Test secrets are assembled at run time, so this file never contains one."""
    return "".join(parts)


def test_the_scanner_finds_planted_credentials() -> None:
    planted = {
        "private key": _join("-----BEGIN ", "RSA PRIVATE KEY-----"),
        "AWS access key id": _join("AKIA", "Q3EXAMPLEKEY7ABC"),
        "AWS secret access key": _join(
            "aws_secret_", "access_key = ", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        ),
        "password in URL": _join("postgresql://etl:", "S3cr3t-pw", "@db.internal:5432/wh"),
        "credential assignment": _join("db_pass", 'word = "hunter2-prod"'),
        "PII hash key": _join("PII_HASH", "_KEY=9f8e7d6c5b4a"),
        "GitHub token": _join("ghp_", "a" * 36),
        "Slack token": _join("xoxb-", "1234567890-abcdef"),
        "JWT": _join("eyJ", "hbGciOiJIUzI1NiJ9", ".eyJ", "zdWIiOiIxMjM0NSJ9", ".", "s" * 20),
    }
    for kind, line in planted.items():
        found = scan_text("somewhere/config.py", line)
        assert [f.kind for f in found] == [kind], (kind, found)


def test_references_and_placeholders_are_not_credentials() -> None:
    clean = [
        "password: \"{{ env_var('PGPASSWORD', '') }}\"",
        'password = os.environ.get("PGPASSWORD", "")',
        "PGPASSWORD: ${{ secrets.PGPASSWORD }}",
        'token = "$SIM_API_TOKEN"',
        "export PII_HASH_KEY=$(cat /run/secrets/pii_key)",
        "PII_HASH_KEY=${PII_HASH_KEY}",
        "url = f'postgresql://{user}:{password}@{host}'",
    ]
    for line in clean:
        assert scan_text("somewhere/config.py", line) == [], line
    # an allowed placeholder is allowed only in its own file
    example = _join("api_tok", 'en = "dev-token"')
    assert scan_text(".dlt/secrets.toml.example", example) == []
    assert scan_text("elsewhere.toml", example) != []


def test_secret_files_are_ignored_by_git() -> None:
    for path in (".dlt/secrets.toml", ".env", "warehouse.duckdb"):
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", path], cwd=REPO_ROOT, check=False
        ).returncode
        assert ignored == 0, f"{path} must be git-ignored"
    assert Path(REPO_ROOT / ".gitignore").is_file()
